/**
 * Host value -> new guest value. The guest always receives a fresh copy built from
 * plain data: primitives, arrays, plain objects and bytes (as an ArrayBuffer). Anything
 * else (a host function, a class instance, a Promise) is a bug in an op and is refused
 * here rather than handed across.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { OpError } from "./op-error.js";

const MAX_DEPTH = 64;

/**
 * quicksand's own guest code, to be compiled in the guest's context and handed over as
 * the resulting value (a unit's factory function). Only ops that serve bundled code
 * return one; it carries a `node:internal/...` filename so guest stacks name it.
 */
export class GuestScript {
  constructor(
    readonly source: string,
    readonly filename: string,
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
        const r = context.evalCode(value.source, value.filename, { type: "global", strict: true });
        if (r.error) {
          r.error.dispose();
          throw new Error(`quicksand's guest unit ${value.filename} failed to compile`);
        }
        return r.value;
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

function tooLargeResult(size: number, limit: number): OpError {
  return OpError.node("ERR_SANDBOX_PAYLOAD_TOO_LARGE", `The operation's result is ${size} bytes, over the payload limit of ${limit} bytes`);
}
