/**
 * The `assert` builtin (legacy mode; `assert.strict` and `assert/strict` are the strict
 * one). Messages, operators and `generatedMessage` follow Node 20. One difference: for
 * a falsy `assert.ok(x)` without a message Node quotes the call's source text ("The
 * expression evaluated to a falsy value: ..."); the sandbox cannot read its own entry
 * source, so it gives Node's message for unreadable sources (`0 == true`).
 */
import { describeReceived, nodeError, invalidArgType } from "../_lib/errors.js";
import { inspect } from "../_lib/inspect.js";
import { AssertionError } from "./assertion-error.js";
import { isDeepEqual } from "./deep-equal.js";

type AnyFn = (...args: any[]) => any;
const NO_EXCEPTION = Symbol("no exception");

const isRegExp = (v: unknown): v is RegExp => Object.prototype.toString.call(v) === "[object RegExp]";
const isError = (v: unknown): v is Error => v instanceof Error || Object.prototype.toString.call(v) === "[object Error]";

function innerFail(obj: { actual: unknown; expected: unknown; message?: unknown; operator: string; stackStartFn: unknown }): never {
  if (obj.message instanceof Error) throw obj.message;
  throw new AssertionError(obj);
}

function missing(): Error {
  return nodeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified', TypeError);
}

function innerOk(fn: AnyFn, argLen: number, value: unknown, message: unknown): void {
  if (value) return;
  let generatedMessage = false;
  if (argLen === 0) {
    generatedMessage = true;
    message = "No value argument passed to `assert.ok()`";
  } else if (message == null) {
    generatedMessage = true;
  } else if (message instanceof Error) throw message;
  const err = new AssertionError({ actual: value, expected: true, message: message ?? undefined, operator: "==", stackStartFn: fn });
  err.generatedMessage = generatedMessage;
  throw err;
}

function ok(...args: unknown[]): void {
  innerOk(ok, args.length, args[0], args[1]);
}

function fail(actual?: unknown, expected?: unknown, message?: unknown, operator?: string, stackStartFn?: AnyFn): never {
  const argsLen = arguments.length;
  let internalMessage: string | undefined;
  if (argsLen === 0) internalMessage = "Failed";
  else if (argsLen === 1) {
    message = actual;
    actual = undefined;
  } else if (argsLen === 2) operator = "!=";
  if (message instanceof Error) throw message;
  const err = new AssertionError({ actual, expected, operator: operator === undefined ? "fail" : operator, stackStartFn: stackStartFn ?? fail, message: message ?? internalMessage });
  if (internalMessage) err.generatedMessage = true;
  throw err;
}

function equal(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  // eslint-disable-next-line eqeqeq
  if (actual != expected && (!Number.isNaN(actual) || !Number.isNaN(expected))) innerFail({ actual, expected, message, operator: "==", stackStartFn: equal });
}
function notEqual(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  // eslint-disable-next-line eqeqeq
  if (actual == expected || (Number.isNaN(actual) && Number.isNaN(expected))) innerFail({ actual, expected, message, operator: "!=", stackStartFn: notEqual });
}
function deepEqual(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  if (!isDeepEqual(actual, expected, false)) innerFail({ actual, expected, message, operator: "deepEqual", stackStartFn: deepEqual });
}
function notDeepEqual(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  if (isDeepEqual(actual, expected, false)) innerFail({ actual, expected, message, operator: "notDeepEqual", stackStartFn: notDeepEqual });
}
function deepStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  if (!isDeepEqual(actual, expected, true)) innerFail({ actual, expected, message, operator: "deepStrictEqual", stackStartFn: deepStrictEqual });
}
function notDeepStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  if (isDeepEqual(actual, expected, true)) innerFail({ actual, expected, message, operator: "notDeepStrictEqual", stackStartFn: notDeepStrictEqual });
}
function strictEqual(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  if (!Object.is(actual, expected)) innerFail({ actual, expected, message, operator: "strictEqual", stackStartFn: strictEqual });
}
function notStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
  if (arguments.length < 2) throw missing();
  if (Object.is(actual, expected)) innerFail({ actual, expected, message, operator: "notStrictEqual", stackStartFn: notStrictEqual });
}

/** Placeholder objects that make the key-by-key error diff read well (Node's `Comparison`). */
class Comparison {
  constructor(obj: Record<string, unknown>, keys: string[], actual?: Record<string, unknown>) {
    for (const key of keys) {
      if (key in obj) {
        const v = obj[key];
        (this as Record<string, unknown>)[key] = actual !== undefined && typeof actual[key] === "string" && isRegExp(v) && v.exec(actual[key] as string) !== null ? actual[key] : v;
      }
    }
  }
}

