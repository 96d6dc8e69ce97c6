/**
 * One body per fs op, run two ways. An op body is a generator that yields each backend
 * call it needs (`yield* vfs(fs, "stat", path)`) instead of making it; `runSync` answers
 * each call with the backend's `*Sync` method, `runAsync` awaits the async one. So the
 * synchronous, callback and promise forms of a guest API share one implementation (as
 * memfs's `_readfile` does), and a body written once works over async-only backends.
 *
 * A synchronous run over a backend that lacks the needed `*Sync` method stops with
 * ERR_SANDBOX_SYNC_UNAVAILABLE naming the method and worker mode; it never falls back.
 */
import type { VirtualFileHandle, VirtualFileSystem } from "../../driver/types.js";
import { OpError } from "../../runtime/bridge/op-error.js";

type Fn = (...args: any[]) => any;

/** One backend call: the object, the async method name, and its arguments. */
export interface Call {
  readonly target: object;
  readonly method: string;
  readonly args: readonly unknown[];
  /** A permission check (see bodies.permit): `runSyncAwaitingChecks` awaits it, whatever the backend. */
  readonly check?: true;
}

export type Io<R> = Generator<Call, R, unknown>;

/** Async method names of a backend type (its `*Sync` counterpart is the same name + "Sync"). */
type AsyncMethod<T> = {
  [K in keyof T]-?: K extends `${string}Sync` ? never : NonNullable<T[K]> extends Fn ? K : never;
}[keyof T];
type Params<T, M extends keyof T> = Parameters<NonNullable<T[M]> & Fn>;
type Result<T, M extends keyof T> = Awaited<ReturnType<NonNullable<T[M]> & Fn>>;

export type FsMethod = AsyncMethod<VirtualFileSystem>;
export type HandleMethod = AsyncMethod<VirtualFileHandle>;

/** Yields one filesystem call and returns its result to the body. */
export function* vfs<M extends FsMethod>(fs: VirtualFileSystem, method: M, ...args: Params<VirtualFileSystem, M>): Io<Result<VirtualFileSystem, M>> {
  return (yield { target: fs, method, args }) as Result<VirtualFileSystem, M>;
}

/** Yields one file-handle call and returns its result to the body. */
export function* fh<M extends HandleMethod>(handle: VirtualFileHandle, method: M, ...args: Params<VirtualFileHandle, M>): Io<Result<VirtualFileHandle, M>> {
  return (yield { target: handle, method, args }) as Result<VirtualFileHandle, M>;
}

/** Whether a backend implements an optional method (the capability, whatever the mode). */
export function has(target: object, method: string): boolean {
  return typeof (target as Record<string, unknown>)[method] === "function";
}

function syncUnavailable(method: string): OpError {
  return OpError.node(
    "ERR_SANDBOX_SYNC_UNAVAILABLE",
    `the configured filesystem has no ${method}Sync(), so this synchronous fs API cannot run in-process; use the callback or promise form, or run the sandbox in worker mode`,
  );
}

function missing(method: string): OpError {
  return OpError.system("ENOSYS", "function not implemented", method);
}

/** Runs a body with the backends' synchronous methods. */
export function runSync<R>(body: Io<R>): R {
  let input: unknown;
  let error: unknown;
  let failed = false;
  for (;;) {
    const step = failed ? body.throw(error) : body.next(input);
    failed = false;
    if (step.done) return step.value;
    const { target, method, args } = step.value;
    const fn = (target as Record<string, unknown>)[`${method}Sync`];
    if (typeof fn !== "function") throw syncUnavailable(method);
    try {
      input = (fn as Fn).apply(target, args as unknown[]);
    } catch (e) {
      error = e;
      failed = true;
    }
  }
}

/**
 * Runs a body with the backends' synchronous methods, awaiting only its permission
 * checks (a callback may answer with a Promise). Over a backend with every `*Sync`
 * method, what a body does after its last check runs with no await in between: no other
 * guest operation can change the filesystem between a recheck and the use.
 */
export async function runSyncAwaitingChecks<R>(body: Io<R>): Promise<R> {
  let input: unknown;
  let error: unknown;
  let failed = false;
  for (;;) {
    const step = failed ? body.throw(error) : body.next(input);
    failed = false;
    if (step.done) return step.value;
    const { target, method, args, check } = step.value;
    const fn = (target as Record<string, unknown>)[check ? method : `${method}Sync`];
    if (typeof fn !== "function") throw check ? missing(method) : syncUnavailable(method);
    try {
      input = check ? await (fn as Fn).apply(target, args as unknown[]) : (fn as Fn).apply(target, args as unknown[]);
    } catch (e) {
      error = e;
      failed = true;
    }
  }
}

/** Runs a body with the backends' asynchronous methods. */
export async function runAsync<R>(body: Io<R>): Promise<R> {
  let input: unknown;
  let error: unknown;
  let failed = false;
  for (;;) {
    const step = failed ? body.throw(error) : body.next(input);
    failed = false;
    if (step.done) return step.value;
    const { target, method, args } = step.value;
    const fn = (target as Record<string, unknown>)[method];
    if (typeof fn !== "function") throw missing(method);
    try {
      input = await (fn as Fn).apply(target, args as unknown[]);
    } catch (e) {
      error = e;
      failed = true;
    }
  }
}
