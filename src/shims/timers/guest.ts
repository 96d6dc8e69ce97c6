/**
 * Timers live entirely in the guest: a binary heap of due times, an immediate queue and
 * a process.nextTick queue. The host's event loop only asks `tick(now)` to run the next
 * callback and learns when to wake next, so no guest function handle is held by the
 * host and a flood of timers costs guest memory (bounded by the memory limit) only.
 *
 * Like libuv, the loop time is cached for deciding which timers are due in this loop
 * iteration; like Node, a timer counts from the moment it is set (or an interval from
 * the moment its callback starts): `loopClock.fresh()`.
 */
import { invalidArgType, nodeError } from "../_lib/errors.js";
import { loopBudget } from "../_lib/loop-budget.js";
import { ReflectApply } from "../_lib/primordials.js";

interface TimerEntry {
  id: number;
  due: number;
  seq: number;
  delay: number;
  repeat: boolean;
  callback: (...args: unknown[]) => void;
  args: unknown[];
  ref: boolean;
  active: boolean;
  handle: Timeout;
}

const TIMEOUT_MAX = 2 ** 31 - 1;

import { loopClock } from "../_lib/loop-clock.js";

// The loop time of the current iteration (the bootstrap keeps it current).
let loopTime = loopClock.now;
let nextId = 1;
let seq = 0;
let refCount = 0;
const heap: TimerEntry[] = [];
const byId = new Map<number, TimerEntry>();

export function setLoopTime(now: number): void {
  loopTime = now;
}

// ---------------------------------------------------------------------------
// Heap of timers ordered by (due, seq)
// ---------------------------------------------------------------------------

function less(a: TimerEntry, b: TimerEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function push(t: TimerEntry): void {
  heap.push(t);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(heap[i]!, heap[p]!)) break;
    [heap[i], heap[p]] = [heap[p]!, heap[i]!];
    i = p;
  }
}

function pop(): TimerEntry | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
  return top;
}

/** Drops cancelled entries from the top so heap[0] is the next live timer. */
function peekLive(): TimerEntry | undefined {
  while (heap.length > 0 && !heap[0]!.active) pop();
  return heap[0];
}

// ---------------------------------------------------------------------------
// Timeout objects (Node returns objects, not numbers)
// ---------------------------------------------------------------------------

export class Timeout {
  #entry: TimerEntry | undefined;
  constructor(entry: TimerEntry) {
    this.#entry = entry;
  }
  /** @internal */
  static entryOf(t: Timeout): TimerEntry | undefined {
    return t.#entry;
  }
  ref(): this {
    const e = this.#entry;
    if (e && !e.ref) {
      e.ref = true;
      if (e.active) refCount++;
    }
    return this;
  }
  unref(): this {
    const e = this.#entry;
    if (e && e.ref) {
      e.ref = false;
      if (e.active) refCount--;
    }
    return this;
  }
  hasRef(): boolean {
    return this.#entry?.ref ?? false;
  }
  refresh(): this {
    const e = this.#entry;
    if (e && e.active) {
      e.active = false;
      const fresh: TimerEntry = { ...e, due: loopClock.fresh() + e.delay, seq: seq++, active: true };
      this.#entry = fresh;
      byId.set(fresh.id, fresh);
      push(fresh);
    }
    return this;
  }
  close(): this {
    clearTimer(this);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.#entry?.id ?? 0;
  }
}

function normalizeDelay(delay: unknown): number {
  let d = Number(delay);
  if (!(d >= 1 && d <= TIMEOUT_MAX)) d = 1;
  return Math.trunc(d);
}

function schedule(callback: unknown, delay: unknown, args: unknown[], repeat: boolean): Timeout {
  if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
  checkTimerBudget();
  const d = normalizeDelay(delay);
  const entry = {
    id: nextId++,
    due: loopClock.fresh() + d,
    seq: seq++,
    delay: d,
    repeat,
    callback: callback as (...a: unknown[]) => void,
    args,
    ref: true,
    active: true,
  } as TimerEntry;
  entry.handle = new Timeout(entry);
  byId.set(entry.id, entry);
  refCount++;
  push(entry);
  return entry.handle;
}

/** resourceBudgets.maxTimers: live timeouts, intervals and immediates at once. */
function checkTimerBudget(): void {
  if (byId.size + immediates.length >= loopBudget.maxTimers) {
    throw nodeError("ERR_SANDBOX_BUDGET_EXCEEDED", `the sandbox's resource budget of ${loopBudget.maxTimers} live timers is spent`, RangeError);
  }
}

function clearTimer(t: unknown): void {
  let entry: TimerEntry | undefined;
  if (t instanceof Timeout) entry = Timeout.entryOf(t);
  else if (typeof t === "number" || typeof t === "string") entry = byId.get(Number(t));
  if (!entry || !entry.active) return;
  entry.active = false;
  byId.delete(entry.id);
  if (entry.ref) refCount--;
}

