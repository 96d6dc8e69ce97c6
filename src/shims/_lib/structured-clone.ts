/**
 * `structuredClone`, following the HTML structured clone algorithm as V8 implements it
 * for Node: plain objects (own enumerable string keys, prototype dropped), arrays
 * (holes kept), primitives and their wrappers, Date, RegExp, Map, Set, ArrayBuffer and
 * views (a buffer shared by two views stays shared), and Errors (name, message, stack,
 * cause). Functions, symbols and other platform objects fail with a DataCloneError.
 * Shared references and cycles are kept.
 */
import { missingArgs } from "./validators.js";
import { invalidArgType } from "./errors.js";

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};
const toTag = (v: object) => Object.prototype.toString.call(v).slice(8, -1);

function cannotClone(value: unknown): DOMException {
  let shown: string;
  if (typeof value === "function") shown = Function.prototype.toString.call(value);
  else if (typeof value === "symbol") shown = value.toString();
  else shown = `#<${(value as object).constructor?.name ?? "Object"}>`;
  return new DOMException(`${shown} could not be cloned.`, "DataCloneError");
}

export function structuredClone(value: unknown, options?: unknown): unknown {
  if (arguments.length === 0) throw missingArgs("value");
  const memo = new Map<object, unknown>();
  let transfer: ArrayBuffer[] = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== "object") throw invalidArgType("options", "of type object", options);
    const t = (options as { transfer?: unknown }).transfer;
    if (t !== undefined) {
      if (t === null || typeof (t as Iterable<unknown>)[Symbol.iterator] !== "function") {
        throw new TypeError("Failed to execute 'structuredClone' on 'Window': The provided value cannot be converted to a sequence.");
      }
      transfer = [...(t as Iterable<ArrayBuffer>)];
      for (const buf of transfer) {
        if (!(buf instanceof ArrayBuffer)) throw new DOMException("Value not transferable", "DataCloneError");
      }
    }
  }
  const result = clone(value, memo, transfer);
  // Transferred buffers move: the clone holds a copy and the original is detached.
  const detach = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer) => ArrayBuffer }).transfer;
  if (typeof detach === "function") for (const buf of transfer) detach.call(buf);
  return result;
}

function clone(value: unknown, memo: Map<object, unknown>, transfer: ArrayBuffer[]): unknown {
  if (typeof value === "function" || typeof value === "symbol") throw cannotClone(value);
  if (typeof value !== "object" || value === null) return value;
  if (memo.has(value)) return memo.get(value);
  const tag = toTag(value);

  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    memo.set(value, out);
    for (const key of Object.keys(value)) out[key as unknown as number] = clone((value as unknown as Record<string, unknown>)[key], memo, transfer);
    return out;
  }
  let out: unknown;
  switch (tag) {
    case "Date":
      out = new Date(Date.prototype.getTime.call(value));
      break;
    case "RegExp": {
      const re = value as RegExp;
      out = new RegExp(re.source, re.flags);
      break;
    }
    case "Boolean":
      out = Object(Boolean.prototype.valueOf.call(value));
      break;
    case "Number":
      out = Object(Number.prototype.valueOf.call(value));
      break;
    case "String":
      out = Object(String.prototype.valueOf.call(value));
      break;
    case "BigInt":
      out = Object(BigInt.prototype.valueOf.call(value));
      break;
    case "ArrayBuffer":
      out = (value as ArrayBuffer).slice(0);
      break;
    case "Map": {
      const m = new Map();
      memo.set(value, m);
      for (const [k, v] of value as Map<unknown, unknown>) m.set(clone(k, memo, transfer), clone(v, memo, transfer));
      return m;
    }
    case "Set": {
      const s = new Set();
      memo.set(value, s);
      for (const v of value as Set<unknown>) s.add(clone(v, memo, transfer));
      return s;
    }
    default:
      if (ArrayBuffer.isView(value)) {
        const view = value as ArrayBufferView & { length?: number };
        const buffer = clone(view.buffer, memo, transfer) as ArrayBuffer;
        if (value instanceof DataView) out = new DataView(buffer, view.byteOffset, view.byteLength);
        else {
          const Ctor = (globalThis as unknown as Record<string, new (b: ArrayBuffer, o: number, l: number) => unknown>)[tag]!;
          out = new Ctor(buffer, view.byteOffset, view.length!);
        }
        break;
      }
      if (tag === "Error" || value instanceof Error) return cloneError(value as Error, memo, transfer);
      if (isPlatformObject(value)) throw cannotClone(value);
      const obj: Record<string, unknown> = {};
      memo.set(value, obj);
      for (const key of Object.keys(value)) obj[key] = clone((value as Record<string, unknown>)[key], memo, transfer);
      return obj;
  }
  memo.set(value, out);
  return out;
}

/** Objects with internal slots the algorithm does not know (Promise, WeakMap, ...). */
function isPlatformObject(value: object): boolean {
  return value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet ||
    value instanceof WeakRef || value instanceof FinalizationRegistry;
}

function cloneError(err: Error, memo: Map<object, unknown>, transfer: ArrayBuffer[]): Error {
  let name = "Error";
  const protoName = (Object.getPrototypeOf(err) as { name?: unknown } | null)?.name;
  if (typeof protoName === "string" && Object.hasOwn(ERROR_TYPES, protoName)) name = protoName;
  const out = Object.create(ERROR_TYPES[name]!.prototype) as Error;
  memo.set(err, out);
  const message = Object.getOwnPropertyDescriptor(err, "message");
  if (message) Object.defineProperty(out, "message", { value: String(err.message), writable: true, configurable: true, enumerable: false });
  const stack = err.stack;
  if (typeof stack === "string") Object.defineProperty(out, "stack", { value: stack, writable: true, configurable: true, enumerable: false });
  if (Object.hasOwn(err, "cause")) {
    Object.defineProperty(out, "cause", { value: clone(err.cause, memo, transfer), writable: true, configurable: true, enumerable: false });
  }
  return out;
}
