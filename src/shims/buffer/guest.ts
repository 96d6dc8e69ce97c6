/**
 * The `buffer` builtin: the `buffer@6` npm port (bundled into this unit) with the gaps
 * to Node 20 closed here — the `base64url` encoding, Node's argument checks and
 * `ERR_*` errors for sizes, offsets and values, Node's `<Buffer ...>` inspection, and
 * the module's other exports (constants, atob/btoa, isUtf8/isAscii).
 */
// The trailing slash bundles the npm port into this unit.
import * as port from "buffer/";
import { invalidArgType, nodeError } from "../_lib/errors.js";
import { outOfRange, validateNumber } from "../_lib/validators.js";
import { atob, btoa } from "../_lib/base64.js";
import { isUtf8, utf8Decode } from "../_lib/encoding.js";

type Buf = Uint8Array & Record<string, any>;
type Method = (this: Buf, ...args: any[]) => any;
const portAny = port as any;

const Buffer = portAny.Buffer;
const proto = Buffer.prototype as Record<string, Method>;

const kMaxLength = 2 ** 32;
const kStringMaxLength = 2 ** 30 - 1; // QuickJS's own string length limit
const INSPECT_MAX_BYTES = 50;

// ---------------------------------------------------------------------------
// Encodings: the port lacks base64url; its base64 decoder already accepts - and _.
// ---------------------------------------------------------------------------

const isBase64Url = (enc: unknown) => typeof enc === "string" && enc.toLowerCase() === "base64url";
const portEncoding = (enc: unknown) => (isBase64Url(enc) ? "base64" : enc);

function checkEncoding(enc: unknown): void {
  if (enc !== undefined && enc !== null && (typeof enc !== "string" || (!isBase64Url(enc) && !origIsEncoding(enc)))) {
    throw nodeError("ERR_UNKNOWN_ENCODING", `Unknown encoding: ${String(enc)}`, TypeError);
  }
}

const origIsEncoding = Buffer.isEncoding as (e: string) => boolean;
Buffer.isEncoding = (enc: unknown) => typeof enc === "string" && enc.length !== 0 && (isBase64Url(enc) || origIsEncoding(enc));

const origToString = proto.toString as Method;
const isUtf8Name = (enc: unknown) => enc === undefined || (typeof enc === "string" && /^utf-?8$/i.test(enc));
proto.toString = function toString(this: Buf, encoding?: unknown, start?: unknown, end?: unknown) {
  // UTF-8 goes through the Encoding Standard decoder: one U+FFFD per maximal bad
  // subsequence, as V8 decodes (the port emits one per byte).
  if (arguments.length === 0) return utf8Decode(this);
  checkEncoding(encoding);
  if (isUtf8Name(encoding)) {
    const len = this.length;
    const s = start === undefined || (start as number) <= 0 ? 0 : (start as number) | 0;
    if (s >= len) return "";
    const e = end === undefined || (end as number) > len ? len : (end as number) | 0;
    if (e <= s) return "";
    return utf8Decode(new Uint8Array(this.buffer, this.byteOffset + s, e - s));
  }
  if (isBase64Url(encoding)) {
    return (origToString.call(this, "base64", start, end) as string).replace(/[+/=]/g, (c) => (c === "+" ? "-" : c === "/" ? "_" : ""));
  }
  return origToString.call(this, encoding, start, end);
};
proto.toLocaleString = proto.toString;

const origWrite = proto.write!;
proto.write = function write(this: Buf, string: unknown, offset?: unknown, length?: unknown, encoding?: unknown) {
  if (typeof string !== "string") throw invalidArgType("argument", "of type string", string);
  if (typeof offset === "string") return origWrite.call(this, string, portEncoding(offset));
  if (typeof length === "string") return origWrite.call(this, string, offset, portEncoding(length));
  checkEncoding(encoding);
  return origWrite.call(this, string, offset, length, portEncoding(encoding));
};

proto.equals = function equals(this: Buf, other: unknown) {
  if (!(other instanceof Uint8Array)) throw invalidArgType("otherBuffer", "an instance of Buffer or Uint8Array", other);
  if (this === other) return true;
  if (this.length !== other.length) return false;
  for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
  return true;
};

for (const name of ["fill", "indexOf", "lastIndexOf", "includes"]) {
  const orig = proto[name]!;
  proto[name] = {
    [name](this: Buf, ...args: unknown[]) {
      return orig.apply(this, args.map((a, i) => (i > 0 ? portEncoding(a) : a)));
    },
  }[name]!;
}

const origFrom = Buffer.from as (...a: unknown[]) => Buf;
Buffer.from = function from(value: unknown, encodingOrOffset?: unknown, length?: unknown) {
  if (typeof value === "string") {
    checkEncoding(encodingOrOffset);
    return origFrom.call(Buffer, value, portEncoding(encodingOrOffset));
  }
  if (typeof value === "number" || value === null || value === undefined || typeof value === "boolean" || typeof value === "symbol" || typeof value === "bigint") {
    throw invalidArgType("first argument", "of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object", value);
  }
  return origFrom.call(Buffer, value, encodingOrOffset, length);
};

