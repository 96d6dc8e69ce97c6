/**
 * crypto ops, backed by the host's node:crypto. Everything the guest controls is bounded
 * so that one sandbox cannot spend unbounded host CPU or memory:
 * - algorithms come from an allow-list (the decoders reject anything else);
 * - data crosses under the bridge's payload limit (a huge input fails before hashing);
 * - streaming hashes live on the host, owned by the exec, at most MAX_LIVE_HASHES at
 *   once, and are released when the exec ends;
 * - random bytes, key lengths, PBKDF2 iterations and scrypt's N·r·p and memory are capped.
 *
 * Every op is `local`: it touches nothing outside the sandbox (its only state, the live
 * hashes, is keyed by the exec), so in worker mode it runs on the sandbox's own thread.
 */
import * as nodeCrypto from "node:crypto";
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type ExecState, type Op } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";

export const HASH_ALGORITHMS = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512-224", "sha512-256", "sha3-224", "sha3-256", "sha3-384", "sha3-512", "ripemd160"] as const;
type Algorithm = (typeof HASH_ALGORITHMS)[number];

/** Live Hash/Hmac objects one exec may hold at once. */
export const MAX_LIVE_HASHES = 256;
/** Random bytes per op call (the guest asks in chunks). */
export const MAX_RANDOM_CHUNK = 1 << 20;
/** PBKDF2 iterations: well above current recommendations (600k for SHA-256). */
export const MAX_PBKDF2_ITERATIONS = 5_000_000;
/** Derived key length for PBKDF2 and scrypt. */
export const MAX_DERIVED_KEY = 1 << 16;
/** scrypt: N·r·p bounds the work, maxmem the host memory one call may take. */
export const MAX_SCRYPT_WORK = 1 << 22;
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

function checkPbkdf2(iterations: number, keylen: number): void {
  range("iterations", iterations, 1, MAX_PBKDF2_ITERATIONS, " (a quicksand sandbox limit)");
  range("keylen", keylen, 0, MAX_DERIVED_KEY, " (a quicksand sandbox limit)");
}

const pbkdf2 = defineOp({
  name: "crypto.pbkdf2",
  args: [arg.bytes, arg.bytes, arg.integer, arg.integer, algorithm],
  local: true,
  sync: (_cx, [password, salt, iterations, keylen, digest]) => {
    checkPbkdf2(iterations, keylen);
    try {
      return new Uint8Array(nodeCrypto.pbkdf2Sync(password, salt, iterations, keylen, digest));
    } catch (e) {
      rethrow(e);
    }
  },
  // The async form runs on the host's thread pool: the host's event loop stays free.
  async: (_cx, [password, salt, iterations, keylen, digest]) => {
    checkPbkdf2(iterations, keylen);
    return new Promise<Uint8Array>((resolve, reject) => {
      nodeCrypto.pbkdf2(password, salt, iterations, keylen, digest, (err, key) => {
        if (err) {
          try {
            rethrow(err);
          } catch (e) {
            reject(e);
          }
        } else resolve(new Uint8Array(key));
      });
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
  async: (_cx, args) => {
    const [password, salt, keylen, params] = args as [Uint8Array, Uint8Array, number, ScryptParams];
    const opts = checkScrypt(keylen, params);
    return new Promise<Uint8Array>((resolve, reject) => {
      try {
        nodeCrypto.scrypt(password, salt, keylen, opts, (err, key) => {
          if (err) {
            try {
              rethrow(err);
            } catch (e) {
              reject(e);
            }
          } else resolve(new Uint8Array(key));
        });
      } catch (e) {
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
