/**
 * Node's argument validators and the `ERR_*` errors they raise, with Node's exact
 * message shapes (lib/internal/validators.js, lib/internal/errors.js), shared by the
 * builtins so that a bad argument fails in the sandbox the way it fails in Node.
 */
import { describeReceived, invalidArgType, nodeError } from "./errors.js";

/** Node's `addNumericalSeparator`: 1_000_000 for big integers in range messages. */
function addNumericalSeparator(val: string): string {
  let res = "";
  let i = val.length;
  const start = val[0] === "-" ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
  return `${val.slice(0, i)}${res}`;
}

export function outOfRange(name: string, range: string, input: unknown, rawName = false): Error {
  let received: string;
  if (Number.isInteger(input) && Math.abs(input as number) > 2 ** 32) {
    received = addNumericalSeparator(String(input));
  } else if (typeof input === "bigint") {
    received = String(input);
    if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
    received += "n";
  } else if (typeof input === "string") {
    received = `'${input}'`;
  } else {
    received = Object.is(input, -0) ? "-0" : String(input);
  }
  const head = rawName ? name : `The value of "${name}" is out of range.`;
  return nodeError("ERR_OUT_OF_RANGE", `${head} It must be ${range}. Received ${received}`);
}

export function validateNumber(value: unknown, name: string, min?: number, max?: number): asserts value is number {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if ((min !== undefined && value < min) || (max !== undefined && value > max) || ((min !== undefined || max !== undefined) && Number.isNaN(value))) {
    const range = min !== undefined && max !== undefined ? `>= ${min} && <= ${max}` : min !== undefined ? `>= ${min}` : `<= ${max}`;
    throw outOfRange(name, range, value);
  }
}

export function validateInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isInteger(value)) throw outOfRange(name, "an integer", value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
}

export function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
}

export function validateFunction(value: unknown, name: string): asserts value is (...args: any[]) => any {
  if (typeof value !== "function") throw invalidArgType(name, "of type function", value);
}

export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== "boolean") throw invalidArgType(name, "of type boolean", value);
}

export function validateObject(value: unknown, name: string, { nullable = false, allowArray = false, allowFunction = false } = {}): void {
  if (
    (!nullable && value === null) ||
    (!allowArray && Array.isArray(value)) ||
    (typeof value !== "object" && (!allowFunction || typeof value !== "function"))
  ) {
    throw invalidArgType(name, "of type object", value);
  }
}

export function validateAbortSignal(signal: unknown, name: string): void {
  if (signal !== undefined && (signal === null || typeof signal !== "object" || !("aborted" in signal))) {
    throw invalidArgType(name, "an instance of AbortSignal", signal);
  }
}

export function invalidArgValue(name: string, value: unknown, reason = "is invalid"): Error {
  const type = name.includes(".") ? "property" : "argument";
  let shown: string;
  if (typeof value === "string") shown = `'${value}'`;
  else if (typeof value === "object" && value !== null) shown = describeReceived(value).replace(/^an instance of /, "");
  else shown = String(value);
  return nodeError("ERR_INVALID_ARG_VALUE", `The ${type} '${name}' ${reason}. Received ${shown}`);
}

export function missingArgs(...names: string[]): Error {
  const quoted = names.map((n) => `"${n}"`);
  let msg = "The ";
  if (quoted.length === 1) msg += `${quoted[0]} argument`;
  else if (quoted.length === 2) msg += `${quoted[0]} and ${quoted[1]} arguments`;
  else msg += `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]} arguments`;
  return nodeError("ERR_MISSING_ARGS", `${msg} must be specified`, TypeError);
}
