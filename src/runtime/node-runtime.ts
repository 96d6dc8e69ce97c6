/**
 * NodeRuntime: the public face of a sandbox. It owns one QuickJS WebAssembly instance
 * (created on first use, replaced after a limit or a fault) and runs exec/run calls on it
 * one at a time, each in a fresh guest context.
 */
import { EngineLoadError, NotSupportedError, RuntimeDisposedError } from "../errors.js";
import { OPS } from "../shims/index.js";
import { Execution, MALFORMED_EXPORTS } from "./execution.js";
import { inProcessHost } from "./exec-host.js";
import { withExports } from "./export-copy.js";
import { WorkerPool } from "./worker/pool.js";
import { resolveExecOptions, resolveRuntimeOptions, type ResolvedExecOptions, type ExecOptions, type NodeRuntimeOptions, type ResolvedRuntimeOptions } from "./options.js";
import { Sandbox } from "./sandbox.js";
import { Session, type SessionOptions } from "./session.js";

export interface ExecResult {
  /** 0, the guest's exit code, or a limit's code (see ExitCode). */
  code: number;
  /** Why the run failed: the uncaught error's stack, or which limit was hit. */
  errorMessage?: string;
  /** Everything the guest wrote to stdout (bounded by resourceBudgets.maxOutputBytes). */
  stdout: string;
  stderr: string;
}

export interface RunResult<T = unknown> extends ExecResult {
  /** The module's exports, copied out of the sandbox. */
  exports?: T;
}

/**
 * Runs untrusted JavaScript in a QuickJS WebAssembly sandbox with a Node.js-shaped world.
 *
 * @example
 * const runtime = new NodeRuntime({ memoryLimit: 64, cpuTimeLimitMs: 1000 });
 * const r = await runtime.exec("console.log(6 * 7)");
 * // r.code === 0, r.stdout === "42\n"
 * runtime.dispose();
 */
export class NodeRuntime {
  readonly #opts: ResolvedRuntimeOptions;
  #sandbox: Sandbox | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #current: { terminate(): void } | undefined;
  /** This runtime's id in its worker pool (worker mode). */
  readonly #poolId = WorkerPool.runtimeId();
  #disposed = false;
  readonly #perfOrigin = performance.now();
  readonly #sessions = new Set<Session>();

  constructor(options?: NodeRuntimeOptions) {
    this.#opts = resolveRuntimeOptions(options);
  }

  /** Runs `code` as a CommonJS script (like `node file.js`) and waits until its event loop is empty. */
  exec(code: string, options?: ExecOptions): Promise<ExecResult> {
    return this.#schedule("exec", code, options, "script");
  }

  /**
   * Evaluates `code` as an ES module and returns a copy of its exports. The second
   * argument is the module's file path, or the same options as exec() takes.
   */
  run<T = unknown>(code: string, filePathOrOptions?: string | ExecOptions): Promise<RunResult<T>> {
    const o = filePathOrOptions;
    if (o !== undefined && typeof o !== "string" && (typeof o !== "object" || o === null || Array.isArray(o))) {
      return Promise.reject(new TypeError(`NodeRuntime.run: the second argument must be a file path or an options object, got ${o === null ? "null" : Array.isArray(o) ? "an array" : typeof o}`));
    }
    return this.#schedule("run", code, typeof o === "string" ? { filePath: o } : o, "module") as Promise<RunResult<T>>;
  }

  /**
   * Opens a session: a guest context of its own whose globals, modules and event loop
   * carry over from one step (`session.exec`/`session.eval`) to the next. In-process only.
   */
  openSession(options?: SessionOptions): Session {
    if (this.#disposed) throw new RuntimeDisposedError("openSession");
    if (this.#opts.workerPool) throw new NotSupportedError("NodeRuntime.openSession() is not supported in worker mode yet; open sessions on an in-process runtime");
    const ex = resolveExecOptions(this.#opts, options, "NodeRuntime.openSession");
    const session = new Session(this.#opts, ex, OPS, this.#perfOrigin, (s) => this.#sessions.delete(s));
    this.#sessions.add(session);
    return session;
  }

  /** Frees the sandbox now, and closes open sessions. A running exec ends with code 143; later calls reject. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const s of [...this.#sessions]) s.closeBecause("the runtime was disposed");
    if (this.#current) this.#current.terminate();
    else this.#release();
  }

  /** Ends a running exec (code 143), waits for it to wind down, then disposes. */
  async terminate(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const s of [...this.#sessions]) s.closeBecause("the runtime was disposed");
    this.#current?.terminate();
    await this.#queue.catch(() => {});
    this.#release();
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  #schedule(method: string, code: string, options: unknown, kind: "script" | "module"): Promise<RunResult> {
    if (this.#disposed) return Promise.reject(new RuntimeDisposedError(method));
    if (typeof code !== "string") {
      return Promise.reject(new TypeError(`NodeRuntime.${method}: code must be a string, got ${code === null ? "null" : typeof code}`));
    }
    let ex;
    try {
      ex = resolveExecOptions(this.#opts, options, `NodeRuntime.${method}`);
    } catch (e) {
      return Promise.reject(e);
    }
    const pool = this.#opts.workerPool;
    const job = this.#queue.then(async () => {
      if (this.#disposed) throw new RuntimeDisposedError(method);
      if (pool) return this.#runOnPool(pool, ex, kind, code);
      const sandbox = await this.#acquire();
      const execution = new Execution(sandbox, this.#opts, ex, OPS, this.#perfOrigin, inProcessHost(this.#opts, ex));
      this.#current = execution;
      // dispose() or terminate() while the sandbox was being made: the run ends at once.
      if (this.#disposed) execution.terminate();
      try {
        return withExports(await execution.start(kind, code), MALFORMED_EXPORTS);
      } finally {
        this.#current = undefined;
        if (sandbox.broken || this.#disposed) this.#release();
        else this.#prepareSoon(sandbox);
      }
    });
    this.#queue = job.catch(() => {});
    return job;
  }

  /** Worker mode: the exec runs on the pool; this thread serves its host ops. */
  async #runOnPool(pool: WorkerPool, ex: ResolvedExecOptions, kind: "script" | "module", code: string): Promise<RunResult> {
    const run = pool.submit(this.#poolId, this.#opts, ex, kind, code, performance.timeOrigin + this.#perfOrigin);
    this.#current = { terminate: () => run.stop() };
    try {
      return withExports(await run.result, MALFORMED_EXPORTS);
    } finally {
      this.#current = undefined;
      if (this.#disposed) this.#release();
    }
  }

  /** Prepares the next exec's context once the host is idle (see Sandbox.prepare). */
  #prepareSoon(sandbox: Sandbox): void {
    setImmediate(() => {
      if (this.#sandbox === sandbox && !this.#current && !this.#disposed) sandbox.prepare();
    }).unref?.();
  }

  async #acquire(): Promise<Sandbox> {
    if (this.#sandbox && !this.#sandbox.broken) return this.#sandbox;
    this.#release();
    // One turn of the host's event loop before a new instance: V8 gives the memory of
    // disposed instances back only from a task, so a caller creating sandboxes in a
    // loop of awaits (never yielding to the event loop) would otherwise pile up 16 MiB
    // reservations until address space ran out. The turn also lets the instance pool
    // refill.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      this.#sandbox = await Sandbox.create(this.#opts.variant, this.#opts.memoryLimitBytes);
    } catch (e) {
      throw new EngineLoadError(e);
    }
    return this.#sandbox;
  }

  #release(): void {
    this.#opts.workerPool?.release(this.#poolId);
    this.#sandbox?.dispose();
    this.#sandbox = undefined;
  }
}