const origByteLength = Buffer.byteLength as (s: unknown, e?: unknown) => number;
Buffer.byteLength = function byteLength(string: unknown, encoding?: unknown) {
  if (typeof string !== "string" && !ArrayBuffer.isView(string) && !(string instanceof ArrayBuffer)) {
    throw invalidArgType("string", "of type string or an instance of Buffer or ArrayBuffer", string);
  }
  return origByteLength(string, portEncoding(encoding));
};

for (const name of ["alloc", "allocUnsafe", "allocUnsafeSlow"]) {
  const orig = Buffer[name] as (...a: unknown[]) => Buf;
  Buffer[name] = {
    [name](size: unknown, fill?: unknown, encoding?: unknown) {
      validateNumber(size, "size", 0, kMaxLength);
      if (name === "alloc") {
        if (encoding !== undefined && fill !== undefined && typeof fill === "string") checkEncoding(encoding);
        return orig.call(Buffer, size, fill, portEncoding(encoding));
      }
      return orig.call(Buffer, size);
    },
  }[name];
}

// ---------------------------------------------------------------------------
// Reads and writes: Node's offset/value checks and messages, then the port's code
// with its own checks off (`noAssert`).
// ---------------------------------------------------------------------------

function boundsError(value: number, length: number, type?: string): never {
  if (Math.floor(value) !== value) {
    validateNumber(value, type ?? "offset");
    throw outOfRange(type ?? "offset", "an integer", value);
  }
  if (length < 0) throw nodeError("ERR_BUFFER_OUT_OF_BOUNDS", "Attempt to access memory outside buffer bounds", RangeError);
  throw outOfRange(type ?? "offset", `>= ${type ? 1 : 0} and <= ${length}`, value);
}

function checkBounds(buf: Buf, offset: unknown, size: number): asserts offset is number {
  validateNumber(offset, "offset");
  if (buf[offset] === undefined || buf[offset + size - 1] === undefined) boundsError(offset, buf.length - size);
}

function checkByteLength(byteLength: unknown): asserts byteLength is number {
  if (byteLength === undefined) throw invalidArgType("byteLength", "of type number", byteLength);
  validateNumber(byteLength, "byteLength");
  if (!(byteLength >= 1 && byteLength <= 6) || Math.floor(byteLength) !== byteLength) boundsError(byteLength, 6, "byteLength");
}

function valueRange(byteLength: number, signed: boolean, big: boolean): [number | bigint, number | bigint, string] {
  const n = big ? "n" : "";
  const bits = byteLength * 8;
  if (big) {
    const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
    const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
    const range = signed ? `>= -(2n ** ${bits - 1}n) and < 2 ** ${bits - 1}n` : `>= 0n and < 2n ** ${bits}n`;
    return [min, max, range];
  }
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  // Node spells ranges wider than 32 bits as powers of two.
  const range = byteLength > 4
    ? signed ? `>= -(2${n} ** ${bits - 1}${n}) and < 2 ** ${bits - 1}${n}` : `>= 0${n} and < 2${n} ** ${bits}${n}`
    : `>= ${min}${n} and <= ${max}${n}`;
  return [min, max, range];
}

const FIXED: [string, number, boolean, "int" | "float" | "big"][] = [];
for (const [type, size, signed] of [["UInt8", 1, false], ["Int8", 1, true], ["UInt16", 2, false], ["Int16", 2, true], ["UInt32", 4, false], ["Int32", 4, true]] as const) {
  const ends = size === 1 ? [""] : ["LE", "BE"];
  for (const e of ends) FIXED.push([type + e, size, signed, "int"]);
}
for (const e of ["LE", "BE"]) {
  FIXED.push(["Float" + e, 4, true, "float"], ["Double" + e, 8, true, "float"]);
  FIXED.push(["BigInt64" + e, 8, true, "big"], ["BigUInt64" + e, 8, false, "big"]);
}

