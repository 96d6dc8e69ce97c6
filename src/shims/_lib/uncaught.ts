/** The text Node prints for an error nobody caught. Loaded only when that happens. */
import { inspect } from "./inspect.js";

export function describeUncaught(err: unknown, kind: "uncaughtException" | "unhandledRejection"): string {
  if (err instanceof Error) return inspect(err);
  const shown = inspect(err);
  return kind === "unhandledRejection"
    ? `[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${shown}".] {\n  code: 'ERR_UNHANDLED_REJECTION'\n}`
    : `Uncaught ${shown}`;
}
