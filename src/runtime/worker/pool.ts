/**
 * WorkerPool: sandboxes on a pool of worker threads. Guest code runs on the workers, so
 * a guest that burns CPU never blocks the caller's event loop; host ops cross back to
 * the caller's thread (host-session.ts), where permission callbacks and adapters run.
 *
 * Each worker holds `execsPerWorker` execs at once (default one). A runtime keeps its
 * sandbox on the worker that last ran it (its home), so a warm exec stays warm; when the
 * home is full and another worker has room, the exec moves there and starts a fresh
 * sandbox rather than wait.
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
import { newThreadCells, releaseThread, sharedSlots } from "../host-jobs.js";
import type { ResolvedExecOptions, ResolvedRuntimeOptions } from "../options.js";
import { HostSession, type SessionOutcome } from "./host-session.js";
import { CONTROL_BYTES, DEADLINE, MAX_EXECS_PER_WORKER, RUNNING_JOB, STOP_BASE, SYNC_FLAG, type FromWorker, type ToWorker, type WorkerExecConfig } from "./protocol.js";

export interface WorkerPoolOptions {
  /** Worker threads; default: the number of cores (`os.availableParallelism()`). */
  size?: number;
  /**
   * Execs one worker holds at once (default 1). More lets guests that mostly wait (on
   * timers, the network, child processes) share a worker; they take turns on its thread.
   * The price: when the watchdog stops a worker, the other execs on it end too (code 70).
   */
  execsPerWorker?: number;
}

