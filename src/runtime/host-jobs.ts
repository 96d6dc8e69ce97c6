/**
 * Guest-started work on libuv's thread pool: async `crypto.pbkdf2`/`scrypt` and async
 * `zlib`. That pool is process-wide (four threads by default, shared by the host's own
 * `fs`, `dns.lookup`, crypto and zlib, and by every worker thread), so a guest that
 * queued dozens of jobs there would make the host's own file reads wait for seconds —
 * even after the sandbox was disposed, since a queued libuv request cannot be taken back.
 *
 * So these jobs never go to libuv directly. They wait here, and run:
 * - one at a time per exec (`PER_EXEC`), taken from the execs of this thread in turn, so
 *   one guest's flood does not hold up another guest's single call;
 * - at most half of libuv's pool at once for all sandboxes of the process together (the
 *   count lives in a SharedArrayBuffer that worker threads share, see `shareSlots`), so
 *   the host always has pool threads of its own;
 * - only while their exec lives: when it ends (exit, a limit, dispose) its waiting jobs
 *   are dropped and its running job is cancelled where the work allows (zlib stops at its
 *   next chunk; one PBKDF2 or scrypt call cannot be stopped, which is why the ops bound
 *   the work one call may do).
 */
import type { ExecState } from "./bridge/op.js";
import { OpError } from "./bridge/op-error.js";

/** Jobs one exec may have running on the pool at once. */
export const PER_EXEC = 1;
/** How often a thread with waiting jobs looks for a slot another thread freed. */
const POLL_MS = 2;

// Process-wide slots, Int32 cells: the cap, the slots in use, the threads waiting for one.
const CAP = 0;
const IN_USE = 1;
const WAITING = 2;
// This thread's own cells (see shareSlots): the slots it holds, and whether it waits.
const HELD = 0;
const WAITS = 1;

