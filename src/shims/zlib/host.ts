/**
 * zlib ops, backed by the host's node:zlib. Output is always bounded: every call passes
 * `maxOutputLength` (the guest's own value, never above MAX_OUTPUT), so a decompression
 * bomb stops with ERR_BUFFER_TOO_LARGE after at most MAX_OUTPUT bytes instead of filling
 * host memory. Input is bounded by the bridge's payload limit, and for compression by
 * the level or quality too (maxCompressInput), so that one call is short: a synchronous
 * call cannot be interrupted, and brotli at quality 11 or deflate at level 9 spend up to
 * seconds per MiB on unlucky input. Asynchronous calls wait in the exec's queue for
 * libuv's thread pool (runtime/host-jobs.ts) and stop at their next chunk when the exec
 * ends. Both ops are `local` (pure computation): in worker mode they run on the
 * sandbox's own thread.
 */
import * as zlib from "node:zlib";
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type Op } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { poolJob } from "../../runtime/host-jobs.js";

/** Largest output one call may produce. */
export const MAX_OUTPUT = 64 * 1024 * 1024;

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * Most bytes one call may compress, by deflate level (gzip, deflate, deflateRaw; the
 * default level -1 is 6) and by brotli quality (default 11). Sized from the worst input
 * measured (random bytes over a two-letter alphabet) to 0.7–1.3 s of host CPU on a busy
 * 2-core machine; ordinary text runs ten to a hundred times faster.
 */
export const DEFLATE_MAX_INPUT: readonly number[] = [32 * MiB, 32 * MiB, 32 * MiB, 16 * MiB, 16 * MiB, 16 * MiB, 4 * MiB, 2 * MiB, 512 * KiB, 512 * KiB];
export const BROTLI_MAX_INPUT: readonly number[] = [32 * MiB, 32 * MiB, 32 * MiB, 32 * MiB, 32 * MiB, 8 * MiB, 8 * MiB, 4 * MiB, 4 * MiB, 2 * MiB, 512 * KiB, 512 * KiB];
/** Output chunk of an asynchronous call: one job on libuv's pool produces at most this much. */
const ASYNC_CHUNK = 64 * KiB;
const BROTLI_PARAM_QUALITY = zlib.constants.BROTLI_PARAM_QUALITY;

export const MODES = ["gzip", "gunzip", "deflate", "inflate", "deflateRaw", "inflateRaw", "unzip", "brotliCompress", "brotliDecompress"] as const;
type Mode = (typeof MODES)[number];
const mode: arg.Decoder<Mode> = arg.oneOf(...MODES);

interface Options {
  level?: number;
  windowBits?: number;
  memLevel?: number;
  strategy?: number;
  chunkSize?: number;
  maxOutputLength?: number;
  params?: Record<string, number>;
}
const NUMERIC = ["level", "windowBits", "memLevel", "strategy", "chunkSize", "maxOutputLength"] as const;
const isOptions = (v: unknown): v is Options => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (!NUMERIC.every((k) => o[k] === undefined || typeof o[k] === "number")) return false;
  const p = o.params;
  return p === undefined || (typeof p === "object" && p !== null && Object.values(p).every((x) => typeof x === "number"));
};

/** Only the known numeric options reach node:zlib, with the output bound applied. */
function hostOptions(o: Options): zlib.ZlibOptions & zlib.BrotliOptions {
  const out: Record<string, unknown> = {};
  for (const k of NUMERIC) if (o[k] !== undefined) out[k] = o[k];
  if (o.params) out.params = { ...o.params };
  out.maxOutputLength = Math.min(o.maxOutputLength ?? MAX_OUTPUT, MAX_OUTPUT);
  return out;
}

/**
 * The most input one call of `m` may take with these options, and the setting that
 * decides it; undefined for decompression (bounded by its output).
 */
export function maxCompressInput(m: Mode, o: Options): { max: number; setting: string } | undefined {
  if (m === "brotliCompress") {
    const q = o.params?.[BROTLI_PARAM_QUALITY] ?? zlib.constants.BROTLI_DEFAULT_QUALITY;
    const i = Math.min(Math.max(Math.trunc(q), 0), BROTLI_MAX_INPUT.length - 1);
    return { max: BROTLI_MAX_INPUT[i]!, setting: `brotli quality ${i}` };
  }
  if (m === "gzip" || m === "deflate" || m === "deflateRaw") {
    const level = o.level === undefined || o.level === -1 ? 6 : Math.min(Math.max(Math.trunc(o.level), 0), 9);
    return { max: DEFLATE_MAX_INPUT[level]!, setting: `level ${level}` };
  }
  return undefined;
}

