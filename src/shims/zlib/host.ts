/**
 * zlib ops, backed by the host's node:zlib. Output is always bounded: every call passes
 * `maxOutputLength` (the guest's own value, never above MAX_OUTPUT), so a decompression
 * bomb stops with ERR_BUFFER_TOO_LARGE after at most MAX_OUTPUT bytes instead of filling
 * host memory. Input is bounded by the bridge's payload limit. Both ops are `local`
 * (pure computation): in worker mode they run on the sandbox's own thread.
 */
import * as zlib from "node:zlib";
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type Op } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";

/** Largest output one call may produce. */
export const MAX_OUTPUT = 64 * 1024 * 1024;

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

const SYNC: Record<Mode, (b: Uint8Array, o: object) => Buffer> = {
  gzip: zlib.gzipSync, gunzip: zlib.gunzipSync, deflate: zlib.deflateSync, inflate: zlib.inflateSync,
  deflateRaw: zlib.deflateRawSync, inflateRaw: zlib.inflateRawSync, unzip: zlib.unzipSync,
  brotliCompress: zlib.brotliCompressSync, brotliDecompress: zlib.brotliDecompressSync,
};
const ASYNC: Record<Mode, (b: Uint8Array, o: object, cb: (e: Error | null, r: Buffer) => void) => void> = {
  gzip: zlib.gzip, gunzip: zlib.gunzip, deflate: zlib.deflate, inflate: zlib.inflate, deflateRaw: zlib.deflateRaw,
  inflateRaw: zlib.inflateRaw, unzip: zlib.unzip, brotliCompress: zlib.brotliCompress, brotliDecompress: zlib.brotliDecompress,
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
    try {
      return new Uint8Array(SYNC[m](data, hostOptions(opts)));
    } catch (e) {
      throw guestError(e);
    }
  },
  // On the host's thread pool: the host's event loop stays free.
  async: (_cx, args) => {
    const [m, data, opts] = args as [Mode, Uint8Array, Options];
    return new Promise<Uint8Array>((resolve, reject) => {
      try {
        ASYNC[m](data, hostOptions(opts), (err, out) => (err ? reject(guestError(err)) : resolve(new Uint8Array(out))));
      } catch (e) {
        reject(guestError(e));
      }
    });
  },
});

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