// ---------------------------------------------------------------------------
// Immediates
// ---------------------------------------------------------------------------

export class Immediate {
  _onImmediate: ((...a: unknown[]) => void) | null;
  _args: unknown[];
  _ref = true;
  constructor(cb: (...a: unknown[]) => void, args: unknown[]) {
    this._onImmediate = cb;
    this._args = args;
  }
  ref(): this {
    if (!this._ref && this._onImmediate) immediateRefs++;
    this._ref = true;
    return this;
  }
  unref(): this {
    if (this._ref && this._onImmediate) immediateRefs--;
    this._ref = false;
    return this;
  }
  hasRef(): boolean {
    return this._ref;
  }
}

let immediates: Immediate[] = [];
let immediateRefs = 0;

// ---------------------------------------------------------------------------
// process.nextTick
// ---------------------------------------------------------------------------

const tickQueue: { cb: (...a: unknown[]) => void; args: unknown[] }[] = [];
let tickHead = 0;

export function nextTick(cb: unknown, ...args: unknown[]): void {
  if (typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
  tickQueue.push({ cb: cb as (...a: unknown[]) => void, args });
}

/** Runs queued nextTick callbacks; returns how many ran. The host calls this between macrotasks. */
export function runTicks(): number {
  let n = 0;
  while (tickHead < tickQueue.length) {
    const t = tickQueue[tickHead]!;
    tickQueue[tickHead++] = undefined as never;
    n++;
    ReflectApply(t.cb, undefined, t.args);
  }
  tickQueue.length = 0;
  tickHead = 0;
  return n;
}

// ---------------------------------------------------------------------------
// The loop step
// ---------------------------------------------------------------------------

/** Returned by tick() when it ran a callback; the host drains microtasks and calls again. */
export const RAN = -2;
/** Nothing ref'ed is left: the loop may end if no host operation is pending. */
export const IDLE = -1;
/**
 * Only unref'd timers are left: they must not keep the loop alive, but they still fire
 * while something else does. Encoded as UNREF_ONLY - delay (so always <= -3).
 */
export const UNREF_ONLY = -3;

let phase: "timers" | "check" = "timers";
let immediateBudget = 0;
let newIteration = true;

/**
 * Runs the next callback of the current loop iteration and returns RAN, or, when the
 * iteration is over, the milliseconds until the next timer is due (0 when immediates
 * are waiting) or IDLE. The next call after a non-RAN answer starts a new iteration.
 */
export function tick(now: number): number {
  if (newIteration) {
    newIteration = false;
    loopTime = now;
    phase = "timers";
  }
  if (phase === "timers") {
    const t = peekLive();
    if (t && t.due <= loopTime) {
      pop();
      if (t.repeat) {
        // The same entry goes back into the heap, so the Timeout still controls it.
        // It counts from now, when its callback starts (Node reads the clock here too).
        t.due = loopClock.fresh() + t.delay;
        t.seq = seq++;
        push(t);
      } else {
        t.active = false;
        byId.delete(t.id);
        if (t.ref) refCount--;
      }
      ReflectApply(t.callback, t.handle, t.args);
      return RAN;
    }
    phase = "check";
    immediateBudget = immediates.length;
  }
  if (immediateBudget > 0) {
    immediateBudget--;
    const im = immediates.shift()!;
    const cb = im._onImmediate;
    if (cb) {
      im._onImmediate = null;
      if (im._ref) immediateRefs--;
      ReflectApply(cb, im, im._args);
    }
    return RAN;
  }
  // The iteration is over; the next call starts a new one.
  newIteration = true;
  if (immediates.length > 0 && immediateRefs > 0) return 0;
  const t = peekLive();
  if (!t) return immediates.length > 0 ? 0 : IDLE;
  if (refCount <= 0) return immediates.length > 0 ? 0 : UNREF_ONLY - Math.max(0, t.due - now);
  return Math.max(0, t.due - now);
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

export function setTimeout(cb: unknown, delay?: unknown, ...args: unknown[]): Timeout {
  return schedule(cb, delay, args, false);
}
export function setInterval(cb: unknown, delay?: unknown, ...args: unknown[]): Timeout {
  return schedule(cb, delay, args, true);
}
export function setImmediate(cb: unknown, ...args: unknown[]): Immediate {
  if (typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
  checkTimerBudget();
  const im = new Immediate(cb as (...a: unknown[]) => void, args);
  immediates.push(im);
  immediateRefs++;
  return im;
}
export function clearTimeout(t?: unknown): void {
  clearTimer(t);
}
export const clearInterval = clearTimeout;
export function clearImmediate(im?: unknown): void {
  if (im instanceof Immediate && im._onImmediate) {
    im._onImmediate = null;
    if (im._ref) immediateRefs--;
    immediates = immediates.filter((x) => x !== im);
  }
}
