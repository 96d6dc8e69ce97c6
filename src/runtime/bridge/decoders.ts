/**
 * Argument decoders: the only way a host op reads a guest value. Each decoder checks the
 * guest value's type with QuickJS's own `typeof` (which runs no guest code) and copies a
 * primitive or an ArrayBuffer's bytes out exactly once. Objects cross only as JSON text
 * the guest serialized, so no getter, Proxy trap or `toString` runs while the host reads.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { OpError } from "./op-error.js";

export interface DecodeCx {
  readonly context: QuickJSContext;
  /** Largest string or byte payload one argument may carry. */
  readonly maxBytes: number;
  /** Calls a captured intrinsic that throws unless its argument is an ArrayBuffer. */
  readonly isArrayBuffer: (h: QuickJSHandle) => boolean;
  /**
   * Reads a string exactly, UTF-16 unit by unit. The fast path (`getString`) goes through
   * a C string, which ends at the first NUL and cannot carry lone surrogates; this one
   * is used when the fast path's length disagrees with the string's own length.
   */
  readonly exactString: (h: QuickJSHandle) => string;
}

export type Decoder<T> = (cx: DecodeCx, h: QuickJSHandle, name: string) => T;

function invalid(name: string, expected: string, actual: string): OpError {
  return OpError.node("ERR_INVALID_ARG_TYPE", `The "${name}" argument must be ${expected}. Received type ${actual}`);
}

export function tooLarge(name: string, size: number, limit: number): OpError {
  return OpError.node(
    "ERR_SANDBOX_PAYLOAD_TOO_LARGE",
    `The "${name}" argument is ${size} bytes, over the payload limit of ${limit} bytes`,
  );
}

export const string: Decoder<string> = (cx, h, name) => {
  const t = cx.context.typeof(h);
  if (t !== "string") throw invalid(name, "of type string", t);
  // QuickJS answers `length` of a string primitive from the string itself, with no
  // property lookup (String.prototype is not consulted), so no guest code runs here.
  const lengthH = cx.context.getProp(h, "length");
  const length = cx.context.getNumber(lengthH);
  lengthH.dispose();
  if (length > cx.maxBytes) throw tooLarge(name, length, cx.maxBytes);
  const fast = cx.context.getString(h);
  return fast.length === length ? fast : cx.exactString(h);
};

export const number: Decoder<number> = (cx, h, name) => {
  const t = cx.context.typeof(h);
  if (t !== "number") throw invalid(name, "of type number", t);
  return cx.context.getNumber(h);
};

export const integer: Decoder<number> = (cx, h, name) => {
  const n = number(cx, h, name);
  if (!Number.isSafeInteger(n)) throw OpError.node("ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be an integer. Received ${n}`);
  return n;
};

export const boolean: Decoder<boolean> = (cx, h, name) => {
  const t = cx.context.typeof(h);
  if (t !== "boolean") throw invalid(name, "of type boolean", t);
  return cx.context.dump(h) === true;
};

/** Bytes travel as an ArrayBuffer; the guest shim turns views and strings into one. */
export const bytes: Decoder<Uint8Array> = (cx, h, name) => {
  const t = cx.context.typeof(h);
  if (t !== "object" || !cx.isArrayBuffer(h)) throw invalid(name, "an ArrayBuffer", t);
  const view = cx.context.getArrayBuffer(h);
  try {
    if (view.value.byteLength > cx.maxBytes) throw tooLarge(name, view.value.byteLength, cx.maxBytes);
    return view.value.slice();
  } finally {
    view.dispose();
  }
};

/** A JSON document the guest serialized; parsed on the host, so it is plain host data. */
export function json<T = unknown>(check?: (v: unknown) => v is T, expected = "a JSON value"): Decoder<T> {
  return (cx, h, name) => {
    const text = string(cx, h, name);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw OpError.node("ERR_INVALID_ARG_VALUE", `The "${name}" argument is not valid JSON`);
    }
    if (check && !check(value)) throw OpError.node("ERR_INVALID_ARG_VALUE", `The "${name}" argument must be ${expected}`);
    return value as T;
  };
}

export function optional<T>(inner: Decoder<T>): Decoder<T | undefined> {
  return (cx, h, name) => {
    const t = cx.context.typeof(h);
    return t === "undefined" ? undefined : inner(cx, h, name);
  };
}

export function oneOf<T extends string>(...values: T[]): Decoder<T> {
  return (cx, h, name) => {
    const s = string(cx, h, name);
    if (!(values as string[]).includes(s)) {
      throw OpError.node("ERR_INVALID_ARG_VALUE", `The "${name}" argument must be one of ${values.join(", ")}. Received '${s.slice(0, 64)}'`);
    }
    return s as T;
  };
}

/** A path string: no NUL bytes, bounded length. Resolution against the cwd is the op's job. */
export const pathString: Decoder<string> = (cx, h, name) => {
  const s = string(cx, h, name);
  if (s.includes("\u0000")) {
    throw OpError.node("ERR_INVALID_ARG_VALUE", `The argument '${name}' must be a string without null bytes. Received ${JSON.stringify(s.slice(0, 64))}`);
  }
  if (s.length > 4096) throw OpError.system("ENAMETOOLONG", "name too long");
  return s;
};

/** Marks a guest argument the host will not read: it is not a primitive. */
export const NOT_PRIMITIVE: unique symbol = Symbol("not primitive");

/** A primitive's value (strings bounded), or NOT_PRIMITIVE for null, objects, functions and symbols. */
export const primitive: Decoder<string | number | bigint | boolean | undefined | typeof NOT_PRIMITIVE> = (cx, h, name) => {
  switch (cx.context.typeof(h)) {
    case "string":
      return string(cx, h, name);
    case "number":
      return cx.context.getNumber(h);
    case "boolean":
      return cx.context.dump(h) === true;
    case "undefined":
      return undefined;
    case "bigint":
      return cx.context.getBigInt(h);
    default:
      // Objects (and null, which QuickJS's typeof cannot tell apart without running
      // guest code), functions and symbols are left to the guest.
      return NOT_PRIMITIVE;
  }
};
