/**
 * NodeRuntime options: their types, defaults and validation. Every option is checked
 * when the runtime is constructed, and a bad value is a TypeError that names it.
 */
import { createNodeDriver } from "../driver/node-driver.js";
import type { SystemDriver } from "../driver/types.js";
import type { OpBudgets, PayloadLimits } from "./bridge/bridge.js";
import { resolveRuntimeDriver, type RuntimeDriverFactory } from "./runtime-driver.js";
import { resolveBindings, type BindingTree, type ResolvedBindings } from "./bindings.js";
import type { StdioHandler } from "./stdio.js";
import { DEFAULTS } from "./defaults.js";
import type { WasmVariant } from "../wasm/variants.js";
import { sharedWorkerPool, WorkerPool } from "./worker/pool.js";

export type TimingMitigation = "freeze" | "off";

/**
 * Per-run budgets. Past one, the one operation fails with `ERR_SANDBOX_BUDGET_EXCEEDED`
 * (output is cut instead); the host and other sandboxes are untouched. Each takes a
 * positive number or Infinity. See SECURITY.md for what each protects.
 */
export interface ResourceBudgets {
  /** Characters of stdout + stderr one exec may produce before output is cut. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Host-op calls (every fs call, console line, module load…) one run may make. Default 1 000 000. */
  maxOpCalls?: number;
  /** Asynchronous host operations in flight (started, result not yet taken) at once. Default 10 000. */
  maxPendingOps?: number;
  /** Bytes of arguments and results held on the host by asynchronous operations in flight. Default 128 MiB. */
  maxPendingBytes?: number;
  /** Live timeouts, intervals and immediates at once. Default 100 000. */
  maxTimers?: number;
}

export interface NodeRuntimeOptions {
  /** The capabilities and permissions the guest gets. Default: `createNodeDriver()` (deny all). */
  systemDriver?: SystemDriver;
  /** Hard memory cap of the sandbox in MB. Default 128. */
  memoryLimit?: number;
  /** CPU time budget of one exec/run in ms; exceeding it ends the run with exit code 124. Default 30 000. */
  cpuTimeLimitMs?: number;
  /**
   * Wall-clock bound of one exec/run in ms, waits included (timers, host operations that
   * never answer); exceeding it ends the run with exit code 124. Default 60 000;
   * `Infinity` for a long-lived guest (a server), which then ends by `terminate()`.
   */
  wallTimeLimitMs?: number;
  /** "freeze" (default) stops the guest's clocks for the whole run; "off" gives real clocks. */
  timingMitigation?: TimingMitigation;
  /** Receives guest output as it is written. */
  onStdio?: StdioHandler;
  /** Largest single payload crossing the bridge, each way. Default 32 MiB. */
  payloadLimits?: Partial<PayloadLimits>;
  resourceBudgets?: ResourceBudgets;
  /** Engine choice; see createQuickJSRuntimeDriverFactory. */
  runtimeDriverFactory?: RuntimeDriverFactory;
  /**
   * Where guest code runs. "in-process" (default): on the caller's thread, the fastest
   * start. "worker": on a pool of worker threads (the shared one sized to the cores,
   * or `workerPool`), where sync guest APIs work over async adapters and guest CPU never
   * blocks the caller's event loop.
   */
  mode?: "in-process" | "worker";
  /** The pool to run on; implies `mode: "worker"`. Several runtimes may share one. */
  workerPool?: WorkerPool;
  /** Host functions the guest calls as `SecureExec.bindings.x.y()` (see README, "Host bindings"). */
  bindings?: BindingTree;
}

export interface ExecOptions {
  /** File name the code runs as (resolution base and stack traces). Default `<cwd>/index.js`. */
  filePath?: string;
  /** Extra environment variables for this run, over processConfig.env. */
  env?: Record<string, string>;
  /** Working directory for this run. Default processConfig.cwd or "/root". */
  cwd?: string;
  /** Text the guest reads from process.stdin. */
  stdin?: string;
  cpuTimeLimitMs?: number;
  /** This run's wall-clock bound in ms (over the runtime's `wallTimeLimitMs`). */
  wallTimeLimitMs?: number;
  timingMitigation?: TimingMitigation;
  onStdio?: StdioHandler;
}

export interface ResolvedRuntimeOptions {
  driver: SystemDriver;
  memoryLimitBytes: number;
  cpuTimeLimitMs: number;
  wallTimeLimitMs: number;
  timingMitigation: TimingMitigation;
  onStdio?: StdioHandler;
  payloadLimits: PayloadLimits;
  maxOutputBytes: number;
  opBudgets: OpBudgets;
  maxTimers: number;
  variant: WasmVariant;
  /** Worker mode's pool; undefined in-process. */
  workerPool?: WorkerPool;
  /** The host bindings: their shape goes to the guest, the functions stay on this thread. */
  bindings: ResolvedBindings;
}

