/**
 * Calls host ops straight from the op table, in either form, the way the bridge's runner
 * does: the op's permission builder in the call's mode ("sync" or "async"), the gate,
 * then the op's `sync` or `async` implementation. In-process, a guest's sync API only
 * ever reaches the sync forms; worker mode serves it with the async forms. These helpers
 * reach the async forms directly, so a test can hold them against the sync ones.
 */
import type { VirtualFileSystem, SystemDriver } from "../../src/driver/types.js";
import { PermissionGate } from "../../src/runtime/bridge/gate.js";
import { Granted, type ExecState, type Op, type OpContext } from "../../src/runtime/bridge/op.js";
import { type OpErrorRecord, toOpErrorRecord } from "../../src/runtime/bridge/op-error.js";
import { OPS } from "../../src/shims/index.js";

export interface Harness {
  readonly cx: OpContext;
  /** The exec's state; `end()` runs its end hooks, as the runtime does when an exec ends. */
  readonly exec: ExecState & { end(): void };
  /** A synchronous call (permission builder in "sync" mode, `op.sync`). */
  sync(name: string, ...args: unknown[]): unknown;
  /** An asynchronous call (permission builder in "async" mode, awaited gate, `op.async`). */
  async(name: string, ...args: unknown[]): Promise<unknown>;
}

/** What a call came to: its value, or the error record the guest would see. */
export type Outcome = { value: unknown } | { error: OpErrorRecord };

export function op(name: string): Op {
  const o = OPS.get(name);
  if (!o) throw new Error(`no op ${name}`);
  return o;
}

/** An exec's state with end hooks: a hook added after the end runs at once. */
function execState(cwd: string, env: Record<string, string>): ExecState & { end(): void } {
  let hooks: (() => void)[] | undefined = [];
  return {
    cwd,
    env: new Map(Object.entries(env)),
    stdin: "",
    memoryLimit: 64 * 1024 * 1024,
    write: () => true,
    exit: () => {},
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0 }),
    onEnd(fn) {
      if (hooks) hooks.push(fn);
      else fn();
    },
    end() {
      const list = hooks ?? [];
      hooks = undefined;
      for (const fn of list) fn();
    },
  };
}

export function harness(driver: SystemDriver, init: { cwd?: string; env?: Record<string, string> } = {}): Harness {
  const gate = new PermissionGate(driver.permissions);
  const exec = execState(init.cwd ?? "/", init.env ?? {});
  const cx: OpContext = { driver, exec, allowed: (r) => gate.allowed(r), allowedAsync: (r) => gate.allowedAsync(r) };
  return {
    cx,
    exec,
    sync(name, ...args) {
      const o = op(name);
      const requests = o.permission?.(args, cx, "sync") ?? [];
      if (!Array.isArray(requests)) throw new Error(`${name} built its requests asynchronously in a sync call`);
      gate.checkSync(requests, o.syscall);
      return o.sync!(cx, args, Granted.create(requests));
    },
    async async(name, ...args) {
      const o = op(name);
      const requests = (await o.permission?.(args, cx, "async")) ?? [];
      await gate.checkAsync(requests, o.syscall);
      if (!o.async) throw new Error(`${name} has no async form`);
      return o.async(cx, args, Granted.create(requests));
    },
  };
}

/** The value, or the error record as the runner would make it (naming the first fs path). */
export async function outcome(name: string, call: () => unknown, args: unknown[] = []): Promise<Outcome> {
  try {
    return { value: await call() };
  } catch (e) {
    const path = typeof args[0] === "string" && args[0].startsWith("/") ? args[0] : undefined;
    return { error: toOpErrorRecord(e, op(name).syscall, path) };
  }
}

/**
 * Only the async methods of a filesystem, each after a macrotask, as a remote store
 * would answer: any use of a `*Sync` method fails.
 */
export function asyncOnlyFs(inner: VirtualFileSystem): VirtualFileSystem {
  const out: Record<string, unknown> = {};
  const source = inner as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(source), ...Object.getOwnPropertyNames(Object.getPrototypeOf(source))]);
  for (const key of keys) {
    if (key === "constructor" || key.endsWith("Sync") || typeof source[key] !== "function") continue;
    out[key] = async (...args: unknown[]) => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return (source[key] as (...a: unknown[]) => unknown).apply(inner, args);
    };
  }
  return out as unknown as VirtualFileSystem;
}

/** A permission callback that answers after a macrotask (an async policy service). */
export function later<R>(decide: (req: R) => boolean | { allow: boolean; reason?: string }) {
  return async (req: R) => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    return decide(req);
  };
}
