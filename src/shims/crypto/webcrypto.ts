/**
 * The global `crypto` (Web Crypto): getRandomValues, randomUUID and subtle.digest, over
 * the host-backed crypto ops. The rest of SubtleCrypto (keys, signing, encryption) is not
 * provided: those methods reject with NotSupportedError.
 */
import { callOp, toArrayBuffer } from "../_lib/host.js";

const DIGESTS: Record<string, string> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag)!.get!;
const INTEGER_ARRAYS = new Set(["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"]);

function domError(message: string, name: string): Error {
  return new DOMException(message, name);
}

/** Random bytes from the host, asked for in chunks the op accepts. */
export function randomBytesInto(target: Uint8Array): void {
  for (let off = 0; off < target.length; off += 1 << 20) {
    const n = Math.min(1 << 20, target.length - off);
    target.set(new Uint8Array(callOp("crypto.randomBytes", n) as ArrayBuffer), off);
  }
}

export function getRandomValues<T extends ArrayBufferView>(data: T): T {
  const tag = ArrayBuffer.isView(data) ? (typedArrayTag.call(data) as string | undefined) : undefined;
  if (tag === undefined || !INTEGER_ARRAYS.has(tag)) {
    if (tag === undefined && !ArrayBuffer.isView(data)) {
      const e = new TypeError(`The "typedArray" argument must be an instance of Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, or Uint8ClampedArray.`);
      (e as Error & { code: string }).code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    throw domError("The data argument must be an integer-type TypedArray", "TypeMismatchError");
  }
  if (data.byteLength > 65536) throw domError("The requested length exceeds 65,536 bytes", "QuotaExceededError");
  randomBytesInto(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return data;
}

const hex = (b: number) => (b < 16 ? "0" : "") + b.toString(16);
export function randomUUID(): string {
  const b = new Uint8Array(16);
  randomBytesInto(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, hex).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function bufferSource(data: unknown): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data.slice(0);
  if (ArrayBuffer.isView(data)) return toArrayBuffer(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  const e = new TypeError(`Failed to execute 'digest' on 'SubtleCrypto': 2nd argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.`);
  (e as Error & { code: string }).code = "ERR_INVALID_ARG_TYPE";
  throw e;
}

class SubtleCrypto {
  async digest(algorithm: string | { name: string }, data: unknown): Promise<ArrayBuffer> {
    const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
    const alg = DIGESTS[String(name).toUpperCase()];
    if (!alg) throw domError("Unrecognized algorithm name", "NotSupportedError");
    return callOp("crypto.hashOnce", alg, bufferSource(data)) as ArrayBuffer;
  }
}
for (const m of ["encrypt", "decrypt", "sign", "verify", "generateKey", "deriveKey", "deriveBits", "importKey", "exportKey", "wrapKey", "unwrapKey"]) {
  Object.defineProperty(SubtleCrypto.prototype, m, {
    value: async function () {
      throw domError(`SubtleCrypto.${m} is not supported in the quicksand sandbox`, "NotSupportedError");
    },
    writable: true,
    configurable: true,
  });
}

class Crypto {
  get subtle(): SubtleCrypto {
    return subtle;
  }
  getRandomValues<T extends ArrayBufferView>(data: T): T {
    return getRandomValues(data);
  }
  randomUUID(): string {
    return randomUUID();
  }
}
Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });
Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: "SubtleCrypto", configurable: true });

const subtle = new SubtleCrypto();
export const crypto = new Crypto();
export { Crypto, SubtleCrypto };
