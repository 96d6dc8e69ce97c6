/**
 * crypto ops, backed by the host's node:crypto. Everything the guest controls is bounded
 * so that one sandbox cannot spend unbounded host CPU or memory:
 * - algorithms come from an allow-list (the decoders reject anything else);
 * - data crosses under the bridge's payload limit (a huge input fails before hashing);
 * - streaming hashes live on the host, owned by the exec, at most MAX_LIVE_HASHES at
 *   once, and are released when the exec ends;
 * - random bytes, key lengths, PBKDF2's work (iterations × output blocks × the digest's
 *   cost) and scrypt's N·r·p and memory are capped, so that one call is short (well under
 *   a second on a slow host): a synchronous call runs on the calling thread and cannot be
 *   interrupted, and an asynchronous one, once started on libuv's thread pool, cannot be
 *   taken back;
 * - asynchronous PBKDF2 and scrypt wait in the exec's queue for the thread pool
 *   (runtime/host-jobs.ts): one at a time per exec, dropped when the exec ends.
 *
 * Every op is `local`: it touches nothing outside the sandbox (its only state, the live
 * hashes, is keyed by the exec), so in worker mode it runs on the sandbox's own thread.
 */
import * as nodeCrypto from "node:crypto";
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type ExecState, type Op } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { poolJob } from "../../runtime/host-jobs.js";

export const HASH_ALGORITHMS = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512-224", "sha512-256", "sha3-224", "sha3-256", "sha3-384", "sha3-512", "ripemd160"] as const;
type Algorithm = (typeof HASH_ALGORITHMS)[number];

/** Live Hash/Hmac objects one exec may hold at once. */
export const MAX_LIVE_HASHES = 256;
/** Random bytes per op call (the guest asks in chunks). */
export const MAX_RANDOM_CHUNK = 1 << 20;
/**
 * PBKDF2 work of one call, in HMAC-SHA-1 blocks: iterations × ceil(keylen / digest size) ×
 * the digest's cost (PBKDF2_COST). 2.5 million allows one block of HMAC-SHA-256 at 2.5
 * million iterations (OWASP recommends 600,000), of SHA-512 at 1.25 million (210,000).
 */
export const MAX_PBKDF2_WORK = 2_500_000;
/** Relative cost of one HMAC block per digest (SHA-1 = 1), rounded up from measurements. */
export const PBKDF2_COST: Readonly<Record<Algorithm, number>> = Object.freeze({
  md5: 2, sha1: 1, sha224: 1, sha256: 1, sha384: 2, sha512: 2, "sha512-224": 2, "sha512-256": 2,
  "sha3-224": 4, "sha3-256": 4, "sha3-384": 4, "sha3-512": 4, ripemd160: 3,
});
/** Derived key length for PBKDF2 and scrypt. */
export const MAX_DERIVED_KEY = 1 << 16;
/** scrypt: N·r·p bounds the work (2^21: about half a second), maxmem the host memory one call may take. */
export const MAX_SCRYPT_WORK = 1 << 21;
export const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;

const algorithm: arg.Decoder<Algorithm> = arg.oneOf(...HASH_ALGORITHMS);

interface ExecCrypto {
  next: number;
  live: Map<number, nodeCrypto.Hash | nodeCrypto.Hmac>;
}
const perExec = new WeakMap<ExecState, ExecCrypto>();

function stateOf(exec: ExecState): ExecCrypto {
  let s = perExec.get(exec);
  if (!s) {
    const state: ExecCrypto = { next: 1, live: new Map() };
    perExec.set(exec, state);
    exec.onEnd(() => state.live.clear());
    s = state;
  }
  return s;
}

function track(exec: ExecState, h: nodeCrypto.Hash | nodeCrypto.Hmac): number {
  const s = stateOf(exec);
  if (s.live.size >= MAX_LIVE_HASHES) {
    throw OpError.node("ERR_SANDBOX_LIMIT", `Too many unfinished Hash/Hmac objects (the sandbox allows ${MAX_LIVE_HASHES}); call digest() on the ones you no longer need`);
  }
  const id = s.next++;
  s.live.set(id, h);
  return id;
}