for (const [type, size, signed, kind] of FIXED) {
  const read = proto[`read${type}`]!;
  const write = proto[`write${type}`]!;
  const readChecked = {
    [`read${type}`](this: Buf, offset: unknown = 0) {
      checkBounds(this, offset, size);
      return read.call(this, offset, true);
    },
  }[`read${type}`]!;
  const writeChecked = {
    [`write${type}`](this: Buf, value: unknown, offset: unknown = 0) {
      if (kind === "big") {
        if (typeof value !== "bigint") throw invalidArgType("value", "of type bigint", value);
        const [min, max, range] = valueRange(size, signed, true);
        if (value < (min as bigint) || value > (max as bigint)) throw outOfRange("value", range, value);
        checkBounds(this, offset, size);
        return write.call(this, value, offset);
      }
      const v = +(value as number);
      if (kind === "int") {
        if (size === 1) validateNumber(offset, "offset");
        const [min, max, range] = valueRange(size, signed, false);
        if (v > (max as number) || v < (min as number)) throw outOfRange("value", range, v);
      }
      checkBounds(this, offset, size);
      return write.call(this, v, offset, true);
    },
  }[`write${type}`]!;
  proto[`read${type}`] = readChecked;
  proto[`write${type}`] = writeChecked;
  // Node's lower-case aliases (readUint8 ...) are the same functions.
  if (type.includes("UInt")) {
    proto[`read${type.replace("UInt", "Uint")}`] = readChecked;
    proto[`write${type.replace("UInt", "Uint")}`] = writeChecked;
  }
}

for (const type of ["UIntLE", "UIntBE", "IntLE", "IntBE"]) {
  const read = proto[`read${type}`]!;
  const write = proto[`write${type}`]!;
  const signed = !type.startsWith("U");
  const readChecked = {
    [`read${type}`](this: Buf, offset: unknown, byteLength: unknown) {
      if (offset === undefined) throw invalidArgType("offset", "of type number", offset);
      checkByteLength(byteLength);
      checkBounds(this, offset, byteLength);
      return read.call(this, offset, byteLength, true);
    },
  }[`read${type}`]!;
  const writeChecked = {
    [`write${type}`](this: Buf, value: unknown, offset: unknown, byteLength: unknown) {
      checkByteLength(byteLength);
      const v = +(value as number);
      const [min, max, range] = valueRange(byteLength, signed, false);
      if (v > (max as number) || v < (min as number)) throw outOfRange("value", range, v);
      checkBounds(this, offset, byteLength);
      return write.call(this, v, offset, byteLength, true);
    },
  }[`write${type}`]!;
  proto[`read${type}`] = readChecked;
  proto[`write${type}`] = writeChecked;
  if (type.startsWith("UInt")) {
    proto[`read${type.replace("UInt", "Uint")}`] = readChecked;
    proto[`write${type.replace("UInt", "Uint")}`] = writeChecked;
  }
}

// ---------------------------------------------------------------------------
// Inspection as Node prints it: `<Buffer 68 69 ... 10 more bytes, extra: 1>`.
// ---------------------------------------------------------------------------

const customInspect = Symbol.for("nodejs.util.inspect.custom");
proto[customInspect as unknown as string] = function inspect(this: Buf, _depth: unknown, ctx: unknown, inspectFn?: (v: unknown, o?: object) => string) {
  const max = exportsObject.INSPECT_MAX_BYTES;
  const actualMax = Math.min(max, this.length);
  const remaining = this.length - max;
  let str = (origToString.call(this, "hex", 0, actualMax) as string).replace(/(.{2})/g, "$1 ").trim();
  if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? "s" : ""}`;
  if (ctx && typeof inspectFn === "function") {
    const extras: Record<PropertyKey, unknown> = Object.create(null);
    let any = false;
    for (const key of Reflect.ownKeys(this)) {
      if (typeof key === "string" && /^(0|[1-9]\d*)$/.test(key)) continue;
      if (!Object.prototype.propertyIsEnumerable.call(this, key)) continue;
      any = true;
      extras[key] = this[key as string];
    }
    if (any) {
      if (this.length !== 0) str += ", ";
      // "[Object: null prototype] {" is 27 characters; Node slices it off the same way.
      str += inspectFn(extras, { ...(ctx as object), breakLength: Infinity, compact: true }).slice(27, -2);
    }
  }
  return `<${this.constructor.name} ${str}>`;
};

function isAscii(input: unknown): boolean {
  const bytes = toBytes(input, "isAscii");
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

function toBytes(input: unknown, _name: string): Uint8Array {
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw invalidArgType("input", "an instance of ArrayBuffer, Buffer, or TypedArray", input);
}

function transcode(): never {
  throw nodeError("ERR_SANDBOX_NOT_SUPPORTED", "buffer.transcode() is not supported in the quicksand sandbox");
}

const exportsObject = {
  Buffer,
  SlowBuffer: portAny.SlowBuffer,
  INSPECT_MAX_BYTES,
  kMaxLength,
  kStringMaxLength,
  constants: Object.freeze({ MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength }),
  atob,
  btoa,
  isUtf8: (input: unknown) => isUtf8(toBytes(input, "isUtf8")),
  isAscii,
  transcode,
};
// Node's Blob and File live on the globals when the sandbox has them.
for (const name of ["Blob", "File"]) {
  Object.defineProperty(exportsObject, name, {
    get: () => (globalThis as Record<string, unknown>)[name],
    enumerable: true,
    configurable: true,
  });
}
Buffer.poolSize = 8192;

export default exportsObject;