function poolSize(): number {
  const n = Number(typeof process !== "undefined" ? process.env?.UV_THREADPOOL_SIZE : undefined);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

function newSlots(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(3 * 4);
  new Int32Array(sab)[CAP] = Math.max(1, Math.floor(poolSize() / 2));
  return sab;
}

let slots = new Int32Array(newSlots());
let mine = new Int32Array(new SharedArrayBuffer(2 * 4));

/** The process-wide slot counter, for the worker pool to hand to its threads. */
export function sharedSlots(): SharedArrayBuffer {
  return slots.buffer as SharedArrayBuffer;
}

/** A worker thread's own cells, created by the pool, which reads them if the thread dies. */
export function newThreadCells(): SharedArrayBuffer {
  return new SharedArrayBuffer(2 * 4);
}

/** Called once on a sandbox worker: count against the process's slots, in `own` cells. */
export function shareSlots(process: SharedArrayBuffer, own: SharedArrayBuffer): void {
  slots = new Int32Array(process);
  mine = new Int32Array(own);
}

/**
 * A worker thread is gone (terminated with jobs running or waiting): give back what it
 * held. Its jobs may run on for a moment on libuv's threads; they are bounded.
 */
export function releaseThread(processSlots: SharedArrayBuffer, own: SharedArrayBuffer): void {
  const p = new Int32Array(processSlots);
  const o = new Int32Array(own);
  const held = Atomics.exchange(o, HELD, 0);
  if (held > 0) Atomics.sub(p, IN_USE, held);
  if (Atomics.exchange(o, WAITS, 0) === 1) Atomics.sub(p, WAITING, 1);
}

function tryAcquire(): boolean {
  // Counted as held first: a thread stopped in between gives back too much, never too little.
  Atomics.add(mine, HELD, 1);
  for (;;) {
    const used = Atomics.load(slots, IN_USE);
    if (used >= Atomics.load(slots, CAP)) {
      Atomics.sub(mine, HELD, 1);
      return false;
    }
    if (Atomics.compareExchange(slots, IN_USE, used, used + 1) === used) return true;
  }
}

function release(): void {
  Atomics.sub(slots, IN_USE, 1);
  Atomics.sub(mine, HELD, 1);
}

function setWaiting(on: boolean): void {
  if ((Atomics.load(mine, WAITS) === 1) === on) return;
  Atomics.store(mine, WAITS, on ? 1 : 0);
  if (on) Atomics.add(slots, WAITING, 1);
  else Atomics.sub(slots, WAITING, 1);
}

/** Other threads are waiting for a slot: this one lets them go first. */
function othersWaiting(): boolean {
  return Atomics.load(slots, WAITING) - Atomics.load(mine, WAITS) > 0;
}

interface Job {
  /** Starts the work; `done` frees its slot. May return a cancel for the exec's end. */
  start: (done: () => void) => (() => void) | void;
  fail: (e: unknown) => void;
}

class ExecQueue {
  readonly waiting: Job[] = [];
  running = 0;
  ended = false;
  readonly cancels = new Set<() => void>();
}

/** This thread's execs with jobs, in turn order. */
const turns: ExecQueue[] = [];
const queues = new WeakMap<ExecState, ExecQueue>();
let poll: ReturnType<typeof setTimeout> | undefined;
/** A slot was just given back by this thread: the next pump lets waiting threads go first. */
let yielded = false;

function queueOf(exec: ExecState): ExecQueue {
  let q = queues.get(exec);
  if (!q) {
    const queue = new ExecQueue();
    queues.set(exec, queue);
    exec.onEnd(() => endQueue(queue));
    q = queue;
  }
  return q;
}

function endQueue(q: ExecQueue): void {
  q.ended = true;
  const exited = OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting");
  for (const job of q.waiting.splice(0)) job.fail(exited);
  for (const cancel of q.cancels) {
    try {
      cancel();
    } catch {
      // The job is finishing anyway.
    }
  }
  q.cancels.clear();
  drop(q);
  pump();
}

function drop(q: ExecQueue): void {
  const i = turns.indexOf(q);
  if (i >= 0 && q.waiting.length === 0 && q.running === 0) turns.splice(i, 1);
}

/** Starts what may start now: the next exec in turn whose own cap allows, while slots last. */
function pump(): void {
  for (;;) {
    const i = turns.findIndex((q) => q.waiting.length > 0 && q.running < PER_EXEC);
    if (i < 0) {
      yielded = false;
      setWaiting(false);
      return;
    }
    const giveWay = yielded && othersWaiting();
    yielded = false;
    if (giveWay || !tryAcquire()) {
      setWaiting(true);
      // This thread's own jobs pump again when they finish; a slot another thread holds
      // or is about to take is looked for every few milliseconds.
      if (giveWay || Atomics.load(mine, HELD) < Atomics.load(slots, CAP)) {
        poll ??= setTimeout(() => {
          poll = undefined;
          pump();
        }, POLL_MS);
      }
      return;
    }
    const q = turns[i]!;
    // Its turn is used: it goes to the back.
    turns.splice(i, 1);
    turns.push(q);
    run(q, q.waiting.shift()!);
  }
}

function run(q: ExecQueue, job: Job): void {
  q.running++;
  let finished = false;
  let cancel: (() => void) | undefined;
  const done = () => {
    if (finished) return;
    finished = true;
    if (cancel) q.cancels.delete(cancel);
    q.running--;
    release();
    yielded = true;
    drop(q);
    pump();
  };
  try {
    cancel = job.start(done) ?? undefined;
  } catch (e) {
    job.fail(e);
    done();
    return;
  }
  if (cancel && !finished) q.cancels.add(cancel);
}

/**
 * Queues one job of `exec` for libuv's thread pool. When its turn comes, `job` starts the
 * work and settles the promise with `resolve`/`reject`; it calls `done` once the pool
 * thread has finished with it (that frees the slot), and may return a cancel function
 * for the exec's end. A job whose exec ends first never starts: ERR_SANDBOX_EXITED.
 */
export function poolJob<T>(
  exec: ExecState,
  job: (resolve: (v: T) => void, reject: (e: unknown) => void, done: () => void) => (() => void) | void,
): Promise<T> {
  const q = queueOf(exec);
  return new Promise<T>((resolve, reject) => {
    if (q.ended) {
      reject(OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting"));
      return;
    }
    q.waiting.push({ start: (done) => job(resolve, reject, done), fail: reject });
    if (!turns.includes(q)) turns.push(q);
    pump();
  });
}

/** For tests and monitoring: this process's slot cap and use. */
export function slotUse(): { cap: number; inUse: number } {
  return { cap: Atomics.load(slots, CAP), inUse: Atomics.load(slots, IN_USE) };
}
