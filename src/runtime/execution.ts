/**
 * One exec or run: a fresh QuickJS context in the sandbox, the bootstrap, the entry code,
 * and the event loop that drives it until nothing is left (or a limit, an exit or a fatal
 * error ends it). All guest code runs through `enter()`, which accounts CPU time and
 * turns engine faults into a discarded sandbox.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { bootstrapSource, preludeSource } from "virtual:quicksand-guest";
import { Bridge, type Completion } from "./bridge/bridge.js";
import type { Op, OpContext } from "./bridge/op.js";
import type { ExecHost, HostFactory } from "./exec-host.js";
import { ExitCode } from "./exit-codes.js";
import { EsmLoader, moduleName, withImportMeta } from "./esm-loader.js";
import type { OpErrorRecord } from "./bridge/op-error.js";
import type { ResolvedExecOptions, ResolvedRuntimeOptions } from "./options.js";
import type { Sandbox } from "./sandbox.js";
import type { ResolvedBindings } from "./bindings.js";
import { stepSource } from "./step-source.js";

/** What guest timers' tick() answers; see src/shims/timers/guest.ts. */
const RAN = -2;
const IDLE = -1;
const UNREF_ONLY = -3;
/** Guest callbacks run back to back before the loop yields to the host's own event loop. */
const YIELD_EVERY = 512;

export interface ExecOutcome {
  code: number;
  errorMessage?: string;
  /** run(): the module's exports as tagged JSON (see export-copy.ts), revived by the caller. */
  exportsJson?: string;
  stdout: string;
  stderr: string;
}

/**
 * The runtime options an exec runs under; the driver is reached through the ExecHost, and
 * of the bindings only their shape is here (the functions stay with the host's op context).
 */
export type ExecLimits = Omit<ResolvedRuntimeOptions, "driver" | "onStdio" | "bindings"> & { bindings: Pick<ResolvedBindings, "shape"> };

/** Optional observers of a run, for a watchdog and a stop request from another thread. */
export interface ExecutionHooks {
  /** Guest code starts running with `budgetLeftMs` of CPU time left. */
  onGuestEnter?(budgetLeftMs: number): void;
  /** Guest code stopped running (returned to the host). */
  onGuestLeave?(): void;
  /** Polled by the interrupt handler: true ends the run as terminated. */
  stopRequested?(): boolean;
  /**
   * Total milliseconds this thread has spent blocked waiting for host replies. That time
   * is not the guest's CPU time (worker mode: the caller's thread does the work).
   */
  hostWaitMs?(): number;
  /**
   * When the wall-clock limit runs out, as epoch ms (worker mode: fixed by the caller's
   * thread, whose watchdog acts on the same deadline). Default: the limit from now.
   */
  wallDeadlineEpochMs?: number;
}

/** What the prelude returns (always present). */
interface Prelude {
  arrayBufferByteLength: QuickJSHandle;
  stringUnits: QuickJSHandle;
  stringFromUnits: QuickJSHandle;
  runMain: QuickJSHandle;
}
const PRELUDE_KEYS: (keyof Prelude)[] = ["arrayBufferByteLength", "stringUnits", "stringFromUnits", "runMain"];

/** What the full bootstrap returns (present once a script needed it). */
interface Dispatcher {
  tick: QuickJSHandle;
  runTicks: QuickJSHandle;
  settle: QuickJSHandle;
  serialize: QuickJSHandle;
  builtinExportNames: QuickJSHandle;
  cjsExportNames: QuickJSHandle;
  opError: QuickJSHandle;
  exitCode: QuickJSHandle;
  emitExit: QuickJSHandle;
  uncaught: QuickJSHandle;
}
const DISPATCHER_KEYS: (keyof Dispatcher)[] = [
  "tick", "runTicks", "settle", "serialize", "builtinExportNames", "cjsExportNames", "opError", "exitCode", "emitExit", "uncaught",
];

export const MALFORMED_EXPORTS = "the module's exports could not be copied out of the sandbox (malformed export data)";

/** Thrown inside `enter()` when the engine itself failed; the run is already ended. */
class EngineFault extends Error {}