function lookup(exec: ExecState, id: number): nodeCrypto.Hash | nodeCrypto.Hmac {
  const h = stateOf(exec).live.get(id);
  if (!h) throw OpError.node("ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
  return h;
}

function range(name: string, value: number, min: number, max: number, why = ""): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw OpError.node("ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be >= ${min} && <= ${max}${why}. Received ${value}`);
  }
}

/** Node's own crypto errors (ERR_* codes, OpenSSL text) are safe to pass on; others are not. */
function rethrow(e: unknown): never {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string" && code.startsWith("ERR_")) throw OpError.node(code, String((e as Error).message));
  throw e;
}

const hashCreate = defineOp({
  name: "crypto.hashCreate",
  args: [algorithm, arg.optional(arg.bytes)],
  local: true,
  // A key means an Hmac.
  sync: (cx, args) => {
    const [alg, key] = args as [Algorithm, Uint8Array | undefined];
    return track(cx.exec, key === undefined ? nodeCrypto.createHash(alg) : nodeCrypto.createHmac(alg, key));
  },
});

const hashUpdate = defineOp({
  name: "crypto.hashUpdate",
  args: [arg.integer, arg.bytes],
  local: true,
  sync: (cx, [id, data]) => {
    lookup(cx.exec, id).update(data);
  },
});

const hashDigest = defineOp({
  name: "crypto.hashDigest",
  args: [arg.integer],
  local: true,
  sync: (cx, [id]) => {
    const h = lookup(cx.exec, id);
    stateOf(cx.exec).live.delete(id);
    return new Uint8Array(h.digest());
  },
});

const hashCopy = defineOp({
  name: "crypto.hashCopy",
  args: [arg.integer],
  local: true,
  sync: (cx, [id]) => {
    const h = lookup(cx.exec, id);
    if (!("copy" in h)) throw OpError.node("ERR_SANDBOX_NOT_SUPPORTED", "Hmac has no copy()");
    return track(cx.exec, (h as nodeCrypto.Hash).copy());
  },
});

/** Releases a Hash the guest dropped without digesting (best effort; the exec's end frees the rest). */
const hashFree = defineOp({
  name: "crypto.hashFree",
  args: [arg.integer],
  local: true,
  sync: (cx, [id]) => {
    stateOf(cx.exec).live.delete(id);
  },
});

const hashOnce = defineOp({
  name: "crypto.hashOnce",
  args: [algorithm, arg.bytes],
  local: true,
  sync: (_cx, [alg, data]) => new Uint8Array(nodeCrypto.createHash(alg as Algorithm).update(data).digest()),
});

const randomFill = defineOp({
  name: "crypto.randomBytes",
  args: [arg.integer],
  local: true,
  sync: (_cx, [size]) => {
    range("size", size, 0, MAX_RANDOM_CHUNK);
    return new Uint8Array(nodeCrypto.randomBytes(size));
  },
});

/** The most PBKDF2 iterations one call may do with this digest and key length. */
export function maxPbkdf2Iterations(digest: Algorithm, keylen: number): number {
  const blocks = Math.max(1, Math.ceil(keylen / nodeCrypto.createHash(digest).digest().length));
  return Math.max(1, Math.floor(MAX_PBKDF2_WORK / (blocks * PBKDF2_COST[digest])));
}

function checkPbkdf2(iterations: number, keylen: number, digest: Algorithm): void {
  range("keylen", keylen, 0, MAX_DERIVED_KEY, " (a quicksand sandbox limit)");
  const why = ` (a quicksand sandbox limit on the work of one call: iterations × key blocks × digest cost ≤ ${MAX_PBKDF2_WORK})`;
  range("iterations", iterations, 1, maxPbkdf2Iterations(digest, keylen), why);
}

