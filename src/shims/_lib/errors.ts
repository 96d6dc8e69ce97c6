/**
 * Node-shaped errors for guest code. Host ops fail with a plain record (`$opError`);
 * `fromOpError` turns it into the Error a Node program expects: an `Error` whose
 * message reads `ENOENT: no such file or directory, open '/x'` with `errno`, `code`,
 * `syscall` and `path`, or a `TypeError`/`RangeError` carrying an `ERR_*` code.
 */
import { $Error, $RangeError, $TypeError, ObjectDefineProperty } from "./primordials.js";

interface OpErrorRecord {
  $opError: true;
  code: string;
  message: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
}

const TYPE_ERRORS = new Set(["ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_VALUE", "ERR_INVALID_RETURN_VALUE", "ERR_UNKNOWN_ENCODING", "ERR_INVALID_URL"]);
const RANGE_ERRORS = new Set(["ERR_OUT_OF_RANGE", "ERR_BUFFER_OUT_OF_BOUNDS", "ERR_SANDBOX_PAYLOAD_TOO_LARGE"]);

export function isOpErrorRecord(e: unknown): e is OpErrorRecord {
  return typeof e === "object" && e !== null && (e as { $opError?: unknown }).$opError === true;
}

/**
 * Builds a Node error with `code`. Node's own errors carry the code in their stack's
 * first line (`TypeError [ERR_X]: message`) while `name` stays `TypeError`; the stack is
 * written the same way here.
 */
export function nodeError(code: string, message: string, Base: ErrorConstructor = errorClassFor(code)): Error {
  const err = new Base(message);
  ObjectDefineProperty(err, "code", { value: code, writable: true, enumerable: true, configurable: true });
  const frames = typeof err.stack === "string" ? err.stack : "";
  ObjectDefineProperty(err, "stack", {
    value: `${err.name} [${code}]: ${message}${frames ? "\n" + frames.replace(/\n$/, "") : ""}`,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  return err;
}

function errorClassFor(code: string): ErrorConstructor {
  if (TYPE_ERRORS.has(code)) return $TypeError;
  if (RANGE_ERRORS.has(code)) return $RangeError;
  return $Error;
}

export function fromOpError(e: unknown): unknown {
  if (!isOpErrorRecord(e)) return e;
  if (e.errno === undefined) return nodeError(e.code, e.message);
  const err = new $Error(e.message) as Error & Record<string, unknown>;
  err.errno = e.errno;
  err.code = e.code;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  if (e.path !== undefined) err.path = e.path;
  if (e.dest !== undefined) err.dest = e.dest;
  return err;
}

export function invalidArgType(name: string, expected: string, actual: unknown): Error {
  // Node's wording: `The first argument`, `The "a.b" property`, `The "x" argument`.
  const subject = name.endsWith(" argument") ? name : `"${name}" ${name.includes(".") ? "property" : "argument"}`;
  return nodeError("ERR_INVALID_ARG_TYPE", `The ${subject} must be ${expected}. Received ${describeReceived(actual)}`);
}

export function describeReceived(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "function") return `function ${(v as { name?: string }).name || "<anonymous>"}`;
  if (typeof v === "object") {
    const name = (v as object).constructor?.name;
    return name ? `an instance of ${name}` : "[object Object]";
  }
  let shown = String(v);
  if (typeof v === "string") {
    if (shown.length > 28) shown = shown.slice(0, 25) + "...";
    shown = `'${shown}'`;
  }
  return `type ${typeof v} (${shown})`;
}

export function notSupported(what: string): Error {
  return nodeError("ERR_SANDBOX_NOT_SUPPORTED", `${what} is not supported in the quicksand sandbox`);
}