export class Execution {
  private readonly context: QuickJSContext;
  private readonly host: ExecHost;
  private readonly owned: QuickJSHandle[] = [];
  private p!: Prelude;
  /** The bootstrap's dispatcher, once loaded (see ensureBooted). */
  private d: Dispatcher | undefined;
  private dispatcherObject: QuickJSHandle | undefined;
  private booting = false;
  private bridgeFns: { call: QuickJSHandle; callAsync: QuickJSHandle } | undefined;
  private bridge!: Bridge;
  private cx!: OpContext;
  private esm!: EsmLoader;
  private outcome: { code: number; errorMessage?: string } | undefined;
  /** No further guest code may run (a limit, termination or engine fault). */
  private halted = false;
  private exitRequested: number | undefined;
  private cpuExceeded = false;
  /** When the wall-clock limit runs out (performance.now() time; Infinity: never). */
  private readonly wallDeadline: number;
  private wallExceeded = false;
  /** Resolves when terminate() is called: ends waits on host work that may never finish. */
  private readonly stopped: Promise<void>;
  private signalStopped!: () => void;
  /** The engine was refused memory during this exec: the run ends with 134 (see checkMemory). */
  private memoryExceeded = false;
  private terminated = false;
  private cpuUsed = 0;
  private enteredAt = 0;
  /** hostWaitMs() when guest code was entered. */
  private waitAtEnter = 0;
  private depth = 0;
  private readonly completions: Completion[] = [];
  private wake: (() => void) | undefined;
  /** The exec's start as epoch ms: what the guest's frozen clock shows. */
  private readonly startWall: number;
  private readonly growFailuresAtStart: number;
  /** The entry ES module's evaluation promise, until it settles (see checkEntryModule). */
  private entryModule: QuickJSHandle | undefined;
  /** The prelude compiled ahead of time in the prepared context, if there was one. */
  private preparedPrelude: QuickJSHandle | undefined;
  /** This execution serves a session: its context outlives each step (see step()). */
  private stepping = false;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly rt: ExecLimits,
    private readonly ex: ResolvedExecOptions,
    private readonly ops: ReadonlyMap<string, Op>,
    private readonly perfOrigin: number,
    makeHost: HostFactory,
    private readonly hooks: ExecutionHooks = {},
  ) {
    this.growFailuresAtStart = sandbox.growFailures();
    this.startWall = ex.startEpochMs ?? Date.now();
    this.wallDeadline = hooks.wallDeadlineEpochMs !== undefined ? hooks.wallDeadlineEpochMs - performance.timeOrigin : performance.now() + ex.wallTimeLimitMs;
    this.stopped = new Promise((resolve) => {
      this.signalStopped = resolve;
    });
    const prepared = sandbox.takePrepared();
    this.context = prepared?.context ?? sandbox.runtime.newContext();
    this.preparedPrelude = prepared?.prelude;
    this.host = makeHost({
      exit: (code) => {
        if (this.exitRequested === undefined) this.exitRequested = code;
      },
      memoryUsage: () => sandbox.memoryUsage(),
      memoryLimit: sandbox.memoryLimitBytes,
      ...(ex.timingMitigation === "freeze" ? { guestClockMs: this.startWall } : {}),
    });
  }

  /** Stops the run at the next chance: guest code is interrupted, pending work dropped. */
  terminate(): void {
    this.terminated = true;
    this.signalStopped();
    this.wake?.();
  }

  async start(kind: "script" | "module", code: string): Promise<ExecOutcome> {
    this.attach();
    let exportsJson: string | undefined;
    try {
      this.boot();
      let moduleHandle: QuickJSHandle | undefined;
      if (!this.ended) {
        if (kind === "script" && !(await this.looksLikeModule(code))) this.evalScript(code);
        else moduleHandle = await this.evalModule(code);
        this.entryModule = moduleHandle;
      }
      await this.loop();
      if (moduleHandle && !this.ended) {
        if (kind === "module") exportsJson = this.moduleExports(moduleHandle);
        else {
          const settled = this.moduleSettled(moduleHandle);
          if (settled?.owned) settled.ns.dispose();
        }
      }
      this.entryModule = undefined;
      moduleHandle?.dispose();
      this.finish();
    } catch (e) {
      if (!(e instanceof EngineFault)) throw e;
    } finally {
      this.cleanup();
    }
    const o = this.outcome ?? { code: ExitCode.OK };
    const result: ExecOutcome = { code: o.code, stdout: this.host.output.stdout, stderr: this.host.output.stderr };
    if (o.errorMessage !== undefined) result.errorMessage = o.errorMessage;
    if (exportsJson !== undefined && o.code === ExitCode.OK) result.exportsJson = exportsJson;
    return result;
  }

  /** Points the engine's interrupt check and module loader at this execution. */
  private attach(): void {
    const { runtime } = this.sandbox;
    runtime.setInterruptHandler(() => this.shouldInterrupt());
    runtime.setModuleLoader(
      (name) => this.esm.load(name),
      (base, name) => this.esm.normalize(base, name),
    );
  }

  // -------------------------------------------------------------------------
  // Boot
  // -------------------------------------------------------------------------

  private boot(): void {
    const { context } = this;
    const { cx } = this.host;
    this.cx = cx;
    this.esm = new EsmLoader({
      call: (name, args) => this.bridge.callForGuest(name, args),
      callAsync: (name, args) => this.bridge.callForGuestAsync(name, args),
      syncLoading: this.host.syncModuleLoading,
      cwd: () => cx.exec.cwd,
      guestError: (record) => this.guestError(record),
      builtinExportNames: (name) => this.exportNames("builtinExportNames", name),
      cjsExportNames: (path) => this.exportNames("cjsExportNames", path),
    });
    this.bridge = new Bridge({
      context,
      ops: this.ops,
      runner: this.host.runner,
      localRunner: this.host.localRunner,
      limits: this.rt.payloadLimits,
      isArrayBuffer: (h) => this.isArrayBuffer(h),
      exactString: (h) => this.exactString(h),
      newExactString: (str) => this.newExactString(str),
      onComplete: (c) => {
        this.completions.push(c);
        this.wake?.();
      },
      // Once the engine was refused memory the run is over, even before the guest returns:
      // no host operation runs after that.
      isLive: () => !this.ended && !this.refusedMemory(),
      budgets: this.rt.opBudgets,
    });
    const call = this.own(this.bridge.newCallFunction());
    const callAsync = this.own(this.bridge.newCallAsyncFunction());
    this.bridgeFns = { call, callAsync };
    const boot = this.own(
      context.newFunction("boot", () => {
        try {
          return this.ensureBooted().dup();
        } catch (e) {
          if (!(e instanceof EngineFault)) this.fault(e);
          return { error: this.bridge.encodeError({ code: "ERR_SANDBOX_EXITED", message: "the sandbox failed to start" }) };
        }
      }),
    );
    const factory = this.preparedPrelude ?? this.evalInternal(preludeSource, "node:internal/prelude");
    this.preparedPrelude = undefined;
    const shape = context.newString(JSON.stringify(this.rt.bindings.shape));
    const prelude = this.callFactory(factory, "prelude", call, boot, shape);
    shape.dispose();
    this.p = this.ownProps(prelude, PRELUDE_KEYS);
    prelude.dispose();
  }

  /** Calls (and frees) one of quicksand's own factories; a failure is an engine fault. */
  private callFactory(factory: QuickJSHandle, what: string, ...args: QuickJSHandle[]): QuickJSHandle {
    const r = this.enter(() => this.context.callFunction(factory, this.context.undefined, ...args));
    factory.dispose();
    if (r.error) {
      const detail = this.safeDescribe(r.error);
      r.error.dispose();
      if (this.endIfStopped()) throw new EngineFault(`ended during the ${what}`);
      throw this.fault(new Error(`${what} failed: ${detail}`));
    }
    return r.value;
  }

  /** Owned handles of an object's properties (quicksand's own objects, read before guest code runs). */
  private ownProps<K extends string>(obj: QuickJSHandle, keys: readonly K[]): Record<K, QuickJSHandle> {
    const out = {} as Record<K, QuickJSHandle>;
    for (const key of keys) out[key] = this.own(this.context.getProp(obj, key));
    return out;
  }

  /**
   * Loads the full bootstrap on first need: when the guest touches a lazy global or
   * `require`, or when the host needs the dispatcher (an uncaught error, run() exports).
   */
  private ensureBooted(): QuickJSHandle {
    if (this.dispatcherObject) return this.dispatcherObject;
    // The bootstrap reads globals the prelude put loaders on; those reads must not boot again.
    if (this.booting) return this.context.undefined;
    this.booting = true;
    const { context } = this;
    const factory = this.evalInternal(bootstrapSource, "node:internal/bootstrap");
    const config = context.newString(JSON.stringify(this.bootstrapConfig()));
    let dispatcher: QuickJSHandle;
    try {
      dispatcher = this.callFactory(factory, "bootstrap", this.bridgeFns!.call, this.bridgeFns!.callAsync, config);
    } finally {
      config.dispose();
    }
    this.booting = false;
    this.dispatcherObject = this.own(dispatcher);
    this.d = this.ownProps(dispatcher, DISPATCHER_KEYS);
    return this.dispatcherObject;
  }

  private dispatcher(): Dispatcher {
    this.ensureBooted();
    if (!this.d) throw this.fault(new Error("the bootstrap is not available"));
    return this.d;
  }

  private bootstrapConfig() {
    const pc = this.cx.driver.processConfig;
    const nodeVersion = pc.version ?? "v22.12.0";
    return {
      timing: this.ex.timingMitigation,
      epochMs: this.startWall,
      perfNowMs: Math.max(0, performance.now() - this.perfOrigin),
      loopNowMs: performance.now(),
      maxTimers: Number.isFinite(this.rt.maxTimers) ? this.rt.maxTimers : null,
      process: {
        cwd: this.ex.cwd,
        argv: pc.argv ?? ["/usr/local/bin/node", this.ex.filePath],
        execPath: pc.execPath ?? "/usr/local/bin/node",
        pid: pc.pid ?? 1,
        ppid: pc.ppid ?? 0,
        uid: pc.uid ?? 1000,
        gid: pc.gid ?? 1000,
        platform: pc.platform ?? "linux",
        arch: pc.arch ?? "x64",
        version: nodeVersion,
        versions: pc.versions ?? { node: nodeVersion.replace(/^v/, ""), quickjs: this.rt.variant.name },
        title: "node",
      },
    };
  }

  // -------------------------------------------------------------------------
  // Entry code
  // -------------------------------------------------------------------------

  private evalScript(code: string): void {
    // A shebang line is allowed in Node scripts; keep the line so positions stay right.
    const body = code.startsWith("#!") ? "//" + code.slice(2) : code;
    const wrapper = `(function (exports, require, module, __filename, __dirname) {${body}\n})`;
    const fn = this.evalGuest(wrapper, this.ex.filePath, "global");
    if (!fn) return;
    const filename = this.context.newString(this.ex.filePath);
    this.callGuest(this.p.runMain, fn, filename)?.dispose();
    filename.dispose();
    fn.dispose();
  }

  private async evalModule(code: string): Promise<QuickJSHandle | undefined> {
    // Walking the import graph over an async filesystem waits on host work, which a
    // termination or the wall-clock limit must be able to cut short.
    await this.untilStopped(this.esm.prefetch(this.ex.filePath, code));
    if (this.ended) return undefined;
    return this.evalGuest(withImportMeta(code, this.ex.filePath), moduleName(this.ex.filePath), "module");
  }

  /**
   * Whether an exec's code runs as an ES module, as Node 22 decides: a .mjs file, a .js
   * file under "type": "module", or code that only parses as a module (import/export).
   */
  private async looksLikeModule(code: string): Promise<boolean> {
    const file = this.ex.filePath;
    if (file.endsWith(".mjs")) return true;
    if (file.endsWith(".cjs")) return false;
    try {
      if ((await this.esm.formatOf(file)) === "module") return true;
    } catch {
      // No readable package scope: decide by syntax.
    }
    if (!/\b(import|export|await)\b/.test(code)) return false;
    const asScript = this.context.evalCode(`(function(){${code}\n})`, file, { type: "global", compileOnly: true });
    if (!asScript.error) {
      asScript.value.dispose();
      return false;
    }
    asScript.error.dispose();
    const asModule = this.context.evalCode(code, `${file}#detect`, { type: "module", compileOnly: true });
    const isModule = !asModule.error;
    (asModule.error ?? asModule.value)?.dispose();
    return isModule;
  }

  /**
   * The entry module's evaluation promise once the loop is done: a top-level await that
   * never settled ends the run with 13, a rejection as an uncaught error (as in Node).
   * Returns the namespace (to be freed by the caller) when it was fulfilled.
   */
  private moduleSettled(handle: QuickJSHandle): { ns: QuickJSHandle; owned: boolean } | undefined {
    const value = this.fulfilled(handle, "Warning: Detected unsettled top-level await: the module's top-level await never finished");
    return value && { ns: value.value, owned: value.owned };
  }

  /**
   * A promise's value once the loop is idle. Never settled: the run ends with 13 and
   * `unsettled`; rejected: an uncaught error, as in Node. `owned`: the value is a new
   * handle the caller frees (false when `handle` was no promise and is its own value).
   */
  private fulfilled(handle: QuickJSHandle, unsettled: string): { value: QuickJSHandle; owned: boolean } | undefined {
    const state = this.context.getPromiseState(handle);
    if (state.type === "pending") {
      this.end(13, unsettled);
      return undefined;
    }
    if (state.type === "rejected") {
      this.handleGuestError(state.error, "uncaughtException");
      state.error.dispose();
      return undefined;
    }
    return { value: state.value, owned: !state.notAPromise };
  }

  /**
   * Checked as the loop turns: the entry module's top-level await rejected, which ends
   * the run at once as an uncaught error, as in Node (a pending timer does not delay it).
   */
  private checkEntryModule(): void {
    const handle = this.entryModule;
    if (!handle) return;
    const state = this.context.getPromiseState(handle);
    if (state.type === "pending") return;
    this.entryModule = undefined;
    if (state.type === "rejected") {
      this.handleGuestError(state.error, "uncaughtException");
      state.error.dispose();
    } else if (!state.notAPromise) {
      state.value.dispose();
    }
  }

  /** The module's exports as tagged JSON (revived on the caller's side: export-copy.ts). */
  private moduleExports(handle: QuickJSHandle): string | undefined {
    const settled = this.moduleSettled(handle);
    if (!settled) return undefined;
    const { ns, owned } = settled;
    try {
      const text = this.callGuest(this.dispatcher().serialize, ns);
      if (!text) return undefined;
      // serialize() is guest code a script can tamper with (JSON.stringify): read only a
      // string (anything else would run its toString on the host's time).
      const json = this.context.typeof(text) === "string" ? this.context.getString(text) : undefined;
      text.dispose();
      if (json === undefined) this.end(ExitCode.UNCAUGHT, MALFORMED_EXPORTS);
      return json;
    } finally {
      if (owned) ns.dispose();
    }
  }

  // -------------------------------------------------------------------------
  // The event loop
  // -------------------------------------------------------------------------

  private get ended(): boolean {
    if (!this.terminated && this.hooks.stopRequested?.()) this.terminated = true;
    return this.outcome !== undefined || this.halted || this.exitRequested !== undefined || this.terminated || this.wallPassed();
  }

  /** True once the wall-clock limit has run out (checked against the clock, then sticky). */
  private wallPassed(): boolean {
    if (!this.wallExceeded && performance.now() >= this.wallDeadline) this.wallExceeded = true;
    return this.wallExceeded;
  }

  /**
   * Waits for `work`, or until the run is stopped (terminate(), the wall-clock limit),
   * whichever comes first; the work's own failure is left to the caller's next step.
   */
  private async untilStopped(work: Promise<unknown>): Promise<void> {
    work.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wall = Number.isFinite(this.wallDeadline)
      ? new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.min(Math.max(0, this.wallDeadline - performance.now()), 2 ** 31 - 1));
        })
      : undefined;
    try {
      await Promise.race([work, this.stopped, ...(wall ? [wall] : [])]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async loop(): Promise<void> {
    let spins = 0;
    while (!this.ended) {
      this.drainMicrotasks();
      if (this.ended) break;
      this.checkEntryModule();
      if (this.ended) break;
      const c = this.completions.shift();
      if (c) {
        this.deliver(c);
      } else {
        // Before the bootstrap loads, no timer or host operation can exist.
        if (!this.d) break;
        const now = this.context.newNumber(performance.now());
        const r = this.callNumber(this.d.tick, now);
        now.dispose();
        if (this.ended) break;
        if (r === RAN) {
          if (++spins % YIELD_EVERY === 0) await yieldToHost();
          continue;
        }
        const unrefOnly = r <= UNREF_ONLY;
        if ((r === IDLE || unrefOnly) && this.bridge.pending === 0 && this.completions.length === 0) break;
        // Unref'd timers still fire while a host operation keeps the loop alive.
        await this.waitForWork(r >= 0 ? r : unrefOnly ? UNREF_ONLY - r : undefined);
        continue;
      }
      if (++spins % YIELD_EVERY === 0) await yieldToHost();
    }
    this.endIfStopped();
  }

  private waitForWork(delayMs: number | undefined): Promise<void> {
    // Nothing may wait past the wall-clock limit: a guest kept alive by host work that
    // never answers ends there.
    if (Number.isFinite(this.wallDeadline)) delayMs = Math.max(0, Math.min(delayMs ?? Infinity, Math.ceil(this.wallDeadline - performance.now())));
    if (this.completions.length > 0 || this.terminated) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        this.wake = undefined;
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      this.wake = done;
      if (delayMs === 0) setImmediate(done);
      else if (delayMs !== undefined) timer = setTimeout(done, Math.min(delayMs, 2 ** 31 - 1));
    });
  }

  /** Runs process.nextTick callbacks and promise jobs until both queues are empty. */
  private drainMicrotasks(): void {
    const { runtime } = this.sandbox;
    for (;;) {
      if (this.ended) return;
      const ticks = this.d ? this.callNumber(this.d.runTicks) : 0;
      if (this.ended) return;
      if (ticks === 0 && !runtime.hasPendingJob()) return;
      const result = this.enter(() => runtime.executePendingJobs(-1));
      if (result.error) {
        this.handleGuestError(result.error, "uncaughtException");
        result.error.dispose();
      }
    }
  }

  private deliver(c: Completion): void {
    this.bridge.delivered(c);
    const { context } = this;
    const id = context.newNumber(c.id);
    let err: QuickJSHandle = context.undefined;
    let value: QuickJSHandle = context.undefined;
    try {
      if (c.error) err = this.bridge.encodeError(c.error);
      else value = this.bridge.encodeResult(c.value);
    } catch (e) {
      err = this.bridge.encodeError(this.bridge.recordOf(e));
    }
    // The loop time moves on before an I/O callback runs (libuv updates it after polling),
    // so a timer the callback schedules counts from now, not from before the wait.
    const now = context.newNumber(performance.now());
    this.callGuest(this.dispatcher().settle, id, err, value, now)?.dispose();
    now.dispose();
    id.dispose();
    err.dispose();
    value.dispose();
  }

  // -------------------------------------------------------------------------
  // Calling into the guest
  // -------------------------------------------------------------------------

  private shouldInterrupt(): boolean {
    if (!this.terminated && this.hooks.stopRequested?.()) this.terminated = true;
    if (this.terminated || this.exitRequested !== undefined || this.wallPassed()) return true;
    // A guest that caught the out-of-memory error must not carry on.
    if (this.refusedMemory()) {
      this.memoryExceeded = true;
      return true;
    }
    if (this.depth > 0 && this.cpuUsed + this.sinceEntered() > this.ex.cpuTimeLimitMs) {
      this.cpuExceeded = true;
      return true;
    }
    return false;
  }

  /** CPU time of the guest code running now: since it was entered, less host waits. */
  private sinceEntered(): number {
    const waited = (this.hooks.hostWaitMs?.() ?? 0) - this.waitAtEnter;
    return performance.now() - this.enteredAt - waited;
  }

  /** Runs guest code with CPU accounting; an engine failure halts the run. */
  private enter<T>(f: () => T): T {
    if (this.depth++ === 0) {
      this.enteredAt = performance.now();
      this.waitAtEnter = this.hooks.hostWaitMs?.() ?? 0;
      this.hooks.onGuestEnter?.(this.ex.cpuTimeLimitMs - this.cpuUsed);
    }
    try {
      return f();
    } catch (e) {
      if (e instanceof EngineFault) throw e;
      throw this.fault(e);
    } finally {
      if (--this.depth === 0) {
        this.cpuUsed += this.sinceEntered();
        this.hooks.onGuestLeave?.();
        // Host work done for the guest inside this call (a synchronous op: hashing,
        // compression, a module resolution) is counted above too; the interrupt handler
        // may not run again before the guest returns, so the budget is judged here as well.
        if (this.cpuUsed > this.ex.cpuTimeLimitMs) this.cpuExceeded = true;
        // An interrupt can surface as a rejected promise rather than an error (inside an
        // async function's job), so the limit is judged by the flag, not by the result.
        if (this.cpuExceeded && !this.outcome) this.limitExceeded();
        if (this.wallExceeded && !this.outcome) this.wallLimitExceeded();
        // Likewise memory: an out-of-memory error caught by the guest, or turned into a
        // rejection inside an async function or a promise job, still ends the run.
        this.checkMemory();
      }
    }
  }

  /** True once the engine was refused memory during this exec. */
  private refusedMemory(): boolean {
    return this.memoryExceeded || this.sandbox.growFailures() > this.growFailuresAtStart;
  }

  /**
   * Ends the run with 134 if the engine was refused memory, wherever that happened (guest
   * code, a promise job, a timer, or the host building a guest value). Checked each time
   * guest code returns to the host and before the run ends.
   */
  private checkMemory(): void {
    if (this.outcome || !this.refusedMemory()) return;
    this.halted = true;
    this.sandbox.broken = true;
    this.end(ExitCode.MEMORY_LIMIT, this.memoryMessage());
  }

  private wallLimitExceeded(): void {
    this.halted = true;
    // Guest code may have been interrupted part-way, as with the CPU limit.
    this.sandbox.broken = true;
    this.end(ExitCode.WALL_TIME_LIMIT, `wall-clock time limit of ${this.ex.wallTimeLimitMs} ms exceeded`);
  }

  /**
   * Gives a run that was stopped from outside (the wall-clock limit, terminate()) its
   * outcome, if it has none yet. True when the run has an outcome.
   */
  private endIfStopped(): boolean {
    if (!this.outcome) {
      if (this.wallPassed()) this.wallLimitExceeded();
      else if (this.terminated) {
        this.halted = true;
        this.end(ExitCode.TERMINATED, "the run was terminated");
      }
    }
    return this.outcome !== undefined;
  }

  private limitExceeded(): void {
    this.halted = true;
    this.sandbox.broken = true;
    this.end(ExitCode.CPU_TIME_LIMIT, `CPU time limit of ${this.ex.cpuTimeLimitMs} ms exceeded`);
  }

  private fault(e: unknown): EngineFault {
    this.sandbox.broken = true;
    this.halted = true;
    if (!this.outcome) {
      if (this.sandbox.atMemoryCap()) this.end(ExitCode.MEMORY_LIMIT, this.memoryMessage());
      else this.end(ExitCode.INTERNAL_ERROR, `the sandbox failed inside the WebAssembly engine (${(e as Error)?.message ?? String(e)}); it has been discarded`);
    }
    return new EngineFault("engine fault");
  }

  private callGuest(fn: QuickJSHandle, ...args: QuickJSHandle[]): QuickJSHandle | undefined {
    const r = this.enter(() => this.context.callFunction(fn, this.context.undefined, ...args));
    if (r.error) {
      this.handleGuestError(r.error, "uncaughtException");
      r.error.dispose();
      return undefined;
    }
    return r.value;
  }

  /** Calls a dispatcher function that answers a number; a failed call counts as having run. */
  private callNumber(fn: QuickJSHandle, ...args: QuickJSHandle[]): number {
    const h = this.callGuest(fn, ...args);
    if (!h) return RAN;
    const n = this.context.typeof(h) === "number" ? this.context.getNumber(h) : IDLE;
    h.dispose();
    return n;
  }

  private evalGuest(code: string, filename: string, type: "global" | "module"): QuickJSHandle | undefined {
    const r = this.enter(() => this.context.evalCode(code, filename, { type, strict: type === "module" }));
    if (r.error) {
      this.handleGuestError(r.error, "uncaughtException");
      r.error.dispose();
      return undefined;
    }
    return r.value;
  }

  /** Evaluates quicksand's own guest code; a failure here is an engine-level fault. */
  private evalInternal(code: string, filename: string): QuickJSHandle {
    const r = this.enter(() => this.context.evalCode(code, filename, { type: "global" }));
    if (r.error) {
      const detail = this.safeDescribe(r.error);
      r.error.dispose();
      if (this.endIfStopped()) throw new EngineFault("ended during bootstrap");
      throw this.fault(new Error(`bootstrap failed: ${detail}`));
    }
    return r.value;
  }

  private isArrayBuffer(h: QuickJSHandle): boolean {
    const r = this.context.callFunction(this.p.arrayBufferByteLength, h);
    if (r.error) {
      r.error.dispose();
      return false;
    }
    r.value.dispose();
    return true;
  }

  private newExactString(str: string): QuickJSHandle {
    const units = new Uint16Array(str.length);
    for (let i = 0; i < str.length; i++) units[i] = str.charCodeAt(i);
    const buf = this.context.newArrayBuffer(units.buffer);
    const r = this.context.callFunction(this.p.stringFromUnits, this.context.undefined, buf);
    buf.dispose();
    if (r.error) {
      r.error.dispose();
      throw new Error("could not build a guest string");
    }
    return r.value;
  }

  private exactString(h: QuickJSHandle): string {
    const r = this.context.callFunction(this.p.stringUnits, this.context.undefined, h);
    if (r.error) {
      r.error.dispose();
      throw new Error("could not read a guest string");
    }
    const view = this.context.getArrayBuffer(r.value);
    r.value.dispose();
    try {
      const units = new Uint16Array(view.value.buffer, view.value.byteOffset, view.value.byteLength / 2);
      let out = "";
      for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.subarray(i, i + 8192));
      return out;
    } finally {
      view.dispose();
    }
  }

  // -------------------------------------------------------------------------
  // Errors and the end of the run
  // -------------------------------------------------------------------------

  private handleGuestError(err: QuickJSHandle, kind: "uncaughtException" | "unhandledRejection"): void {
    if (this.outcome) return;
    if (this.cpuExceeded) {
      this.limitExceeded();
      return;
    }
    if (this.endIfStopped()) return;
    if (this.exitRequested !== undefined) return;
    const outOfMemory = this.isOutOfMemory(err);
    if (this.outcome) return; // reading the error hit a limit
    if (outOfMemory) {
      this.memoryExceeded = true;
      this.checkMemory();
      return;
    }
    let uncaught: QuickJSHandle;
    try {
      uncaught = this.dispatcher().uncaught;
    } catch (e) {
      if (e instanceof EngineFault) return;
      throw e;
    }
    const kindH = this.context.newString(kind);
    const text = this.callGuestRaw(uncaught, err, kindH);
    kindH.dispose();
    if (this.outcome || this.ended) return;
    const message = text ?? this.safeDescribe(err);
    if (message === "") return; // an 'uncaughtException' listener handled it
    this.host.output.write("stderr", message + "\n");
    this.end(ExitCode.UNCAUGHT, message, true);
  }

  /** Like callGuest, but a failure while reporting an error does not recurse. */
  private callGuestRaw(fn: QuickJSHandle, ...args: QuickJSHandle[]): string | undefined {
    const r = this.enter(() => this.context.callFunction(fn, this.context.undefined, ...args));
    if (r.error) {
      const fatal = this.cpuExceeded || this.terminated || this.wallExceeded || this.isOutOfMemory(r.error);
      r.error.dispose();
      if (fatal) this.handleGuestError(this.context.undefined, "uncaughtException");
      return undefined;
    }
    const s = this.context.typeof(r.value) === "string" ? this.context.getString(r.value) : undefined;
    r.value.dispose();
    return s;
  }

  /**
   * An error means "out of memory" when the engine was refused memory during this exec
   * (whatever was thrown: QuickJS throws null when it cannot even build the error), or
   * when it is QuickJS's own out-of-memory error.
   */
  private isOutOfMemory(err: QuickJSHandle): boolean {
    if (this.refusedMemory()) return true;
    if (this.context.typeof(err) !== "object") return false;
    try {
      // A thrown value's `message` can be a getter or a Proxy trap: guest code, which
      // must run under the CPU budget like all guest code.
      const msg = this.enter(() => this.context.getProp(err, "message"));
      const s = this.context.typeof(msg) === "string" ? this.context.getString(msg) : "";
      msg.dispose();
      return s === "out of memory";
    } catch {
      return true;
    }
  }

  private safeDescribe(err: QuickJSHandle): string {
    try {
      const t = this.context.typeof(err);
      if (t !== "object") return `Uncaught ${t === "string" ? this.context.getString(err) : t}`;
      // May run a guest getter or Proxy trap: under the CPU budget.
      const msg = this.enter(() => this.context.getProp(err, "message"));
      const s = this.context.typeof(msg) === "string" ? this.context.getString(msg) : "unknown error";
      msg.dispose();
      return s;
    } catch {
      return "unknown error";
    }
  }

  private memoryMessage(): string {
    return `memory limit of ${Math.round(this.sandbox.memoryLimitBytes / 1048576)} MB exceeded`;
  }

  private end(code: number, errorMessage?: string, runExitHandlers = false): void {
    if (this.outcome) return;
    this.outcome = errorMessage === undefined ? { code } : { code, errorMessage };
    // An uncaught error ends a session's step, not the session: no 'exit' yet.
    if (runExitHandlers && !this.stepping) this.runExitHandlers(code);
  }

  /** Node runs 'exit' listeners on a normal end, after process.exit() and after a fatal error. */
  private runExitHandlers(code: number): number {
    if (this.halted || this.terminated || this.cpuExceeded || this.wallExceeded) return code;
    const pending = this.exitRequested;
    // Let exit listeners run: process.exit() inside them is ignored.
    this.exitRequested = undefined;
    const outcome = this.outcome;
    this.outcome = undefined;
    if (!this.d) {
      this.exitRequested = pending;
      this.outcome = outcome;
      return code;
    }
    const emitExit = this.d.emitExit;
    const codeH = this.context.newNumber(code);
    const r = this.enter(() => this.context.callFunction(emitExit, this.context.undefined, codeH));
    codeH.dispose();
    let final = code;
    if (r.error) {
      r.error.dispose();
    } else {
      if (this.context.typeof(r.value) === "number") final = this.context.getNumber(r.value);
      r.value.dispose();
    }
    const interrupted = this.outcome as { code: number } | undefined;
    this.outcome = interrupted ?? outcome;
    if (!interrupted && this.outcome && final !== code) this.outcome = { ...this.outcome, code: final };
    if (pending !== undefined && this.exitRequested === undefined) this.exitRequested = pending;
    return final;
  }

  private finish(): void {
    this.checkMemory();
    if (this.endIfStopped()) return;
    if (this.exitRequested !== undefined) {
      const code = this.runExitHandlers(this.exitRequested);
      if (!this.outcome) this.outcome = { code };
      return;
    }
    const code = this.d ? this.callNumber(this.d.exitCode) : 0;
    if (this.outcome) return;
    const final = this.runExitHandlers(code === RAN ? 0 : code);
    if (!this.outcome) this.outcome = { code: final };
  }

  private cleanup(): void {
    this.host.end();
    for (const h of this.owned.splice(0)) {
      try {
        if (h.alive) h.dispose();
      } catch {
        // Freeing a handle of a faulted instance can fail; the instance is discarded.
      }
    }
    try {
      if (this.context.alive) this.context.dispose();
    } catch {
      this.sandbox.broken = true;
    }
    if (this.sandbox.atMemoryCap()) this.sandbox.broken = true;
    try {
      this.sandbox.runtime.removeInterruptHandler();
      this.sandbox.runtime.removeModuleLoader();
    } catch {
      this.sandbox.broken = true;
    }
  }

  private own(h: QuickJSHandle): QuickJSHandle {
    this.owned.push(h);
    return h;
  }

  // -------------------------------------------------------------------------
  // Services for the ES module loader
  // -------------------------------------------------------------------------

  private guestError(record: OpErrorRecord): QuickJSHandle {
    const rec = this.bridge.encodeError(record);
    try {
      const r = this.enter(() => this.context.callFunction(this.dispatcher().opError, this.context.undefined, rec));
      if (r.error) return r.error;
      return r.value;
    } finally {
      rec.dispose();
    }
  }

  private exportNames(which: "builtinExportNames" | "cjsExportNames", name: string): string[] | OpErrorRecord {
    const fn = this.dispatcher()[which];
    const nameH = this.context.newString(name);
    const r = this.enter(() => this.context.callFunction(fn, this.context.undefined, nameH));
    nameH.dispose();
    if (r.error) {
      const message = this.safeDescribe(r.error);
      r.error.dispose();
      return { code: "ERR_SANDBOX_MODULE", message };
    }
    // The answer comes from guest code a script can tamper with (JSON.stringify): read
    // it only if it is a string (reading anything else would run its toString on the
    // host's time) and trust none of its shape.
    const text = this.context.typeof(r.value) === "string" ? this.context.getString(r.value) : "";
    r.value.dispose();
    let parsed: { names?: unknown; error?: unknown } | null;
    try {
      parsed = JSON.parse(text) as { names?: unknown; error?: unknown } | null;
    } catch {
      parsed = null;
    }
    if (parsed && Array.isArray(parsed.names) && parsed.names.every((n) => typeof n === "string")) return parsed.names as string[];
    const e = parsed?.error as { code?: unknown; message?: unknown } | undefined;
    if (e && typeof e.code === "string" && typeof e.message === "string") return { code: e.code, message: e.message };
    return { code: "ERR_SANDBOX_MODULE", message: "the module's exports could not be listed" };
  }

  // -------------------------------------------------------------------------
  // Sessions: one context kept for several steps (driven by src/runtime/session.ts)
  // -------------------------------------------------------------------------

  /** The context can take another step: no limit, exit, termination or fault ended it. */
  get open(): boolean {
    return !this.halted && !this.terminated && this.exitRequested === undefined && this.context.alive;
  }

  /**
   * Runs one step of a session and leaves the context open. The code runs as a global
   * script, so its declarations stay for the next step (code with top-level `await` runs
   * as an async function instead: see step-source.ts); the loop runs until it is idle; a
   * completion value that is a Promise is waited for, and for "eval" the value is copied
   * out as tagged JSON. An uncaught error ends the step with code 1 and the session
   * goes on; process.exit(), a limit or termination ends the session too.
   */
  async step(kind: "exec" | "eval", code: string): Promise<ExecOutcome> {
    this.stepping = true;
    this.cpuUsed = 0;
    let valueJson: string | undefined;
    try {
      this.attach();
      if (!this.bridgeFns) this.bootSession();
      const value = this.ended ? undefined : this.evalStep(code);
      await this.loop();
      if (value && !this.ended) valueJson = this.stepValue(value, kind);
      value?.dispose();
      if (this.terminated || this.exitRequested !== undefined) this.finish();
    } catch (e) {
      if (!(e instanceof EngineFault)) throw e;
    }
    const o = this.outcome ?? { code: ExitCode.OK };
    const result: ExecOutcome = { code: o.code, stdout: this.host.output.stdout, stderr: this.host.output.stderr };
    if (o.errorMessage !== undefined) result.errorMessage = o.errorMessage;
    if (valueJson !== undefined && o.code === ExitCode.OK) result.exportsJson = valueJson;
    // A step that failed leaves the session usable: the next one starts with no outcome.
    if (this.open) this.outcome = undefined;
    return result;
  }

  /** Ends the session: releases its host resources and frees its context. */
  close(): void {
    this.terminated = true;
    this.cleanup();
  }

  /** Boots the context and gives it the globals of Node's REPL: require, module, exports, __filename, __dirname. */
  private bootSession(): void {
    this.boot();
    if (this.ended) return;
    const install = this.evalInternal(
      "(function (exports, require, module, __filename, __dirname) { for (const [k, v] of Object.entries({ exports, require, module, __filename, __dirname })) Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true }); })",
      "node:internal/session",
    );
    const filename = this.context.newString(this.ex.filePath);
    this.callGuest(this.p.runMain, install, filename)?.dispose();
    filename.dispose();
    install.dispose();
  }

  /** A step's code, as a global script (see step-source.ts). */
  private evalStep(code: string): QuickJSHandle | undefined {
    return this.evalGuest(stepSource(code, (source) => this.compiles(source)), this.ex.filePath, "global");
  }

  private compiles(source: string): boolean {
    const r = this.context.evalCode(source, this.ex.filePath, { type: "global", compileOnly: true });
    (r.error ?? r.value).dispose();
    return !r.error;
  }

  /** A step's completion value once the loop is idle: a Promise's outcome, copied out for "eval". */
  private stepValue(value: QuickJSHandle, kind: "exec" | "eval"): string | undefined {
    const state = this.fulfilled(value, "the step's Promise never settled: nothing was left to settle it");
    if (!state) return undefined;
    try {
      if (kind !== "eval") return undefined;
      const root = this.context.newString("value");
      const text = this.callGuest(this.dispatcher().serialize, state.value, root);
      root.dispose();
      if (!text) return undefined;
      // serialize() is guest code a script can tamper with: read only a string.
      const json = this.context.typeof(text) === "string" ? this.context.getString(text) : undefined;
      text.dispose();
      if (json === undefined) this.end(ExitCode.UNCAUGHT, MALFORMED_EXPORTS);
      return json;
    } finally {
      if (state.owned) state.value.dispose();
    }
  }
}

function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