/** Node's callback, settling a promise with the guest's view of the result. */
function settle(resolve: (v: Uint8Array) => void, reject: (e: unknown) => void, done: () => void) {
  return (err: Error | null, key: Buffer) => {
    done();
    if (!err) {
      resolve(new Uint8Array(key));
      return;
    }
    try {
      rethrow(err);
    } catch (e) {
      reject(e);
    }
  };
}

const pbkdf2 = defineOp({
  name: "crypto.pbkdf2",
  args: [arg.bytes, arg.bytes, arg.integer, arg.integer, algorithm],
  local: true,
  sync: (_cx, [password, salt, iterations, keylen, digest]) => {
    checkPbkdf2(iterations, keylen, digest);
    try {
      return new Uint8Array(nodeCrypto.pbkdf2Sync(password, salt, iterations, keylen, digest));
    } catch (e) {
      rethrow(e);
    }
  },
  // The async form runs on libuv's thread pool, through the exec's queue: the host's
  // event loop stays free, and so do most of the pool's threads.
  async: (cx, [password, salt, iterations, keylen, digest]) => {
    checkPbkdf2(iterations, keylen, digest);
    return poolJob<Uint8Array>(cx.exec, (resolve, reject, done) => {
      nodeCrypto.pbkdf2(password, salt, iterations, keylen, digest, settle(resolve, reject, done));
    });
  },
});

interface ScryptParams {
  N: number;
  r: number;
  p: number;
  maxmem: number;
}
const isScryptParams = (v: unknown): v is ScryptParams => {
  const o = v as Record<string, unknown>;
  return typeof v === "object" && v !== null && ["N", "r", "p", "maxmem"].every((k) => typeof o[k] === "number" && Number.isSafeInteger(o[k]) && (o[k] as number) > 0);
};

function checkScrypt(keylen: number, { N, r, p, maxmem }: ScryptParams): nodeCrypto.ScryptOptions {
  range("keylen", keylen, 0, MAX_DERIVED_KEY, " (a quicksand sandbox limit)");
  if (N * r * p > MAX_SCRYPT_WORK) {
    throw OpError.node("ERR_CRYPTO_INVALID_SCRYPT_PARAMS", `Invalid scrypt params: N*r*p is ${N * r * p}, over the quicksand sandbox limit of ${MAX_SCRYPT_WORK}`);
  }
  // OpenSSL refuses when 128·N·r·p-ish memory exceeds maxmem; the cap bounds maxmem itself.
  return { N, r, p, maxmem: Math.min(maxmem, MAX_SCRYPT_MEMORY) };
}

const scrypt = defineOp({
  name: "crypto.scrypt",
  args: [arg.bytes, arg.bytes, arg.integer, arg.json(isScryptParams, "an object of positive integers N, r, p, maxmem")],
  local: true,
  sync: (_cx, args) => {
    const [password, salt, keylen, params] = args as [Uint8Array, Uint8Array, number, ScryptParams];
    const opts = checkScrypt(keylen, params);
    try {
      return new Uint8Array(nodeCrypto.scryptSync(password, salt, keylen, opts));
    } catch (e) {
      rethrow(e);
    }
  },
  async: (cx, args) => {
    const [password, salt, keylen, params] = args as [Uint8Array, Uint8Array, number, ScryptParams];
    const opts = checkScrypt(keylen, params);
    return poolJob<Uint8Array>(cx.exec, (resolve, reject, done) => {
      try {
        nodeCrypto.scrypt(password, salt, keylen, opts, settle(resolve, reject, done));
      } catch (e) {
        // Refused before it reached the pool (bad parameters).
        done();
        try {
          rethrow(e);
        } catch (e2) {
          reject(e2);
        }
      }
    });
  },
});

export const cryptoOps: Op[] = [hashCreate, hashUpdate, hashDigest, hashCopy, hashFree, hashOnce, randomFill, pbkdf2, scrypt];