function checkWork(m: Mode, data: Uint8Array, o: Options): void {
  const bound = maxCompressInput(m, o);
  if (!bound || data.byteLength <= bound.max) return;
  throw OpError.node(
    "ERR_SANDBOX_LIMIT",
    `zlib ${m}: ${data.byteLength} bytes of input at ${bound.setting} is over the sandbox's limit of ${bound.max} bytes per call at that setting (a bound on the host CPU time one call may take); use a lower level or quality, or compress the data in parts`,
  );
}

const SYNC: Record<Mode, (b: Uint8Array, o: object) => Buffer> = {
  gzip: zlib.gzipSync, gunzip: zlib.gunzipSync, deflate: zlib.deflateSync, inflate: zlib.inflateSync,
  deflateRaw: zlib.deflateRawSync, inflateRaw: zlib.inflateRawSync, unzip: zlib.unzipSync,
  brotliCompress: zlib.brotliCompressSync, brotliDecompress: zlib.brotliDecompressSync,
};
/** The engines behind the async forms: kept, so that the exec's end can close them. */
const ENGINE: Record<Mode, (o: object) => zlib.Gzip | zlib.BrotliCompress> = {
  gzip: zlib.createGzip, gunzip: zlib.createGunzip, deflate: zlib.createDeflate, inflate: zlib.createInflate,
  deflateRaw: zlib.createDeflateRaw, inflateRaw: zlib.createInflateRaw, unzip: zlib.createUnzip,
  brotliCompress: zlib.createBrotliCompress, brotliDecompress: zlib.createBrotliDecompress,
};
/** zlib's own errors (Z_DATA_ERROR…, ERR_*) cross with code, errno and message; others stay on the host. */
function guestError(e: unknown): unknown {
  const err = e as { code?: unknown; errno?: unknown; message?: unknown };
  if (typeof err?.code !== "string") return e;
  if (err.code.startsWith("Z_")) return new OpError({ code: err.code, message: String(err.message), errno: typeof err.errno === "number" ? err.errno : undefined });
  if (err.code.startsWith("ERR_")) return OpError.node(err.code, String(err.message));
  return e;
}

const processOp = defineOp({
  name: "zlib.process",
  args: [mode, arg.bytes, arg.json(isOptions, "an object of numeric zlib options")],
  local: true,
  sync: (_cx, args) => {
    const [m, data, opts] = args as [Mode, Uint8Array, Options];
    checkWork(m, data, opts);
    try {
      return new Uint8Array(SYNC[m](data, hostOptions(opts)));
    } catch (e) {
      throw guestError(e);
    }
  },
  // On libuv's thread pool, through the exec's queue: the host's event loop stays free.
  async: (cx, args) => {
    const [m, data, opts] = args as [Mode, Uint8Array, Options];
    checkWork(m, data, opts);
    const o = hostOptions(opts);
    return poolJob<Uint8Array>(cx.exec, (resolve, reject, done) => runEngine(ENGINE[m], data, o, resolve, reject, done));
  },
});

/**
 * What node:zlib's convenience methods do (an engine fed the whole input, its output
 * collected up to maxOutputLength), with the engine kept: the returned cancel closes it,
 * and the work stops at its next chunk.
 */
function runEngine(
  make: (o: object) => zlib.Gzip | zlib.BrotliCompress,
  data: Uint8Array,
  o: zlib.ZlibOptions & zlib.BrotliOptions,
  resolve: (v: Uint8Array) => void,
  reject: (e: unknown) => void,
  done: () => void,
): () => void {
  const max = o.maxOutputLength!;
  let engine: zlib.Gzip | zlib.BrotliCompress;
  try {
    engine = make({ ...o, chunkSize: Math.min(o.chunkSize ?? ASYNC_CHUNK, ASYNC_CHUNK) });
  } catch (e) {
    done();
    reject(guestError(e));
    return () => {};
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const finish = (err: unknown, out?: Uint8Array) => {
    if (settled) return;
    settled = true;
    engine.close();
    if (err) reject(err);
    else resolve(out!);
  };
  engine.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size > max) finish(OpError.node("ERR_BUFFER_TOO_LARGE", `Cannot create a Buffer larger than ${max} bytes`));
  });
  engine.on("error", (e) => finish(guestError(e)));
  engine.on("end", () => finish(null, new Uint8Array(Buffer.concat(chunks, size))));
  // The native handle is closed: its thread-pool slot is free.
  engine.on("close", done);
  engine.end(data);
  return () => finish(OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting"));
}

const crc32 = defineOp({
  name: "zlib.crc32",
  args: [arg.bytes, arg.integer],
  local: true,
  sync: (_cx, [data, value]) => {
    // Node 20.15+ has zlib.crc32; the table version keeps older hosts working.
    let c = ~value >>> 0;
    for (const b of data) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    return ~c >>> 0;
  },
});

export const zlibOps: Op[] = [processOp, crc32];
