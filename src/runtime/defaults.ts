/**
 * The runtime's default limits and budgets, in a module of their own so that code on a
 * sandbox worker can read them without loading the option parser (and the driver it
 * defaults to).
 */
export const DEFAULTS = Object.freeze({
  memoryLimitMb: 128,
  cpuTimeLimitMs: 30_000,
  wallTimeLimitMs: 60_000,
  payloadBytes: 32 * 1024 * 1024,
  maxOutputBytes: 1024 * 1024,
  maxOpCalls: 1_000_000,
  maxPendingOps: 10_000,
  maxPendingBytes: 128 * 1024 * 1024,
  maxTimers: 100_000,
});
