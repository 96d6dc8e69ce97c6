/**
 * The `crypto` builtin: hashes, HMAC, random values, timingSafeEqual, PBKDF2 and scrypt,
 * computed by the host's node:crypto (crypto/host.ts holds the limits). Hash and Hmac
 * keep their state on the host, one object per `createHash`, freed on digest() or when
 * the exec ends. Ciphers, signatures, key objects and Diffie-Hellman are not supported.
 *
 * Hash/Hmac are plain objects here, not Transform streams (no `.write()`/`.pipe()`).
 */
import bufferModule from "node:buffer";
import { callOp, callOpAsync, toArrayBuffer } from "../_lib/host.js";
import { invalidArgType, nodeError, notSupported } from "../_lib/errors.js";
import { crypto as webcrypto, getRandomValues, randomBytesInto, randomUUID } from "./webcrypto.js";

const HASHES = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512-224", "sha512-256", "sha3-224", "sha3-256", "sha3-384", "sha3-512", "ripemd160"];
const ALIASES: Record<string, string> = { "rsa-md5": "md5", "rsa-sha1": "sha1", "rsa-sha256": "sha256", "rsa-sha384": "sha384", "rsa-sha512": "sha512", "sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512", "rmd160": "ripemd160", "ripemd": "ripemd160" };
const kId = Symbol("kHandle");
const kFinal = Symbol("kFinalized");

type BinaryLike = string | ArrayBufferView | ArrayBuffer;
type Buffer = Uint8Array & { toString(encoding?: string): string };
const Buffer = bufferModule.Buffer as { from(v: unknown, enc?: string): Buffer; alloc(n: number): Buffer };

function normalize(alg: string): string | undefined {
  const a = alg.toLowerCase();
  const name = ALIASES[a] ?? a;
  return HASHES.includes(name) ? name : undefined;
}

