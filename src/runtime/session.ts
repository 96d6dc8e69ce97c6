/**
 * Sessions: one guest context kept across several steps, like a REPL or a notebook
 * kernel. A session has its own sandbox (WebAssembly instance, memory cap) beside the
 * runtime's, so an exec of the runtime can never break it; its steps run one at a time,
 * each with its own CPU budget and output, on one context whose globals, loaded modules,
 * timers and host state (cwd, child processes) carry over from step to step.
 */
import { EngineLoadError, NotSupportedError, SessionClosedError } from "../errors.js";
import type { Op } from "./bridge/op.js";
import { inProcessHost, type HostFactory } from "./exec-host.js";
import { Execution } from "./execution.js";
import { withExports } from "./export-copy.js";
import type { ExecResult } from "./node-runtime.js";
import type { ExecOptions, ResolvedExecOptions, ResolvedRuntimeOptions } from "./options.js";
import { Sandbox } from "./sandbox.js";
import type { OutputCapture } from "./stdio.js";

const MALFORMED_VALUE = "the step's value could not be copied out of the sandbox (malformed data)";

/** Options of a session, for all its steps: as exec()'s, with cpuTimeLimitMs per step. */
export type SessionOptions = ExecOptions;

export interface EvalResult<T = unknown> extends ExecResult {
  /** The step's completion value (a Promise's value once it settled), copied out like run() exports. */
  value?: T;
}

/** The host side of a session: the in-process host of an exec, its output started over for each step. */
function sessionHost(rt: ResolvedRuntimeOptions, ex: ResolvedExecOptions): { factory: HostFactory; nextStep(): void } {
  let output: OutputCapture | undefined;
  const factory: HostFactory = (facts) => {
    const host = inProcessHost(rt, ex)(facts);
    output = host.output;
    return host;
  };
  return { factory, nextStep: () => output?.reset() };
}

/**
 * A guest context that keeps its state between steps. Made by `NodeRuntime.openSession()`.
 *
 * @example
 * const session = runtime.openSession();
 * await session.exec("const greet = (n) => `hello ${n}`");
 * const { value } = await session.eval("greet('world')"); // "hello world"
 * session.close();
 */
export class Session {
  readonly #rt: ResolvedRuntimeOptions;
  readonly #ex: ResolvedExecOptions;
  readonly #ops: ReadonlyMap<string, Op>;
  readonly #perfOrigin: number;
  readonly #onClose: (s: Session) => void;
  #sandbox: Sandbox | undefined;
  #execution: Execution | undefined;
  #host: ReturnType<typeof sessionHost> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #running = false;
  /** Why the session closed; undefined while it is open. */
  #closedBecause: string | undefined;

  /** @internal Use NodeRuntime.openSession(). */
  constructor(rt: ResolvedRuntimeOptions, ex: ResolvedExecOptions, ops: ReadonlyMap<string, Op>, perfOrigin: number, onClose: (s: Session) => void) {
    this.#rt = rt;
    this.#ex = ex;
    this.#ops = ops;
    this.#perfOrigin = perfOrigin;
    this.#onClose = onClose;
  }

  /** Runs `code` as the next step (a global script: its declarations stay for later steps). */
  exec(code: string): Promise<ExecResult> {
    return this.#step("exec", code).then(({ exports: _value, ...result }) => result);
  }

  /** Like exec, and returns the step's completion value as `value`, copied out of the sandbox. */
  eval<T = unknown>(code: string): Promise<EvalResult<T>> {
    return this.#step("eval", code).then(({ exports, ...result }) => (exports === undefined ? result : { ...result, value: exports as T }));
  }

  /**
   * Not supported yet: saving a session needs engine snapshots (issue 15). Throws a
   * NotSupportedError.
   */
  save(): never {
    throw new NotSupportedError("Session.save() is not supported yet: saving a session needs engine snapshots, which quicksand's QuickJS build does not offer yet");
  }

  /** Ends the session and frees its sandbox. A running step ends with code 143. Safe to call twice. */
  close(): void {
    this.#closeBecause("close() was called");
  }

  get closed(): boolean {
    return this.#closedBecause !== undefined;
  }

  /** @internal The runtime was disposed. */
  closeBecause(why: string): void {
    this.#closeBecause(why);
  }

  #closeBecause(why: string): void {
    if (this.#closedBecause !== undefined) return;
    this.#closedBecause = why;
    this.#onClose(this);
    if (this.#running) this.#execution?.terminate();
    else this.#release();
  }

  #step(method: "exec" | "eval", code: string): Promise<ExecResult & { exports?: unknown }> {
    if (this.#closedBecause !== undefined) return Promise.reject(new SessionClosedError(method, this.#closedBecause));
    if (typeof code !== "string") return Promise.reject(new TypeError(`Session.${method}: code must be a string, got ${code === null ? "null" : typeof code}`));
    const job = this.#queue.then(async () => {
      if (this.#closedBecause !== undefined) throw new SessionClosedError(method, this.#closedBecause);
      const execution = await this.#open();
      this.#host!.nextStep();
      this.#running = true;
      try {
        const outcome = await execution.step(method, code);
        return withExports(outcome, MALFORMED_VALUE);
      } finally {
        this.#running = false;
        if (this.#closedBecause !== undefined) this.#release();
        else if (!execution.open) this.#closeBecause(this.#endReason());
      }
    });
    this.#queue = job.catch(() => {});
    return job;
  }

  async #open(): Promise<Execution> {
    if (this.#execution) return this.#execution;
    try {
      this.#sandbox = await Sandbox.create(this.#rt.variant, this.#rt.memoryLimitBytes);
    } catch (e) {
      throw new EngineLoadError(e);
    }
    this.#host = sessionHost(this.#rt, this.#ex);
    this.#execution = new Execution(this.#sandbox, this.#rt, this.#ex, this.#ops, this.#perfOrigin, this.#host.factory);
    return this.#execution;
  }

  #endReason(): string {
    return this.#sandbox?.broken ? "a step hit a limit or faulted, and its sandbox was discarded" : "a step ended the process (process.exit() or termination)";
  }

  #release(): void {
    try {
      this.#execution?.close();
    } finally {
      this.#execution = undefined;
      this.#sandbox?.dispose();
      this.#sandbox = undefined;
    }
  }
}
