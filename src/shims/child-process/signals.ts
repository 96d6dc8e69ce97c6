/** Linux signal numbers by name (what `child.kill(name)` sends), as os.constants.signals. */
import { nodeError } from "../_lib/errors.js";

export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16,
  SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24,
  SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
});

/** A signal name or number as a number; Node's ERR_UNKNOWN_SIGNAL otherwise. */
export function signalNumber(sig: unknown): number {
  if (typeof sig === "number" && Number.isInteger(sig) && sig >= 0 && sig <= 64) return sig;
  if (typeof sig === "string" && Object.hasOwn(SIGNAL_NUMBERS, sig)) return SIGNAL_NUMBERS[sig]!;
  throw nodeError("ERR_UNKNOWN_SIGNAL", `Unknown signal: ${String(sig)}`, TypeError);
}
