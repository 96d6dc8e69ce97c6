/**
 * The event loop's time (real milliseconds from the host, as libuv's uv_now), kept
 * current by the bootstrap's dispatcher each time the host enters the loop. Guest code
 * never sees this value (timing mitigation only governs the clocks the guest can read).
 *
 * Node refreshes the loop time whenever a timer is set (`getLibuvNow()` updates libuv's
 * clock), so a timer set after a long callback counts from the moment it was set, not
 * from the start of the loop iteration. `fresh()` gives that moment: the host's last
 * loop time plus the time elapsed since, read from the engine's own clock (the build's
 * monotonic `performance.now` where it has one, else `Date.now`), with no host call.
 */
const perf = (globalThis as { performance?: { now?: () => number } }).performance;
const perfNow = perf?.now;
const elapsedClock: () => number = typeof perfNow === "function" ? () => perfNow.call(perf) : Date.now;

export const loopClock = {
  now: 0,
  /** elapsedClock() when `now` was last set. */
  setAt: elapsedClock(),
  /** The host's loop time, as passed into the guest. */
  set(now: number): void {
    loopClock.now = now;
    loopClock.setAt = elapsedClock();
  },
  /** The loop time as of this moment (never before the last `set`). */
  fresh(): number {
    const since = elapsedClock() - loopClock.setAt;
    return since > 0 && since < Infinity ? loopClock.now + since : loopClock.now;
  },
};