/** A snapshot of the pool's load (`WorkerPool.stats()`). */
export interface WorkerPoolStats {
  size: number;
  execsPerWorker: number;
  /** Execs waiting for room on a worker. */
  queued: number;
  /** Execs each worker holds now, by worker. */
  running: number[];
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
  /** The caller's watchdog stopped this exec at its wall-clock limit. */
  wallStopped?: boolean;
  /** This exec's stop word on its worker (see protocol.ts). */
  stopSlot: number;
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
  /** The worker's count of libuv thread-pool slots it holds (see host-jobs.ts). */
  private jobCells!: SharedArrayBuffer;
  /** The execs this worker holds, by job id. */
  readonly jobs = new Map<number, Job>();
  /** Runtimes whose sandbox lives on this worker. */
  readonly homes = new Set<number>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly url: URL,
    readonly capacity: number,
  ) {
    this.start();
  }

  get full(): boolean {
    return this.jobs.size >= this.capacity;
  }

  private start(): Worker {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.i32 = new Int32Array(control, 0, DEADLINE * 2);
    this.f64 = new Float64Array(control);
    const { port1, port2 } = new MessageChannel();
    this.syncPort = port1;
    this.jobCells = newThreadCells();
    // No execArgv: the caller's flags (`--input-type`, `--eval`, loaders) are for its own
    // entry script and can keep a worker from starting at all.
    const worker = new Worker(this.url, {
      workerData: { control, syncPort: port2, hostJobs: sharedSlots(), hostJobCells: this.jobCells },
      transferList: [port2],
      execArgv: [],
    });
    this.worker = worker;
    this.ready = false;
    worker.on("message", (m: FromWorker) => {
      if (worker === this.worker) this.onMessage(m);
    });
    worker.on("error", (e) => {
      if (worker === this.worker) this.crashed(`the worker thread failed: ${e?.message ?? e}`);
    });
    worker.on("exit", () => {
      if (worker === this.worker) this.crashed("the worker thread exited");
    });
    // After the listeners: adding a "message" listener refs the worker's port again, and an
    // idle worker must not keep the host process alive. run() refs it while it has execs.
    worker.unref();
    return worker;
  }

  run(job: Job): void {
    const used = new Set([...this.jobs.values()].map((j) => j.stopSlot));
    job.stopSlot = 0;
    while (used.has(job.stopSlot)) job.stopSlot++;
    this.jobs.set(job.id, job);
    Atomics.store(this.i32, STOP_BASE + job.stopSlot, 0);
    // Both threads show the guest the same frozen clock: the guest's and the file times the ops report.
    job.config.startEpochMs = Date.now();
    job.session = new HostSession(job.id, job.rt, { ...job.ex, startEpochMs: job.config.startEpochMs }, {
      post: (msg) => this.post(msg),
      replySync: (reply) => {
        this.syncPort.postMessage(reply);
        Atomics.store(this.i32, SYNC_FLAG, 1);
        Atomics.notify(this.i32, SYNC_FLAG);
      },
    });
    (this.worker ?? this.start()).ref();
    // The wall clock counts from here, on both threads (the guest's and the watchdog's).
    if (Number.isFinite(job.config.wallTimeLimitMs)) job.config.wallDeadlineEpochMs = performance.timeOrigin + performance.now() + job.config.wallTimeLimitMs;
    this.post({ t: "exec", job: job.id, runtime: job.runtime, kind: job.kind, code: job.code, config: job.config, stopSlot: job.stopSlot });
  }

  post(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  stop(job: Job): void {
    if (this.jobs.get(job.id) !== job) return;
    job.stopAt ??= Date.now();
    Atomics.store(this.i32, STOP_BASE + job.stopSlot, job.id);
    job.session?.interrupt();
    this.post({ t: "stop", job: job.id });
  }

  /** Called by the watchdog. */
  check(now: number): void {
    if (this.jobs.size === 0) return;
    const deadline = this.f64[DEADLINE]!;
    const running = this.jobs.get(Atomics.load(this.i32, RUNNING_JOB));
    if (running && deadline > 0 && now > deadline + WATCHDOG_GRACE_MS) {
      this.replace(running, { code: ExitCode.CPU_TIME_LIMIT, errorMessage: `CPU time limit of ${running.config.cpuTimeLimitMs} ms exceeded (the watchdog stopped the sandbox's worker)` });
      return;
    }
    for (const job of this.jobs.values()) {
      const wall = job.config.wallDeadlineEpochMs;
      // Past its wall-clock limit the exec is stopped like a terminate(): a guest blocked
      // on a host call that never answers gets an error, and the guest's thread, seeing
      // the same deadline passed, ends the run with 124.
      if (wall !== undefined && job.stopAt === undefined && now > wall + WATCHDOG_GRACE_MS) {
        job.wallStopped = true;
        this.stop(job);
      }
      if (job.stopAt !== undefined && now - job.stopAt > STOP_GRACE_MS) {
        this.replace(job, job.wallStopped ? wallOutcome(job) : { code: ExitCode.TERMINATED, errorMessage: "the run was terminated" });
        return;
      }
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.t === "ready") {
      this.ready = true;
      return;
    }
    const job = this.jobs.get(m.job);
    if (!job) return;
    if (m.t === "result") this.finish(job, m.outcome);
    else if (m.t === "failed") this.finish(job, undefined, new Error(m.message));
    else job.session?.handle(m);
  }

  private finish(job: Job, outcome: SessionOutcome | undefined, error?: unknown): void {
    if (job.done) return;
    job.done = true;
    this.jobs.delete(job.id);
    if (this.jobs.size === 0) this.worker?.unref();
    const session = job.session!;
    session.close();
    if (outcome) job.resolve({ ...outcome, stdout: session.output.stdout, stderr: session.output.stderr });
    else job.reject(error);
    this.pool.idle(this);
  }

  /**
   * Ends `culprit` with `outcome` — and every other exec on this worker with code 70 —
   * and terminates the worker; a worker that had started fine is replaced at once (one
   * that never started is retried on the next exec).
   */
  private replace(culprit: Job | undefined, outcome: SessionOutcome | Error): void {
    const jobs = [...this.jobs.values()];
    const old = this.worker;
    const wasReady = this.ready;
    this.worker = undefined;
    this.homes.forEach((r) => this.pool.homeLost(r, this));
    this.homes.clear();
    // Once it has stopped, what it held of libuv's pool is given back.
    const cells = this.jobCells;
    const release = () => releaseThread(sharedSlots(), cells);
    void old?.terminate().then(release, release);
    if (wasReady) this.start();
    const bystander: SessionOutcome = {
      code: ExitCode.INTERNAL_ERROR,
      errorMessage: "another exec on the same worker thread overran its CPU budget or hung, and the worker was stopped; this run ended with it",
    };
    for (const job of jobs) {
      const o = job === culprit || culprit === undefined ? outcome : bystander;
      if (o instanceof Error) this.finish(job, undefined, o);
      else this.finish(job, o);
    }
  }

  private crashed(why: string): void {
    if (!this.ready) this.replace(undefined, new Error(`quicksand: a sandbox worker failed to start (${why})`));
    else this.replace(undefined, { code: ExitCode.INTERNAL_ERROR, errorMessage: `${why}; the sandbox has been discarded` });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
    releaseThread(sharedSlots(), this.jobCells);
  }
}

