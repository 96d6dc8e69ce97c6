/**
 * Host value -> new guest value. The guest always receives a fresh copy built from
 * plain data: primitives, arrays, plain objects and bytes (as an ArrayBuffer). Anything
 * else (a host function, a class instance, a Promise) is a bug in an op and is refused
 * here rather than handed across.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { OpError } from "./op-error.js";

const MAX_DEPTH = 64;

/** A guest value to throw into the guest as the op's failure (a compile error). */
export class GuestThrow {
  constructor(readonly handle: QuickJSHandle) {}
}

/**
 * An ES module to evaluate in the guest's context (for `require()` of an ES module):
 * the op's result is the module namespace. A module that needs top-level await cannot
 * be required synchronously and fails with ERR_REQUIRE_ASYNC_MODULE, as in Node 22.
 */
export class GuestModule {
  constructor(
    readonly source: string,
    readonly filename: string,
  ) {}
}

/**
 * quicksand's own guest code, to be compiled in the guest's context and handed over as
 * the resulting value (a unit's factory function). Only ops that serve bundled code
 * return one; it carries a `node:internal/...` filename so guest stacks name it.
 */
export class GuestScript {
  constructor(
    readonly source: string,
    readonly filename: string,
    /** quicksand's units are strict; a user's CommonJS file is sloppy unless it says otherwise. */
    readonly strict = true,
  ) {}
}

export interface EncodeCx {
  readonly context: QuickJSContext;
  /** Largest string or byte value the result may carry. */
  readonly maxBytes: number;
  /**
   * Builds a guest string from UTF-16 units: for strings a C string cannot carry (NUL,
   * lone surrogates), which the fast path (`newString`) would cut or mangle.
   */
  readonly exactString: (s: string) => QuickJSHandle;
}

/** NUL, or a surrogate without its partner. */
const NOT_C_STRING_SAFE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function encodeValue(ecx: EncodeCx, value: unknown, depth = 0): QuickJSHandle {
  const { context, maxBytes } = ecx;
  switch (typeof value) {
    case "undefined":
      return context.undefined;
    case "boolean":
      return value ? context.true : context.false;
    case "number":
      return context.newNumber(value);
    case "bigint":
      return context.newBigInt(value);
    case "string":
      if (value.length > maxBytes) throw tooLargeResult(value.length, maxBytes);
      return NOT_C_STRING_SAFE.test(value) ? ecx.exactString(value) : context.newString(value);
    case "object": {
      if (value === null) return context.null;
      if (value instanceof GuestScript) {
        const r = context.evalCode(value.source, value.filename, { type: "global", strict: value.strict });
        // A syntax error in a user's module reaches the guest as the error it is.
        if (r.error) throw new GuestThrow(r.error);
        return r.value;
      }
      if (value instanceof GuestModule) {
        const r = context.evalCode(value.source, value.filename, { type: "module" });
        if (r.error) throw new GuestThrow(r.error);
        const state = context.getPromiseState(r.value);
        if (state.type === "fulfilled") {
          if (!state.notAPromise) r.value.dispose();
          return state.value;
        }
        r.value.dispose();
        if (state.type === "rejected") throw new GuestThrow(state.error);
        throw OpError.node("ERR_REQUIRE_ASYNC_MODULE", `require() cannot be used on an ESM graph with top-level await (${value.filename}). Use import() instead.`);
      }
      if (depth > MAX_DEPTH) throw new TypeError("op result nests too deeply");
      if (value instanceof Uint8Array) {
        if (value.byteLength > maxBytes) throw tooLargeResult(value.byteLength, maxBytes);
        // newArrayBuffer copies the bytes into the guest's heap.
        return context.newArrayBuffer(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      }
      if (Array.isArray(value)) {
        const arr = context.newArray();
        try {
          value.forEach((item, i) => {
            const h = encodeValue(ecx, item, depth + 1);
            context.setProp(arr, i, h);
            h.dispose();
          });
        } catch (e) {
          arr.dispose();
          throw e;
        }
        return arr;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`op result is not plain data (${proto?.constructor?.name ?? "object"})`);
      const obj = context.newObject();
      try {
        for (const [k, v] of Object.entries(value)) {
          const h = encodeValue(ecx, v, depth + 1);
          context.setProp(obj, k, h);
          h.dispose();
        }
      } catch (e) {
        obj.dispose();
        throw e;
      }
      return obj;
    }
    default:
      throw new TypeError(`op result of type ${typeof value} cannot cross to the guest`);
  }
}

export function tooLargeResult(size: number, limit: number): OpError {
  return OpError.node("ERR_SANDBOX_PAYLOAD_TOO_LARGE", `The operation's result is ${size} bytes, over the payload limit of ${limit} bytes`);
}