const BUDGET_KEYS = ["maxOutputBytes", "maxOpCalls", "maxPendingOps", "maxPendingBytes", "maxTimers"] as const;

/** The QuickJS builds need 16 MiB of linear memory to start; a smaller cap cannot link. */
const MIN_MEMORY_MB = 16;

const RUNTIME_KEYS = new Set([
  "systemDriver", "memoryLimit", "cpuTimeLimitMs", "wallTimeLimitMs", "timingMitigation", "onStdio", "payloadLimits",
  "resourceBudgets", "runtimeDriverFactory", "mode", "workerPool", "bindings",
]);
const EXEC_KEYS = new Set(["filePath", "env", "cwd", "stdin", "cpuTimeLimitMs", "wallTimeLimitMs", "timingMitigation", "onStdio"]);

function fail(where: string, message: string): never {
  throw new TypeError(`${where}: ${message}`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "undefined") return String(v);
  return Array.isArray(v) ? "an array" : typeof v;
}

function checkKeys(where: string, o: object, valid: Set<string>): void {
  for (const k of Object.keys(o)) {
    if (!valid.has(k)) fail(where, `unknown option "${k}"; valid options are ${[...valid].join(", ")}`);
  }
}

function positive(where: string, name: string, v: unknown, allowInfinity = false): number {
  if (typeof v !== "number" || Number.isNaN(v) || v <= 0 || (!allowInfinity && !Number.isFinite(v))) {
    fail(where, `${name} must be a positive number${allowInfinity ? " (or Infinity)" : ""}, got ${describe(v)}`);
  }
  return v;
}

/** The sandbox's own calls (unit ids, module paths) need a little room: 1 KiB at least. */
const MIN_PAYLOAD_BYTES = 1024;

function payloadLimit(where: string, name: string, v: unknown): number {
  const n = positive(where, `payloadLimits.${name}`, v);
  if (n < MIN_PAYLOAD_BYTES) fail(where, `payloadLimits.${name} must be at least ${MIN_PAYLOAD_BYTES} bytes, got ${n}`);
  return n;
}

function timing(where: string, v: unknown): TimingMitigation {
  if (v !== "freeze" && v !== "off") fail(where, `timingMitigation must be "freeze" or "off", got ${describe(v)}`);
  return v;
}

function stdioHandler(where: string, v: unknown): StdioHandler {
  if (typeof v !== "function") fail(where, `onStdio must be a function, got ${describe(v)}`);
  return v as StdioHandler;
}

export function resolveRuntimeOptions(options: unknown): ResolvedRuntimeOptions {
  const where = "NodeRuntime";
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) fail(where, `options must be an object, got ${describe(options)}`);
  const o = options as NodeRuntimeOptions;
  checkKeys(where, o, RUNTIME_KEYS);
  const driver = o.systemDriver ?? createNodeDriver();
  if (typeof driver !== "object" || driver === null || (driver as { kind?: unknown }).kind !== "node") {
    fail(where, "systemDriver must come from createNodeDriver()");
  }
  const memoryLimitMb = o.memoryLimit === undefined ? DEFAULTS.memoryLimitMb : positive(where, "memoryLimit (MB)", o.memoryLimit);
  if (memoryLimitMb < MIN_MEMORY_MB || memoryLimitMb > 4096) {
    fail(where, `memoryLimit must be between ${MIN_MEMORY_MB} and 4096 MB (QuickJS's WebAssembly build starts at 16 MB of linear memory; 4096 MB is the 32-bit address space), got ${memoryLimitMb}`);
  }
  const payload = o.payloadLimits ?? {};
  if (typeof payload !== "object" || payload === null) fail(where, `payloadLimits must be an object, got ${describe(payload)}`);
  checkKeys(`${where}: payloadLimits`, payload, new Set(["requestBytes", "responseBytes"]));
  const budgets = o.resourceBudgets ?? {};
  if (typeof budgets !== "object" || budgets === null) fail(where, `resourceBudgets must be an object, got ${describe(budgets)}`);
  checkKeys(`${where}: resourceBudgets`, budgets, new Set(BUDGET_KEYS));
  const budget = (name: (typeof BUDGET_KEYS)[number]): number => {
    const v = (budgets as ResourceBudgets)[name];
    return v === undefined ? DEFAULTS[name] : positive(where, `resourceBudgets.${name}`, v, true);
  };
  if (o.mode !== undefined && o.mode !== "in-process" && o.mode !== "worker") fail(where, `mode must be "in-process" or "worker", got ${describe(o.mode)}`);
  if (o.workerPool !== undefined && !(o.workerPool instanceof WorkerPool)) fail(where, "workerPool must be a WorkerPool");
  if (o.workerPool !== undefined && o.mode === "in-process") fail(where, 'workerPool was given with mode "in-process"');
  const workerPool = o.workerPool ?? (o.mode === "worker" ? sharedWorkerPool() : undefined);
  return {
    ...(workerPool ? { workerPool } : {}),
    driver,
    memoryLimitBytes: Math.floor(memoryLimitMb * 1024 * 1024),
    cpuTimeLimitMs: o.cpuTimeLimitMs === undefined ? DEFAULTS.cpuTimeLimitMs : positive(where, "cpuTimeLimitMs", o.cpuTimeLimitMs, true),
    wallTimeLimitMs: o.wallTimeLimitMs === undefined ? DEFAULTS.wallTimeLimitMs : positive(where, "wallTimeLimitMs", o.wallTimeLimitMs, true),
    timingMitigation: o.timingMitigation === undefined ? "freeze" : timing(where, o.timingMitigation),
    onStdio: o.onStdio === undefined ? undefined : stdioHandler(where, o.onStdio),
    payloadLimits: {
      requestBytes: payload.requestBytes === undefined ? DEFAULTS.payloadBytes : payloadLimit(where, "requestBytes", payload.requestBytes),
      responseBytes: payload.responseBytes === undefined ? DEFAULTS.payloadBytes : payloadLimit(where, "responseBytes", payload.responseBytes),
    },
    maxOutputBytes: budgets.maxOutputBytes === undefined ? DEFAULTS.maxOutputBytes : positive(where, "resourceBudgets.maxOutputBytes", budgets.maxOutputBytes),
    opBudgets: Object.freeze({ maxOpCalls: budget("maxOpCalls"), maxPendingOps: budget("maxPendingOps"), maxPendingBytes: budget("maxPendingBytes") }),
    maxTimers: budget("maxTimers"),
    variant: resolveRuntimeDriver(o.runtimeDriverFactory),
    bindings: resolveBindings(where, o.bindings),
  };
}

