/**
 * WorkerPool: sandboxes on a pool of worker threads. Guest code runs on the workers, so
 * a guest that burns CPU never blocks the caller's event loop; host ops cross back to
 * the caller's thread (host-session.ts), where permission callbacks and adapters run.
 *
 * Each worker runs one exec at a time. A runtime keeps its sandbox on the worker that
 * last ran it (its home), so a warm exec stays warm; when the home is busy and another
 * worker is idle, the exec moves there and starts a fresh sandbox rather than wait.
 *
 * A watchdog reads each worker's CPU deadline (written by the guest's thread around
 * guest code) and, when a guest overstays it — a long native builtin the interpreter's
 * interrupt check cannot see — terminates that worker: the exec ends with 124, the
 * worker is replaced, and queued execs run on as before.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { ExitCode } from "../exit-codes.js";
import type { ResolvedExecOptions, ResolvedRuntimeOptions } from "../options.js";
import { HostSession, type SessionOutcome } from "./host-session.js";
import { CONTROL_BYTES, DEADLINE, STOP_JOB, SYNC_FLAG, type FromWorker, type ToWorker, type WorkerExecConfig } from "./protocol.js";

export interface WorkerPoolOptions {
  /** Worker threads; default: the number of cores (`os.availableParallelism()`). */
  size?: number;
}

/** What the caller gets back for one exec: its outcome, and a way to stop it. */
export interface PoolRun {
  readonly result: Promise<SessionOutcome & { stdout: string; stderr: string }>;
  stop(): void;
}

/** A guest past its CPU deadline by this much is stopped by the watchdog. */
const WATCHDOG_GRACE_MS = 100;
const WATCHDOG_EVERY_MS = 25;
/** A stopped exec that has not wound down after this long has its worker terminated. */
const STOP_GRACE_MS = 1000;
/** How far down the queue an idle worker looks for an exec whose sandbox it holds. */
const AFFINITY_SCAN = 64;

interface Job {
  id: number;
  runtime: number;
  kind: "script" | "module";
  code: string;
  config: WorkerExecConfig;
  session?: HostSession;
  rt: ResolvedRuntimeOptions;
  ex: ResolvedExecOptions;
  resolve: (o: SessionOutcome & { stdout: string; stderr: string }) => void;
  reject: (e: unknown) => void;
  stopAt?: number;
  done: boolean;
}

let nextJob = 1;
let nextRuntime = 1;

/** The worker script: dist/worker.js beside this module once built. */
function workerUrl(): URL {
  // Beside the library's entry (or its chunk), or, from the TypeScript sources (the
  // tests), the built one.
  for (const rel of ["./worker.js", "../worker.js", "../../../dist/worker.js"]) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error("quicksand's worker script (dist/worker.js) is missing: run `npm run build`");
}