function compareExceptionKey(actual: Record<string, unknown>, expected: Record<string, unknown>, key: string, message: unknown, keys: string[], fn: AnyFn): void {
  if (!(key in actual) || !isDeepEqual(actual[key], expected[key], true)) {
    if (!message) {
      const a = new Comparison(actual, keys);
      const b = new Comparison(expected, keys, actual);
      const err = new AssertionError({ actual: a, expected: b, operator: "deepStrictEqual", stackStartFn: fn });
      err.actual = actual;
      err.expected = expected;
      err.operator = fn.name;
      throw err;
    }
    innerFail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
  }
}

function expectedException(actual: unknown, expected: unknown, message: unknown, fn: AnyFn): void {
  let generatedMessage = false;
  let throwError = false;
  if (typeof expected !== "function") {
    if (isRegExp(expected)) {
      const str = String(actual);
      if (expected.exec(str) !== null) return;
      if (!message) {
        generatedMessage = true;
        message = `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(str)}\n`;
      }
      throwError = true;
    } else if (typeof actual !== "object" || actual === null) {
      const err = new AssertionError({ actual, expected, message, operator: "deepStrictEqual", stackStartFn: fn });
      err.operator = fn.name;
      throw err;
    } else {
      const keys = Object.keys(expected as object);
      if (expected instanceof Error) keys.push("name", "message");
      else if (keys.length === 0) throw nodeError("ERR_INVALID_ARG_VALUE", `The argument 'error' may not be an empty object. Received {}`, TypeError);
      const a = actual as Record<string, unknown>;
      const e = expected as Record<string, unknown>;
      for (const key of keys) {
        if (typeof a[key] === "string" && isRegExp(e[key]) && (e[key] as RegExp).exec(a[key] as string) !== null) continue;
        compareExceptionKey(a, e, key, message, keys, fn);
      }
      return;
    }
  } else if ((expected as { prototype?: unknown }).prototype !== undefined && actual instanceof (expected as AnyFn)) {
    return;
  } else if (Object.prototype.isPrototypeOf.call(Error, expected)) {
    if (!message) {
      generatedMessage = true;
      message = `The error is expected to be an instance of "${(expected as AnyFn).name}". Received `;
      if (isError(actual)) {
        const name = actual.constructor?.name || actual.name;
        message += (expected as AnyFn).name === name ? "an error with identical name but a different prototype." : `"${name}"`;
        if (actual.message) message += `\n\nError message:\n\n${actual.message}`;
      } else message += `"${inspect(actual, { depth: -1 })}"`;
    }
    throwError = true;
  } else {
    const res = Reflect.apply(expected as AnyFn, {}, [actual]);
    if (res !== true) {
      if (!message) {
        generatedMessage = true;
        const name = (expected as AnyFn).name ? `"${(expected as AnyFn).name}" ` : "";
        message = `The ${name}validation function is expected to return "true". Received ${inspect(res)}`;
        if (isError(actual)) message += `\n\nCaught error:\n\n${actual}`;
      }
      throwError = true;
    }
  }
  if (throwError) {
    const err = new AssertionError({ actual, expected, message, operator: fn.name, stackStartFn: fn });
    err.generatedMessage = generatedMessage;
    throw err;
  }
}

function getActual(fn: unknown): unknown {
  if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
  try {
    fn();
  } catch (e) {
    return e;
  }
  return NO_EXCEPTION;
}

const isPromiseLike = (v: unknown) => v instanceof Promise || (v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function" && typeof (v as { catch?: unknown }).catch === "function");

async function waitForActual(promiseFn: unknown): Promise<unknown> {
  let p: unknown;
  if (typeof promiseFn === "function") {
    p = promiseFn();
    if (!isPromiseLike(p)) {
      throw nodeError("ERR_INVALID_RETURN_VALUE", `Expected instance of Promise to be returned from the "promiseFn" function but got ${describeReceived(p)}.`, TypeError);
    }
  } else if (isPromiseLike(promiseFn)) p = promiseFn;
  else throw invalidArgType("promiseFn", "of type function or an instance of Promise", promiseFn);
  try {
    await p;
  } catch (e) {
    return e;
  }
  return NO_EXCEPTION;
}

function expectsError(fn: AnyFn, actual: unknown, error?: unknown, message?: unknown, argc = 3): void {
  if (typeof error === "string") {
    if (argc === 4) throw invalidArgType("error", "of type function or an instance of Error, RegExp, or Object", error);
    if (typeof actual === "object" && actual !== null) {
      if ((actual as Error).message === error) throw nodeError("ERR_AMBIGUOUS_ARGUMENT", `The "error/message" argument is ambiguous. The error message "${(actual as Error).message}" is identical to the message.`, TypeError);
    } else if (actual === error) throw nodeError("ERR_AMBIGUOUS_ARGUMENT", `The "error/message" argument is ambiguous. The error "${actual}" is identical to the message.`, TypeError);
    message = error;
    error = undefined;
  } else if (error != null && typeof error !== "object" && typeof error !== "function") {
    throw invalidArgType("error", "of type function or an instance of Error, RegExp, or Object", error);
  }
  if (actual === NO_EXCEPTION) {
    let details = "";
    const name = error ? (error as { name?: string }).name : undefined;
    if (name) details += ` (${name})`;
    details += message ? `: ${message}` : ".";
    const kind = fn === rejects ? "rejection" : "exception";
    innerFail({ actual: undefined, expected: error, operator: fn.name, message: `Missing expected ${kind}${details}`, stackStartFn: fn });
  }
  if (!error) return;
  expectedException(actual, error, message, fn);
}

function hasMatchingError(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "function") {
    if (isRegExp(expected)) return expected.exec(String(actual)) !== null;
    throw invalidArgType("expected", "of type function or an instance of RegExp", expected);
  }
  if ((expected as { prototype?: unknown }).prototype !== undefined && actual instanceof (expected as AnyFn)) return true;
  if (Object.prototype.isPrototypeOf.call(Error, expected)) return false;
  return Reflect.apply(expected as AnyFn, {}, [actual]) === true;
}