export interface ResolvedExecOptions {
  filePath: string;
  cwd: string;
  env: Map<string, string>;
  stdin: string;
  cpuTimeLimitMs: number;
  wallTimeLimitMs: number;
  timingMitigation: TimingMitigation;
  onStdio: StdioHandler[];
  /**
   * The exec's start as epoch ms (the guest's frozen clock), when decided before the
   * exec runs: worker mode sets it on the caller's thread, which serves the ops that
   * show the guest's clock, and hands it to the guest's thread.
   */
  startEpochMs?: number;
}

function absolutePath(where: string, name: string, v: unknown): string {
  if (typeof v !== "string" || !v.startsWith("/") || v.includes("\0")) fail(where, `${name} must be an absolute POSIX path, got ${describe(v)}`);
  return v;
}

export function resolveExecOptions(rt: ResolvedRuntimeOptions, options: unknown, where: string): ResolvedExecOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) fail(where, `options must be an object, got ${describe(options)}`);
  const o = options as ExecOptions;
  checkKeys(where, o, EXEC_KEYS);
  const pc = rt.driver.processConfig;
  const cwd = o.cwd === undefined ? pc.cwd ?? "/root" : absolutePath(where, "cwd", o.cwd);
  const env = new Map(Object.entries(pc.env ?? {}));
  if (o.env !== undefined) {
    if (typeof o.env !== "object" || o.env === null || Array.isArray(o.env)) fail(where, `env must be an object of strings, got ${describe(o.env)}`);
    for (const [k, v] of Object.entries(o.env)) {
      if (typeof v !== "string") fail(where, `env.${k} must be a string, got ${describe(v)}`);
      env.set(k, v);
    }
  }
  if (o.stdin !== undefined && typeof o.stdin !== "string") fail(where, `stdin must be a string, got ${describe(o.stdin)}`);
  const handlers: StdioHandler[] = [];
  if (rt.onStdio) handlers.push(rt.onStdio);
  if (o.onStdio !== undefined) handlers.push(stdioHandler(where, o.onStdio));
  return {
    filePath: o.filePath === undefined ? `${cwd === "/" ? "" : cwd}/index.js` : absolutePath(where, "filePath", o.filePath),
    cwd,
    env,
    stdin: o.stdin ?? pc.stdin ?? "",
    cpuTimeLimitMs: o.cpuTimeLimitMs === undefined ? rt.cpuTimeLimitMs : positive(where, "cpuTimeLimitMs", o.cpuTimeLimitMs, true),
    wallTimeLimitMs: o.wallTimeLimitMs === undefined ? rt.wallTimeLimitMs : positive(where, "wallTimeLimitMs", o.wallTimeLimitMs, true),
    timingMitigation: o.timingMitigation === undefined ? rt.timingMitigation : timing(where, o.timingMitigation),
    onStdio: handlers,
  };
}