/** Bytes of a data argument (strings in `encoding`), as the ArrayBuffer the ops take. */
function toBytes(data: unknown, name: string, encoding?: string): ArrayBuffer {
  if (typeof data === "string") return toArrayBuffer(Buffer.from(data, (encoding ?? "utf8")));
  if (ArrayBuffer.isView(data)) return toArrayBuffer(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  if (data instanceof ArrayBuffer) return data.slice(0);
  throw invalidArgType(name, "of type string or an instance of Buffer, TypedArray, or DataView", data);
}

function output(bytes: ArrayBuffer, encoding?: string): Buffer | string {
  const buf = Buffer.from(bytes);
  return encoding === undefined || encoding === "buffer" ? buf : buf.toString(encoding);
}

class Hash {
  declare [kId]: number;
  declare [kFinal]: boolean;
  constructor(algorithm: string, options?: unknown, key?: ArrayBuffer, id?: number) {
    if (typeof algorithm !== "string") throw invalidArgType("algorithm", "of type string", algorithm);
    void options;
    let handle = id;
    if (handle === undefined) {
      const alg = normalize(algorithm);
      if (!alg) {
        if (key !== undefined) throw nodeError("ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${algorithm}`, TypeError);
        throw new Error("Digest method not supported");
      }
      handle = callOp("crypto.hashCreate", alg, key) as number;
    }
    Object.defineProperty(this, kId, { value: handle });
    Object.defineProperty(this, kFinal, { value: false, writable: true });
  }
  update(data: BinaryLike, inputEncoding?: string): this {
    if (this[kFinal]) throw nodeError("ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    if (typeof data !== "string" && !ArrayBuffer.isView(data)) throw invalidArgType("data", "of type string or an instance of Buffer, TypedArray, or DataView", data);
    callOp("crypto.hashUpdate", this[kId], toBytes(data, "data", inputEncoding));
    return this;
  }
  digest(encoding?: string): Buffer | string {
    if (this[kFinal]) throw nodeError("ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    this[kFinal] = true;
    return output(callOp("crypto.hashDigest", this[kId]) as ArrayBuffer, encoding);
  }
  copy(): Hash {
    if (this[kFinal]) throw nodeError("ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    return new Hash("", undefined, undefined, callOp("crypto.hashCopy", this[kId]) as number);
  }
}

class Hmac extends Hash {
  constructor(hmac: string, key: unknown, options?: unknown) {
    if (typeof hmac !== "string") throw invalidArgType("hmac", "of type string", hmac);
    if (key === null || key === undefined || (typeof key !== "string" && !ArrayBuffer.isView(key) && !(key instanceof ArrayBuffer))) {
      throw invalidArgType("key", "of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey", key);
    }
    super(hmac, options, toBytes(key, "key"));
  }
  override copy(): never {
    throw notSupported("Hmac.copy()");
  }
}

function createHash(algorithm: string, options?: unknown): Hash {
  return new Hash(algorithm, options);
}
function createHmac(hmac: string, key: unknown, options?: unknown): Hmac {
  return new Hmac(hmac, key, options);
}
function hash(algorithm: string, data: BinaryLike, outputEncoding = "hex"): Buffer | string {
  if (typeof algorithm !== "string") throw invalidArgType("algorithm", "of type string", algorithm);
  if (typeof data !== "string" && !ArrayBuffer.isView(data)) throw invalidArgType("data", "of type string or an instance of Buffer, TypedArray, or DataView", data);
  const alg = normalize(algorithm);
  if (!alg) throw new Error("Digest method not supported");
  return output(callOp("crypto.hashOnce", alg, toBytes(data, "data")) as ArrayBuffer, outputEncoding);
}

function checkSize(size: unknown, name = "size"): number {
  if (typeof size !== "number") throw invalidArgType(name, "of type number", size);
  if (!Number.isInteger(size) || size < 0 || size > 2147483647) {
    throw nodeError("ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`, RangeError);
  }
  return size;
}

function randomBytes(size: number, callback?: (err: Error | null, buf?: Buffer) => void): Buffer | undefined {
  checkSize(size);
  if (callback !== undefined && typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
  const buf = Buffer.alloc(size);
  randomBytesInto(buf);
  if (!callback) return buf;
  (globalThis as any).process.nextTick(callback, null, buf);
  return undefined;
}

function randomFillSync<T extends ArrayBufferView>(buf: T, offset = 0, size?: number): T {
  if (!ArrayBuffer.isView(buf)) throw invalidArgType("buf", "an instance of ArrayBuffer or ArrayBufferView", buf);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = size ?? bytes.length - offset;
  randomBytesInto(bytes.subarray(offset, offset + n));
  return buf;
}

function randomFill<T extends ArrayBufferView>(buf: T, ...args: unknown[]): void {
  const cb = args.pop() as (e: Error | null, b?: T) => void;
  if (typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
  randomFillSync(buf, args[0] as number | undefined, args[1] as number | undefined);
  (globalThis as any).process.nextTick(cb, null, buf);
}

const RAND_MAX = 0xffff_ffff_ffff;
function randomInt(min: number, max?: number | ((e: Error | null, n?: number) => void), callback?: (e: Error | null, n?: number) => void): number | undefined {
  if (typeof max === "undefined" || typeof max === "function") {
    callback = max;
    max = min;
    min = 0;
  }
  if (callback !== undefined && typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
  if (!Number.isSafeInteger(min)) throw invalidArgType("min", "a safe integer", min);
  if (!Number.isSafeInteger(max)) throw invalidArgType("max", "a safe integer", max);
  if (max <= min) {
    throw nodeError("ERR_OUT_OF_RANGE", `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`, RangeError);
  }
  const range = max - min;
  if (range > RAND_MAX) {
    throw nodeError("ERR_OUT_OF_RANGE", `The value of "max - min" is out of range. It must be <= ${RAND_MAX}. Received ${range}`, RangeError);
  }
  // Rejection sampling over 48-bit values: no modulo bias.
  const limit = RAND_MAX - (RAND_MAX % range);
  const b = new Uint8Array(6);
  let x: number;
  do {
    randomBytesInto(b);
    x = b.reduce((acc, v) => acc * 256 + v, 0);
  } while (x >= limit);
  const n = min + (x % range);
  if (!callback) return n;
  (globalThis as any).process.nextTick(callback, undefined, n);
  return undefined;
}

function timingSafeEqual(a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer): boolean {
  const view = (v: unknown, name: string) => {
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    throw invalidArgType(name, "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", v);
  };
  const x = view(a, "buf1");
  const y = view(b, "buf2");
  if (x.length !== y.length) throw nodeError("ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length", RangeError);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

function checkInt(v: unknown, name: string, min: number): number {
  if (typeof v !== "number") throw invalidArgType(name, "of type number", v);
  if (!Number.isInteger(v) || v < min || v > 2147483647) {
    throw nodeError("ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be >= ${min} && <= 2147483647. Received ${v}`, RangeError);
  }
  return v;
}

function pbkdf2Args(password: unknown, salt: unknown, iterations: unknown, keylen: unknown, digest: unknown): unknown[] {
  const pw = toBytes(password, "password");
  const s = toBytes(salt, "salt");
  checkInt(iterations, "iterations", 1);
  checkInt(keylen, "keylen", 0);
  if (typeof digest !== "string") throw invalidArgType("digest", "of type string", digest);
  const alg = normalize(digest);
  if (!alg) throw nodeError("ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${digest}`, TypeError);
  return [pw, s, iterations, keylen, alg];
}

function pbkdf2Sync(password: BinaryLike, salt: BinaryLike, iterations: number, keylen: number, digest: string): Buffer {
  return Buffer.from(callOp("crypto.pbkdf2", ...pbkdf2Args(password, salt, iterations, keylen, digest)) as ArrayBuffer);
}

function pbkdf2(password: BinaryLike, salt: BinaryLike, iterations: number, keylen: number, digest: string, callback: (e: Error | null, key?: Buffer) => void): void {
  if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
  const args = pbkdf2Args(password, salt, iterations, keylen, digest);
  callOpAsync("crypto.pbkdf2", ...args).then(
    (key) => callback(null, Buffer.from(key as ArrayBuffer)),
    (err) => callback(err as Error),
  );
}

interface ScryptOptions {
  N?: number;
  cost?: number;
  r?: number;
  blockSize?: number;
  p?: number;
  parallelization?: number;
  maxmem?: number;
}
function scryptArgs(password: unknown, salt: unknown, keylen: unknown, options: ScryptOptions = {}): unknown[] {
  const pw = toBytes(password, "password");
  const s = toBytes(salt, "salt");
  checkInt(keylen, "keylen", 0);
  const N = options.N ?? options.cost ?? 16384;
  const r = options.r ?? options.blockSize ?? 8;
  const p = options.p ?? options.parallelization ?? 1;
  const maxmem = options.maxmem ?? 32 << 20;
  for (const [name, v] of [["N", N], ["r", r], ["p", p], ["maxmem", maxmem]] as const) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw invalidArgType(`options.${name}`, "a positive safe integer", v);
  }
  if (N < 2 || (N & (N - 1)) !== 0) throw nodeError("ERR_CRYPTO_INVALID_SCRYPT_PARAMS", "Invalid scrypt params: N must be a power of 2 greater than 1", RangeError);
  return [pw, s, keylen, JSON.stringify({ N, r, p, maxmem })];
}

function scryptSync(password: BinaryLike, salt: BinaryLike, keylen: number, options?: ScryptOptions): Buffer {
  return Buffer.from(callOp("crypto.scrypt", ...scryptArgs(password, salt, keylen, options)) as ArrayBuffer);
}

function scrypt(password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions | ((e: Error | null, k?: Buffer) => void), callback?: (e: Error | null, k?: Buffer) => void): void {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
  const cb = callback;
  const args = scryptArgs(password, salt, keylen, options);
  callOpAsync("crypto.scrypt", ...args).then(
    (key) => cb(null, Buffer.from(key as ArrayBuffer)),
    (err) => cb(err as Error),
  );
}

const unsupported = (name: string) =>
  function () {
    throw notSupported(`crypto.${name}()`);
  };

const cryptoModule: Record<string, unknown> = {
  createHash,
  createHmac,
  hash,
  getHashes: () => HASHES.slice(),
  randomBytes,
  pseudoRandomBytes: randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID: (options?: unknown) => {
    void options;
    return randomUUID();
  },
  getRandomValues: (data: ArrayBufferView) => getRandomValues(data),
  timingSafeEqual,
  pbkdf2,
  pbkdf2Sync,
  scrypt,
  scryptSync,
  Hash,
  Hmac,
  webcrypto,
  subtle: webcrypto.subtle,
  constants: {},
  getFips: () => 0,
};
for (const name of ["createCipheriv", "createDecipheriv", "createSign", "createVerify", "sign", "verify", "createECDH", "createDiffieHellman", "createDiffieHellmanGroup", "getDiffieHellman", "generateKeyPair", "generateKeyPairSync", "generateKey", "generateKeySync", "createPrivateKey", "createPublicKey", "createSecretKey", "publicEncrypt", "privateDecrypt", "privateEncrypt", "publicDecrypt", "hkdf", "hkdfSync", "generatePrime", "generatePrimeSync", "checkPrime", "checkPrimeSync", "getCiphers", "getCurves", "getCipherInfo", "diffieHellman", "setEngine", "setFips", "secureHeapUsed"]) {
  cryptoModule[name] = unsupported(name);
}

export default cryptoModule;