function expectsNoError(fn: AnyFn, actual: unknown, error?: unknown, message?: unknown): void {
  if (actual === NO_EXCEPTION) return;
  if (typeof error === "string") {
    message = error;
    error = undefined;
  }
  if (!error || hasMatchingError(actual, error)) {
    const details = message ? `: ${message}` : ".";
    const kind = fn === doesNotReject ? "rejection" : "exception";
    innerFail({ actual, expected: error, operator: fn.name, message: `Got unwanted ${kind}${details}\nActual message: "${(actual as Error | undefined)?.message}"`, stackStartFn: fn });
  }
  throw actual;
}

function throws(fn: unknown, ...args: unknown[]): void {
  expectsError(throws, getActual(fn), args[0], args[1], args.length + 2);
}
async function rejects(promiseFn: unknown, ...args: unknown[]): Promise<void> {
  expectsError(rejects, await waitForActual(promiseFn), args[0], args[1], args.length + 2);
}
function doesNotThrow(fn: unknown, ...args: unknown[]): void {
  expectsNoError(doesNotThrow, getActual(fn), args[0], args[1]);
}
async function doesNotReject(fn: unknown, ...args: unknown[]): Promise<void> {
  expectsNoError(doesNotReject, await waitForActual(fn), args[0], args[1]);
}

function ifError(err: unknown): void {
  if (err === null || err === undefined) return;
  let message = "ifError got unwanted exception: ";
  if (typeof err === "object" && typeof (err as Error).message === "string") {
    if ((err as Error).message.length === 0 && (err as object).constructor) message += (err as object).constructor.name;
    else message += (err as Error).message;
  } else message += inspect(err);
  throw new AssertionError({ actual: err, expected: null, operator: "ifError", message, stackStartFn: ifError });
}

function internalMatch(string: unknown, regexp: unknown, message: unknown, fn: AnyFn): void {
  if (!isRegExp(regexp)) throw invalidArgType("regexp", "an instance of RegExp", regexp);
  const match = fn === assertMatch;
  if (typeof string !== "string" || (regexp.exec(string) !== null) !== match) {
    if (message instanceof Error) throw message;
    const generatedMessage = !message;
    message =
      message ||
      (typeof string !== "string"
        ? `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})`
        : (match ? "The input did not match the regular expression " : "The input was expected to not match the regular expression ") +
          `${inspect(regexp)}. Input:\n\n${inspect(string)}\n`);
    const err = new AssertionError({ actual: string, expected: regexp, message, operator: fn.name, stackStartFn: fn });
    err.generatedMessage = generatedMessage;
    throw err;
  }
}
function assertMatch(string: unknown, regexp: unknown, message?: unknown): void {
  internalMatch(string, regexp, message, assertMatch);
}
Object.defineProperty(assertMatch, "name", { value: "match" });
function doesNotMatch(string: unknown, regexp: unknown, message?: unknown): void {
  internalMatch(string, regexp, message, doesNotMatch);
}

function CallTracker(): never {
  throw nodeError("ERR_SANDBOX_NOT_SUPPORTED", "assert.CallTracker (deprecated in Node) is not supported in the quicksand sandbox");
}

const common = {
  fail, ok, throws, rejects, doesNotThrow, doesNotReject, ifError, match: assertMatch, doesNotMatch,
  strictEqual, notStrictEqual, deepStrictEqual, notDeepStrictEqual, AssertionError, CallTracker,
};

const assert = Object.assign(function assert(...args: unknown[]) {
  innerOk(assert, args.length, args[0], args[1]);
}, common, { equal, notEqual, deepEqual, notDeepEqual });

const strict = Object.assign(function strict(...args: unknown[]) {
  innerOk(strict, args.length, args[0], args[1]);
}, common, { equal: strictEqual, notEqual: notStrictEqual, deepEqual: deepStrictEqual, notDeepEqual: notDeepStrictEqual });

(assert as unknown as Record<string, unknown>).strict = strict;
(strict as unknown as Record<string, unknown>).strict = strict;

export default assert;
