/**
 * `util/types` (also `util.types`): brand checks through the intrinsic getters and
 * `Object.prototype.toString` tags, so a subclass or a faked prototype answers as in
 * Node. Proxies are known only when made by the global Proxy (see _lib/proxy.ts).
 */
const toString = Object.prototype.toString;
const tag = (v: unknown) => toString.call(v).slice(8, -1);
const isObj = (v: unknown): v is object => (typeof v === "object" || typeof v === "function") && v !== null;

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag)!.get!;
const taTag = (v: unknown) => (isObj(v) ? (typedArrayTag.call(v) as string | undefined) : undefined);

/** Calls an intrinsic method that throws unless `v` has the right internal slot. */
function brand(fn: (this: unknown) => unknown) {
  return (v: unknown) => {
    if (!isObj(v)) return false;
    try {
      fn.call(v);
      return true;
    } catch {
      return false;
    }
  };
}
const getter = (proto: object, name: string | symbol) => Object.getOwnPropertyDescriptor(proto, name)!.get! as (this: unknown) => unknown;

const isDate = brand(Date.prototype.getTime as (this: unknown) => unknown);
const isMap = brand(getter(Map.prototype, "size"));
const isSet = brand(getter(Set.prototype, "size"));
const isWeakMap = brand(function (this: unknown) {
  WeakMap.prototype.has.call(this as WeakMap<object, unknown>, {});
});
const isWeakSet = brand(function (this: unknown) {
  WeakSet.prototype.has.call(this as WeakSet<object>, {});
});
const isArrayBuffer = brand(getter(ArrayBuffer.prototype, "byteLength"));
const isSharedArrayBuffer = typeof SharedArrayBuffer === "function" ? brand(getter(SharedArrayBuffer.prototype, "byteLength")) : () => false;
const isDataView = brand(getter(DataView.prototype, "byteLength"));
// The `source` getter throws on anything but a RegExp (RegExp.prototype itself excepted).
const sourceOf = getter(RegExp.prototype, "source");
const isRegExp = (v: unknown) => v !== RegExp.prototype && brand(sourceOf)(v);
const isNumberObject = brand(Number.prototype.valueOf as (this: unknown) => unknown);
const isStringObject = brand(String.prototype.valueOf as (this: unknown) => unknown);
const isBooleanObject = brand(Boolean.prototype.valueOf as (this: unknown) => unknown);
const isBigIntObject = brand(BigInt.prototype.valueOf as (this: unknown) => unknown);
const isSymbolObject = brand(Symbol.prototype.valueOf as (this: unknown) => unknown);
// No side-effect-free brand check exists for promises (`then` would mark a rejection
// handled), so the tag decides.
const isPromise = (v: unknown) => isObj(v) && tag(v) === "Promise";
const mapIterProto = Object.getPrototypeOf(new Map().keys()) as { next(): unknown };
const setIterProto = Object.getPrototypeOf(new Set().values()) as { next(): unknown };

const proxyDetails = (v: unknown) =>
  (globalThis as Record<symbol, ((v: unknown) => unknown) | undefined>)[Symbol.for("quicksand.proxyDetails")]?.(v);

const types = {
  isExternal: (_v: unknown) => false,
  isDate,
  isArgumentsObject: (v: unknown) => isObj(v) && tag(v) === "Arguments",
  isBigIntObject,
  isBooleanObject,
  isNumberObject,
  isStringObject,
  isSymbolObject,
  isNativeError: (v: unknown) => isObj(v) && tag(v) === "Error" && !Object.prototype.hasOwnProperty.call(v, Symbol.toStringTag),
  isRegExp,
  isAsyncFunction: (v: unknown) => typeof v === "function" && (tag(v) === "AsyncFunction" || tag(v) === "AsyncGeneratorFunction"),
  isGeneratorFunction: (v: unknown) => typeof v === "function" && (tag(v) === "GeneratorFunction" || tag(v) === "AsyncGeneratorFunction"),
  isGeneratorObject: (v: unknown) => isObj(v) && (tag(v) === "Generator" || tag(v) === "AsyncGenerator"),
  isPromise,
  isMap,
  isSet,
  isMapIterator: (v: unknown) => isObj(v) && Object.getPrototypeOf(v) === mapIterProto,
  isSetIterator: (v: unknown) => isObj(v) && Object.getPrototypeOf(v) === setIterProto,
  isWeakMap,
  isWeakSet,
  isArrayBuffer,
  isDataView,
  isSharedArrayBuffer,
  isProxy: (v: unknown) => proxyDetails(v) !== undefined,
  isModuleNamespaceObject: (v: unknown) => isObj(v) && tag(v) === "Module" && Object.getPrototypeOf(v) === null,
  isAnyArrayBuffer: (v: unknown) => isArrayBuffer(v) || isSharedArrayBuffer(v),
  isBoxedPrimitive: (v: unknown) => isNumberObject(v) || isStringObject(v) || isBooleanObject(v) || isBigIntObject(v) || isSymbolObject(v),
  isArrayBufferView: (v: unknown) => ArrayBuffer.isView(v),
  isTypedArray: (v: unknown) => taTag(v) !== undefined,
  isUint8Array: (v: unknown) => taTag(v) === "Uint8Array",
  isUint8ClampedArray: (v: unknown) => taTag(v) === "Uint8ClampedArray",
  isUint16Array: (v: unknown) => taTag(v) === "Uint16Array",
  isUint32Array: (v: unknown) => taTag(v) === "Uint32Array",
  isInt8Array: (v: unknown) => taTag(v) === "Int8Array",
  isInt16Array: (v: unknown) => taTag(v) === "Int16Array",
  isInt32Array: (v: unknown) => taTag(v) === "Int32Array",
  isFloat32Array: (v: unknown) => taTag(v) === "Float32Array",
  isFloat64Array: (v: unknown) => taTag(v) === "Float64Array",
  isBigInt64Array: (v: unknown) => taTag(v) === "BigInt64Array",
  isBigUint64Array: (v: unknown) => taTag(v) === "BigUint64Array",
  // No crypto.KeyObject/CryptoKey exist in the sandbox, so nothing is one.
  isKeyObject: (_v: unknown) => false,
  isCryptoKey: (_v: unknown) => false,
};

export default types;