export class WorkerPool {
  readonly #size: number;
  readonly #execsPerWorker: number;
  #slots: Slot[] | undefined;
  readonly #queue: Job[] = [];
  readonly #home = new Map<number, Slot>();
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError("WorkerPool: options must be an object");
    for (const k of Object.keys(options)) if (k !== "size" && k !== "execsPerWorker") throw new TypeError(`WorkerPool: unknown option "${k}"; valid options are size, execsPerWorker`);
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new TypeError(`WorkerPool: size must be an integer from 1 to 256, got ${String(size)}`);
    const per = options.execsPerWorker ?? 1;
    if (!Number.isInteger(per) || per < 1 || per > MAX_EXECS_PER_WORKER) {
      throw new TypeError(`WorkerPool: execsPerWorker must be an integer from 1 to ${MAX_EXECS_PER_WORKER}, got ${String(per)}`);
    }
    this.#size = size;
    this.#execsPerWorker = per;
    // The threads start now (idle, they keep no process alive), so the first exec does not
    // wait for a worker to boot.
    this.#slots = this.#startSlots();
  }

  /** Worker threads in the pool. */
  get size(): number {
    return this.#size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** How loaded the pool is now: for monitoring, and for sizing it. */
  stats(): WorkerPoolStats {
    return {
      size: this.#size,
      execsPerWorker: this.#execsPerWorker,
      queued: this.#queue.length,
      running: this.#slots?.map((s) => s.jobs.size) ?? Array.from({ length: this.#size }, () => 0),
    };
  }

  /** Terminates the workers. Running and queued execs end with code 143. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const job of this.#queue.splice(0)) job.resolve({ code: ExitCode.TERMINATED, errorMessage: "the worker pool was closed", stdout: "", stderr: "" });
    const slots = this.#slots ?? [];
    for (const s of slots) {
      for (const job of s.jobs.values()) {
        if (job.done) continue;
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
      job = { id: nextJob++, runtime, kind, code, config: execConfig(rt, ex, perfOriginEpochMs), rt, ex, resolve, reject, stopSlot: 0, done: false };
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
        this.#slots?.find((s) => s.jobs.get(job.id) === job)?.stop(job);
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
    // One exec at a time to the least loaded worker with room, so execs spread over the
    // workers instead of filling the first one.
    const passed = new Set<Slot>();
    while (this.#queue.length > 0) {
      let slot: Slot | undefined;
      for (const s of this.#slots) if (!s.full && !passed.has(s) && (!slot || s.jobs.size < slot.jobs.size)) slot = s;
      if (!slot) break;
      const i = this.#pick(slot);
      if (i < 0) {
        passed.add(slot);
        continue;
      }
      const job = this.#queue.splice(i, 1)[0]!;
      this.#moveHome(job.runtime, slot);
      slot.run(job);
    }
    this.#watch();
  }

  /** The runtime's sandbox will live on `slot`; the one on its old home is dropped. */
  #moveHome(runtime: number, slot: Slot): void {
    const home = this.#home.get(runtime);
    if (home === slot) return;
    if (home) {
      home.homes.delete(runtime);
      home.post({ t: "drop", runtime });
    }
    this.#home.set(runtime, slot);
    slot.homes.add(runtime);
  }


  /**
   * The exec a worker with room takes: one whose sandbox it holds, else one whose home is
   * busier than this worker (the exec moves and starts a fresh sandbox rather than queue
   * or share a thread), else none.
   */
  #pick(slot: Slot): number {
    const n = Math.min(this.#queue.length, AFFINITY_SCAN);
    let fallback = -1;
    for (let i = 0; i < n; i++) {
      const home = this.#home.get(this.#queue[i]!.runtime);
      if (home === slot) return i;
      if (fallback < 0 && (!home || home.jobs.size > slot.jobs.size)) fallback = i;
    }
    if (fallback < 0 && this.#queue.length > n) fallback = 0;
    return fallback;
  }

  #startSlots(): Slot[] {
    const url = workerUrl();
    return Array.from({ length: this.#size }, () => new Slot(this, url, this.#execsPerWorker));
  }

  #watch(): void {
    if (this.#watchdog) return;
    this.#watchdog = setInterval(() => {
      const now = performance.timeOrigin + performance.now();
      let busy = false;
      for (const s of this.#slots ?? []) {
        s.check(now);
        if (s.jobs.size > 0) busy = true;
      }
      if (!busy && this.#queue.length === 0) {
        clearInterval(this.#watchdog);
        this.#watchdog = undefined;
      }
    }, WATCHDOG_EVERY_MS);
    this.#watchdog.unref?.();
  }
}

function wallOutcome(job: Job): SessionOutcome {
  return { code: ExitCode.WALL_TIME_LIMIT, errorMessage: `wall-clock time limit of ${job.config.wallTimeLimitMs} ms exceeded (the watchdog stopped the sandbox's worker)` };
}

/** The runtime and exec options the guest's thread needs: plain data, no driver. */
function execConfig(rt: ResolvedRuntimeOptions, ex: ResolvedExecOptions, perfOriginEpochMs: number): WorkerExecConfig {
  return {
    variant: rt.variant.name,
    memoryLimitBytes: rt.memoryLimitBytes,
    cpuTimeLimitMs: ex.cpuTimeLimitMs,
    wallTimeLimitMs: ex.wallTimeLimitMs,
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
    bindingShape: rt.bindings.shape,
  };
}

/** processConfig minus what stays on the caller's thread (env, stdin: served by ops). */
function plainProcessConfig(pc: ResolvedRuntimeOptions["driver"]["processConfig"]): WorkerExecConfig["processConfig"] {
  const { env: _env, stdin: _stdin, ...rest } = pc as Record<string, unknown>;
  return structuredClone(rest) as WorkerExecConfig["processConfig"];
}

let shared: WorkerPool | undefined;

/**
 * Closes the process-wide pool that `mode: "worker"` runtimes share, if one was started:
 * its threads end, and running or queued execs on it end with 143. A later
 * `mode: "worker"` runtime starts a new one. Idle shared workers never keep the process
 * alive, so this is for a host that wants its threads gone now (tests, a graceful exit).
 */
export async function closeSharedWorkerPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}

/** The process-wide pool `mode: "worker"` uses when no `workerPool` is given. Its idle workers do not keep the process alive. */
export function sharedWorkerPool(): WorkerPool {
  if (!shared || shared.closed) shared = new WorkerPool();
  return shared;
}