class Slot {
  private worker: Worker | undefined;
  /** The current worker has said it is ready: a crash after that is the guest's, not the set-up's. */
  private ready = false;
  private i32!: Int32Array;
  private f64!: Float64Array;
  private syncPort!: MessagePort;
  job: Job | undefined;
  /** Runtimes whose sandbox lives on this worker. */
  readonly homes = new Set<number>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly url: URL,
  ) {
    this.start();
  }

  private start(): Worker {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.i32 = new Int32Array(control, 0, 2);
    this.f64 = new Float64Array(control);
    const { port1, port2 } = new MessageChannel();
    this.syncPort = port1;
    // No execArgv: the caller's flags (`--input-type`, `--eval`, loaders) are for its own
    // entry script and can keep a worker from starting at all.
    const worker = new Worker(this.url, { workerData: { control, syncPort: port2 }, transferList: [port2], execArgv: [] });
    this.worker = worker;
    this.ready = false;
    worker.unref();
    worker.on("message", (m: FromWorker) => {
      if (worker === this.worker) this.onMessage(m);
    });
    worker.on("error", (e) => {
      if (worker === this.worker) this.crashed(`the worker thread failed: ${e?.message ?? e}`);
    });
    worker.on("exit", () => {
      if (worker === this.worker) this.crashed("the worker thread exited");
    });
    return worker;
  }

  run(job: Job): void {
    this.job = job;
    Atomics.store(this.i32, STOP_JOB, 0);
    this.f64[DEADLINE] = 0;
    job.session = new HostSession(job.id, job.rt, job.ex, {
      post: (msg) => this.post(msg),
      replySync: (reply) => {
        this.syncPort.postMessage(reply);
        Atomics.store(this.i32, SYNC_FLAG, 1);
        Atomics.notify(this.i32, SYNC_FLAG);
      },
    });
    (this.worker ?? this.start()).ref();
    this.post({ t: "exec", job: job.id, runtime: job.runtime, kind: job.kind, code: job.code, config: job.config });
  }

  post(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  stop(job: Job): void {
    if (this.job !== job) return;
    job.stopAt ??= Date.now();
    Atomics.store(this.i32, STOP_JOB, job.id);
    job.session?.interrupt();
    this.post({ t: "stop", job: job.id });
  }

  /** Called by the watchdog. */
  check(now: number): void {
    const job = this.job;
    if (!job) return;
    const deadline = this.f64[DEADLINE]!;
    if (deadline > 0 && now > deadline + WATCHDOG_GRACE_MS) {
      this.replace({ code: ExitCode.CPU_TIME_LIMIT, errorMessage: `CPU time limit of ${job.config.cpuTimeLimitMs} ms exceeded (the watchdog stopped the sandbox's worker)` });
    } else if (job.stopAt !== undefined && now - job.stopAt > STOP_GRACE_MS) {
      this.replace({ code: ExitCode.TERMINATED, errorMessage: "the run was terminated" });
    }
  }

  private onMessage(m: FromWorker): void {
    const job = this.job;
    if (m.t === "ready") {
      this.ready = true;
      return;
    }
    if (!job || m.job !== job.id) return;
    if (m.t === "result") this.finish(job, m.outcome);
    else if (m.t === "failed") this.finish(job, undefined, new Error(m.message));
    else job.session?.handle(m);
  }

  private finish(job: Job, outcome: SessionOutcome | undefined, error?: unknown): void {
    if (job.done) return;
    job.done = true;
    this.job = undefined;
    this.worker?.unref();
    const session = job.session!;
    session.close();
    if (outcome) job.resolve({ ...outcome, stdout: session.output.stdout, stderr: session.output.stderr });
    else job.reject(error);
    this.pool.idle(this);
  }

  /**
   * Ends the running exec with `outcome` and terminates the worker; a worker that had
   * started fine is replaced at once (one that never started is retried on the next exec).
   */
  private replace(outcome: SessionOutcome | Error): void {
    const job = this.job;
    const old = this.worker;
    const wasReady = this.ready;
    this.worker = undefined;
    this.homes.forEach((r) => this.pool.homeLost(r, this));
    this.homes.clear();
    void old?.terminate();
    if (wasReady) this.start();
    if (job) {
      if (outcome instanceof Error) this.finish(job, undefined, outcome);
      else this.finish(job, outcome);
    }
  }

  private crashed(why: string): void {
    if (!this.ready) this.replace(new Error(`quicksand: a sandbox worker failed to start (${why})`));
    else this.replace({ code: ExitCode.INTERNAL_ERROR, errorMessage: `${why}; the sandbox has been discarded` });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

export class WorkerPool {
  readonly #size: number;
  #slots: Slot[] | undefined;
  readonly #queue: Job[] = [];
  readonly #home = new Map<number, Slot>();
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError("WorkerPool: options must be an object");
    for (const k of Object.keys(options)) if (k !== "size") throw new TypeError(`WorkerPool: unknown option "${k}"; valid options are size`);
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new TypeError(`WorkerPool: size must be an integer from 1 to 256, got ${String(size)}`);
    this.#size = size;
  }

  /** Worker threads in the pool. */
  get size(): number {
    return this.#size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Terminates the workers. Running and queued execs end with code 143. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const job of this.#queue.splice(0)) job.resolve({ code: ExitCode.TERMINATED, errorMessage: "the worker pool was closed", stdout: "", stderr: "" });
    const slots = this.#slots ?? [];
    for (const s of slots) {
      const job = s.job;
      if (job && !job.done) {
        job.done = true;
        job.session?.close();
        job.resolve({ code: ExitCode.TERMINATED, errorMessage: "the worker pool was closed", stdout: job.session?.output.stdout ?? "", stderr: job.session?.output.stderr ?? "" });
      }
    }
    await Promise.all(slots.map((s) => s.close()));
  }

  /** @internal A new runtime's id. */
  static runtimeId(): number {
    return nextRuntime++;
  }

  /** @internal Queues one exec of a runtime. */
  submit(runtime: number, rt: ResolvedRuntimeOptions, ex: ResolvedExecOptions, kind: "script" | "module", code: string, perfOriginEpochMs: number): PoolRun {
    let job!: Job;
    const result = new Promise<SessionOutcome & { stdout: string; stderr: string }>((resolve, reject) => {
      job = { id: nextJob++, runtime, kind, code, config: execConfig(rt, ex, perfOriginEpochMs), rt, ex, resolve, reject, done: false };
    });
    if (this.#closed) {
      job.resolve({ code: ExitCode.TERMINATED, errorMessage: "the worker pool was closed", stdout: "", stderr: "" });
      return { result, stop: () => {} };
    }
    this.#queue.push(job);
    this.#dispatch();
    return {
      result,
      stop: () => {
        const i = this.#queue.indexOf(job);
        if (i >= 0) {
          this.#queue.splice(i, 1);
          job.done = true;
          job.resolve({ code: ExitCode.TERMINATED, errorMessage: "the run was terminated", stdout: "", stderr: "" });
          return;
        }
        this.#slots?.find((s) => s.job === job)?.stop(job);
      },
    };
  }

  /** @internal The runtime is gone: free its sandbox. */
  release(runtime: number): void {
    const slot = this.#home.get(runtime);
    this.#home.delete(runtime);
    if (!slot) return;
    slot.homes.delete(runtime);
    if (!this.#closed) slot.post({ t: "drop", runtime });
  }

  /** @internal */
  idle(_slot: Slot): void {
    this.#dispatch();
  }

  /** @internal The worker holding this runtime's sandbox was replaced. */
  homeLost(runtime: number, slot: Slot): void {
    if (this.#home.get(runtime) === slot) this.#home.delete(runtime);
  }

  #dispatch(): void {
    if (this.#closed || this.#queue.length === 0) return;
    this.#slots ??= this.#startSlots();
    for (const slot of this.#slots) {
      if (slot.job || this.#queue.length === 0) continue;
      const i = this.#pick(slot);
      if (i < 0) continue;
      const [job] = this.#queue.splice(i, 1);
      const home = this.#home.get(job!.runtime);
      if (home !== slot) {
        if (home) {
          home.homes.delete(job!.runtime);
          home.post({ t: "drop", runtime: job!.runtime });
        }
        this.#home.set(job!.runtime, slot);
        slot.homes.add(job!.runtime);
      }
      slot.run(job!);
    }
    this.#watch();
  }

  /** The exec an idle worker takes: one whose sandbox it holds, else one whose home is busy or unknown. */
  #pick(slot: Slot): number {
    const n = Math.min(this.#queue.length, AFFINITY_SCAN);
    let fallback = -1;
    for (let i = 0; i < n; i++) {
      const home = this.#home.get(this.#queue[i]!.runtime);
      if (home === slot) return i;
      if (fallback < 0 && (!home || home.job)) fallback = i;
    }
    if (fallback < 0 && this.#queue.length > n) fallback = 0;
    return fallback;
  }

  #startSlots(): Slot[] {
    const url = workerUrl();
    return Array.from({ length: this.#size }, () => new Slot(this, url));
  }

  #watch(): void {
    if (this.#watchdog) return;
    this.#watchdog = setInterval(() => {
      const now = performance.timeOrigin + performance.now();
      let busy = false;
      for (const s of this.#slots ?? []) {
        s.check(now);
        if (s.job) busy = true;
      }
      if (!busy && this.#queue.length === 0) {
        clearInterval(this.#watchdog);
        this.#watchdog = undefined;
      }
    }, WATCHDOG_EVERY_MS);
    this.#watchdog.unref?.();
  }
}

/** The runtime and exec options the guest's thread needs: plain data, no driver. */
function execConfig(rt: ResolvedRuntimeOptions, ex: ResolvedExecOptions, perfOriginEpochMs: number): WorkerExecConfig {
  return {
    variant: rt.variant.name,
    memoryLimitBytes: rt.memoryLimitBytes,
    cpuTimeLimitMs: ex.cpuTimeLimitMs,
    timingMitigation: ex.timingMitigation,
    payloadLimits: { ...rt.payloadLimits },
    opBudgets: { ...rt.opBudgets },
    maxTimers: rt.maxTimers,
    maxOutputBytes: rt.maxOutputBytes,
    processConfig: plainProcessConfig(rt.driver.processConfig),
    osConfig: { ...rt.driver.osConfig },
    filePath: ex.filePath,
    cwd: ex.cwd,
    perfOriginEpochMs,
  };
}

/** processConfig minus what stays on the caller's thread (env, stdin: served by ops). */
function plainProcessConfig(pc: ResolvedRuntimeOptions["driver"]["processConfig"]): WorkerExecConfig["processConfig"] {
  const { env: _env, stdin: _stdin, ...rest } = pc as Record<string, unknown>;
  return structuredClone(rest) as WorkerExecConfig["processConfig"];
}

let shared: WorkerPool | undefined;

/** The process-wide pool `mode: "worker"` uses when no `workerPool` is given. Its idle workers do not keep the process alive. */
export function sharedWorkerPool(): WorkerPool {
  if (!shared || shared.closed) shared = new WorkerPool();
  return shared;
}
