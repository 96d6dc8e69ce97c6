/**
 * The event loop's cached time (real milliseconds from the host, as libuv's uv_now),
 * kept current by the bootstrap's dispatcher. Timers scheduled before the timers unit
 * was loaded count from here. Guest code never sees this value (timing mitigation only
 * governs the clocks the guest can read).
 */
export const loopClock = { now: 0 };
