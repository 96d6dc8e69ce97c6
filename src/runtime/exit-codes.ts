/**
 * Exit codes an exec or run ends with, besides the guest's own `process.exit(n)` /
 * `process.exitCode`. They follow the conventions a Node user knows.
 */
export const ExitCode = Object.freeze({
  /** Normal end. */
  OK: 0,
  /** An uncaught exception (or an unhandled rejection), as in Node. */
  UNCAUGHT: 1,
  /** The CPU time limit was exceeded (the `timeout(1)` convention). */
  CPU_TIME_LIMIT: 124,
  /** The wall-clock time limit was exceeded (the same code; the message names the limit). */
  WALL_TIME_LIMIT: 124,
  /** The memory limit was exceeded (Node's own out-of-memory abort exits with 134). */
  MEMORY_LIMIT: 134,
  /** `terminate()` or `dispose()` ended the run (128 + SIGTERM). */
  TERMINATED: 143,
  /** The sandbox failed inside the WebAssembly engine; it has been discarded. */
  INTERNAL_ERROR: 70,
});
