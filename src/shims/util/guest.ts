/**
 * The `util` builtin (loaded lazily). inspect/format are the same code console uses.
 */
import { invalidArgType, nodeError } from "../_internal/errors.js";
import { format, formatWithOptions } from "../_internal/format.js";
import { customInspectSymbol, inspect as baseInspect, type InspectOptions } from "../_internal/inspect.js";

type AnyFn = (...args: any[]) => any;

const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");

function inspect(value: unknown, opts?: InspectOptions | boolean, depth?: number): string {
  if (typeof opts === "boolean") return baseInspect(value, { showHidden: opts, ...(depth !== undefined ? { depth } : {}) });
  return baseInspect(value, opts ?? {});
}
inspect.custom = customInspectSymbol;
inspect.defaultOptions = { depth: 2, breakLength: 80, compact: 3, showHidden: false, maxArrayLength: 100, maxStringLength: 10000 };

function promisify(original: AnyFn): AnyFn {
  if (typeof original !== "function") throw invalidArgType("original", "of type function", original);
  const custom = (original as unknown as Record<symbol, AnyFn>)[kCustomPromisify];
  if (custom) {
    if (typeof custom !== "function") throw invalidArgType("util.promisify.custom", "of type function", custom);
    return custom;
  }
  function fn(this: unknown, ...args: unknown[]) {
    return new Promise((resolve, reject) => {
      original.call(this, ...args, (err: unknown, ...values: unknown[]) => {
        if (err) reject(err);
        else resolve(values[0]);
      });
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = kCustomPromisify;

function callbackify(original: AnyFn): AnyFn {
  if (typeof original !== "function") throw invalidArgType("original", "of type function", original);
  return function (this: unknown, ...args: unknown[]) {
    const cb = args.pop();
    if (typeof cb !== "function") throw invalidArgType("last argument", "of type function", cb);
    original.apply(this, args).then(
      (v: unknown) => (globalThis as any).process.nextTick(cb, null, v),
      (e: unknown) => {
        if (!e) {
          const wrapped = nodeError("ERR_FALSY_VALUE_REJECTION", "Promise was rejected with falsy value");
          (wrapped as Error & { reason?: unknown }).reason = e;
          e = wrapped;
        }
        (globalThis as any).process.nextTick(cb, e);
      },
    );
  };
}

function inherits(ctor: AnyFn, superCtor: AnyFn): void {
  if (typeof ctor !== "function") throw invalidArgType("ctor", "of type function", ctor);
  if (typeof superCtor !== "function") throw invalidArgType("superCtor", "of type function", superCtor);
  if (superCtor.prototype === undefined) throw invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
  Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warned = new Set<string>();
function deprecate<T extends AnyFn>(fn: T, msg: string, code?: string): T {
  let done = false;
  return function (this: unknown, ...args: unknown[]) {
    if (!done && !(code && warned.has(code))) {
      done = true;
      if (code) warned.add(code);
      (globalThis as any).process.emitWarning(msg, "DeprecationWarning", code);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
  } as T;
}

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  return deepEqual(a, b, new Map());
}

function deepEqual(a: unknown, b: unknown, memo: Map<object, object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Object.prototype.toString.call(a) !== Object.prototype.toString.call(b)) return false;
  if (memo.get(a) === b) return true;
  memo.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b) && a.lastIndex === (b as RegExp).lastIndex;
  if (a instanceof Error && (a.message !== (b as Error).message || a.name !== (b as Error).name)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  if (a instanceof Map) {
    const bm = b as Map<unknown, unknown>;
    if (a.size !== bm.size) return false;
    for (const [k, v] of a) if (!bm.has(k) || !deepEqual(v, bm.get(k), memo)) return false;
  } else if (a instanceof Set) {
    const bs = b as Set<unknown>;
    if (a.size !== bs.size) return false;
    outer: for (const v of a) {
      if (bs.has(v)) continue;
      if (typeof v === "object" && v !== null) {
        for (const w of bs) if (deepEqual(v, w, memo)) continue outer;
      }
      return false;
    }
  }
  const ka = Reflect.ownKeys(a).filter((k) => Object.prototype.propertyIsEnumerable.call(a, k));
  const kb = Reflect.ownKeys(b).filter((k) => Object.prototype.propertyIsEnumerable.call(b, k));
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.propertyIsEnumerable.call(b, k)) return false;
    if (!deepEqual((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], memo)) return false;
  }
  return true;
}

const tag = (v: unknown) => Object.prototype.toString.call(v).slice(8, -1);
const types = {
  isDate: (v: unknown) => v instanceof Date,
  isRegExp: (v: unknown) => v instanceof RegExp,
  isMap: (v: unknown) => v instanceof Map,
  isSet: (v: unknown) => v instanceof Set,
  isWeakMap: (v: unknown) => v instanceof WeakMap,
  isWeakSet: (v: unknown) => v instanceof WeakSet,
  isPromise: (v: unknown) => v instanceof Promise,
  isNativeError: (v: unknown) => v instanceof Error,
  isArrayBuffer: (v: unknown) => v instanceof ArrayBuffer,
  isAnyArrayBuffer: (v: unknown) => v instanceof ArrayBuffer || tag(v) === "SharedArrayBuffer",
  isArrayBufferView: (v: unknown) => ArrayBuffer.isView(v),
  isTypedArray: (v: unknown) => ArrayBuffer.isView(v) && !(v instanceof DataView),
  isUint8Array: (v: unknown) => v instanceof Uint8Array,
  isDataView: (v: unknown) => v instanceof DataView,
  isAsyncFunction: (v: unknown) => tag(v) === "AsyncFunction" || tag(v) === "AsyncGeneratorFunction",
  isGeneratorFunction: (v: unknown) => tag(v) === "GeneratorFunction" || tag(v) === "AsyncGeneratorFunction",
  isGeneratorObject: (v: unknown) => tag(v) === "Generator",
  isBoxedPrimitive: (v: unknown) => v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt || v instanceof Symbol,
  isProxy: () => false,
  isModuleNamespaceObject: (v: unknown) => tag(v) === "Module",
};

const util = {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  isDeepStrictEqual,
  types,
  isArray: Array.isArray,
  isError: (v: unknown) => v instanceof Error,
  isFunction: (v: unknown) => typeof v === "function",
  isString: (v: unknown) => typeof v === "string",
  isNumber: (v: unknown) => typeof v === "number",
  isObject: (v: unknown) => v !== null && typeof v === "object",
  isPrimitive: (v: unknown) => v === null || (typeof v !== "object" && typeof v !== "function"),
  isRegExp: types.isRegExp,
  isDate: types.isDate,
  toUSVString: (s: string) => String(s).toWellFormed(),
  stripVTControlCharacters: (s: string) => String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ""),
};

export default util;
