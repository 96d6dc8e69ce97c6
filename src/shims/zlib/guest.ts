/**
 * The `zlib` builtin over the host's node:zlib (zlib/host.ts bounds every output).
 * Sync and callback forms (and their promisified forms) are complete. The stream classes
 * (createGzip…) are Transforms that collect their input and compress or decompress it in
 * one host call when the stream ends: the bytes are the same as Node's, but output comes
 * at the end rather than as input arrives, and `flush()`/`params()` are not supported.
 */
import bufferModule from "node:buffer";
import { callOp, callOpAsync, toArrayBuffer } from "../_lib/host.js";
import { invalidArgType, nodeError, notSupported } from "../_lib/errors.js";
import { requireBuiltin } from "../module/guest.js";

type Buf = Uint8Array & { toString(enc?: string): string };
const Buffer = bufferModule.Buffer as { from(v: unknown, enc?: string): Buf; concat(list: Uint8Array[]): Buf; isBuffer(v: unknown): boolean };

const MODES = ["gzip", "gunzip", "deflate", "inflate", "deflateRaw", "inflateRaw", "unzip", "brotliCompress", "brotliDecompress"] as const;
type Mode = (typeof MODES)[number];
const NUMERIC = ["level", "windowBits", "memLevel", "strategy", "chunkSize", "maxOutputLength"] as const;

function toInput(buffer: unknown): ArrayBuffer {
  if (typeof buffer === "string") return toArrayBuffer(Buffer.from(buffer));
  if (ArrayBuffer.isView(buffer)) return toArrayBuffer(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).slice());
  if (buffer instanceof ArrayBuffer) return buffer.slice(0);
  throw invalidArgType("buffer", "of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer", buffer);
}

/** The options that cross to the host, as JSON of numbers only. */
function optionsJson(opts: unknown): string {
  const out: Record<string, unknown> = {};
  if (opts === undefined || opts === null) return "{}";
  if (typeof opts !== "object") throw invalidArgType("options", "of type object", opts);
  const o = opts as Record<string, unknown>;
  for (const k of NUMERIC) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== "number") throw invalidArgType(`options.${k}`, "of type number", o[k]);
    out[k] = o[k];
  }
  if (o.params !== undefined) {
    const p: Record<string, number> = {};
    for (const [k, v] of Object.entries(o.params as object)) {
      if (typeof v !== "number") throw invalidArgType(`options.params[${k}]`, "of type number", v);
      p[k] = v;
    }
    out.params = p;
  }
  return JSON.stringify(out);
}

/** Node raises ERR_BUFFER_TOO_LARGE as a RangeError. */
function fixError(e: unknown): unknown {
  const err = e as { code?: string; message?: string };
  if (err?.code === "ERR_BUFFER_TOO_LARGE" && !(e instanceof RangeError)) return nodeError(err.code, String(err.message), RangeError);
  return e;
}

function runSync(mode: Mode, buffer: unknown, opts: unknown): Buf {
  const input = toInput(buffer);
  try {
    return Buffer.from(callOp("zlib.process", mode, input, optionsJson(opts)) as ArrayBuffer);
  } catch (e) {
    throw fixError(e);
  }
}

type Callback = (err: Error | null, result?: Buf) => void;
function runAsync(mode: Mode, buffer: unknown, opts: unknown, callback: unknown): void {
  if (typeof opts === "function") {
    callback = opts;
    opts = {};
  }
  if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
  const cb = callback as Callback;
  const input = toInput(buffer);
  callOpAsync("zlib.process", mode, input, optionsJson(opts)).then(
    (out) => cb(null, Buffer.from(out as ArrayBuffer)),
    (err) => cb(fixError(err) as Error),
  );
}

/** A zlib stream: collects input, processes it in one call at the end (see the note above). */
function makeStreamClass(mode: Mode, name: string) {
  // `stream` (a large unit) loads with the first stream class, not with zlib.
  const Transform = (requireBuiltin("stream") as { Transform: new (o?: object) => object }).Transform;
  const C = class extends Transform {
    _chunks: Uint8Array[] = [];
    _zopts: string;
    bytesWritten = 0;
    constructor(opts?: unknown) {
      super(opts as object);
      this._zopts = optionsJson(opts);
    }
    _transform(chunk: Uint8Array, _enc: string, cb: () => void): void {
      this._chunks.push(chunk);
      this.bytesWritten += chunk.length;
      cb();
    }
    _flush(cb: (err?: Error | null, data?: Uint8Array) => void): void {
      const input = toArrayBuffer(Buffer.concat(this._chunks));
      this._chunks = [];
      callOpAsync("zlib.process", mode, input, this._zopts).then(
        (out) => cb(null, Buffer.from(out as ArrayBuffer)),
        (err) => cb(fixError(err) as Error),
      );
    }
    flush(): never {
      throw notSupported(`zlib ${name}.flush()`);
    }
    params(): never {
      throw notSupported(`zlib ${name}.params()`);
    }
    close(cb?: () => void): void {
      if (cb) (globalThis as any).process.nextTick(cb);
      (this as unknown as { destroy(): void }).destroy();
    }
  };
  Object.defineProperty(C, "name", { value: name });
  return C;
}

// zlib constants (Linux, Node 20).
const constants: Record<string, number> = {
  Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5, Z_OK: 0,
  Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4,
  Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6, Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9,
  Z_DEFAULT_COMPRESSION: -1, Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0,
  ZLIB_VERNUM: 4865, DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
  BROTLI_DECODE: 8, BROTLI_ENCODE: 9, Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15,
  Z_MIN_CHUNK: 64, Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384, Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9,
  Z_DEFAULT_MEMLEVEL: 8, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1, BROTLI_OPERATION_PROCESS: 0,
  BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3, BROTLI_PARAM_MODE: 0,
  BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0, BROTLI_PARAM_QUALITY: 1,
  BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11, BROTLI_PARAM_LGWIN: 2,
  BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24, BROTLI_LARGE_MAX_WINDOW_BITS: 30, BROTLI_DEFAULT_WINDOW: 22,
  BROTLI_PARAM_LGBLOCK: 3, BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24,
  BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5, BROTLI_PARAM_LARGE_WINDOW: 6,
  BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8, BROTLI_DECODER_RESULT_ERROR: 0, BROTLI_DECODER_RESULT_SUCCESS: 1,
  BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3,
  BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0, BROTLI_DECODER_PARAM_LARGE_WINDOW: 1,
};

const zlib: Record<string, unknown> = { constants: Object.freeze({ ...constants }), codes: Object.freeze({ Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6, "0": "Z_OK", "1": "Z_STREAM_END", "2": "Z_NEED_DICT", "-1": "Z_ERRNO", "-2": "Z_STREAM_ERROR", "-3": "Z_DATA_ERROR", "-4": "Z_MEM_ERROR", "-5": "Z_BUF_ERROR", "-6": "Z_VERSION_ERROR" }) };
const CLASS_NAMES: Record<Mode, string> = { gzip: "Gzip", gunzip: "Gunzip", deflate: "Deflate", inflate: "Inflate", deflateRaw: "DeflateRaw", inflateRaw: "InflateRaw", unzip: "Unzip", brotliCompress: "BrotliCompress", brotliDecompress: "BrotliDecompress" };
for (const mode of MODES) {
  zlib[`${mode}Sync`] = { [`${mode}Sync`]: (buffer: unknown, opts?: unknown) => runSync(mode, buffer, opts) }[`${mode}Sync`];
  const fn = { [mode]: (buffer: unknown, opts?: unknown, cb?: unknown) => runAsync(mode, buffer, opts, cb) }[mode]!;
  // util.promisify(zlib.gzip) works through the callback form, as in Node.
  zlib[mode] = fn;
  const className = CLASS_NAMES[mode];
  let Cls: ReturnType<typeof makeStreamClass> | undefined;
  const getClass = () => (Cls ??= makeStreamClass(mode, className));
  Object.defineProperty(zlib, className, { get: getClass, enumerable: true, configurable: true });
  zlib[`create${className}`] = (opts?: unknown) => new (getClass())(opts);
}
zlib.crc32 = (data: unknown, value = 0) => {
  if (typeof value !== "number") throw invalidArgType("value", "of type number", value);
  return callOp("zlib.crc32", toInput(data), value >>> 0);
};
for (const [k, v] of Object.entries(constants)) if (k.startsWith("Z_")) Object.defineProperty(zlib, k, { value: v, enumerable: false });

export default zlib;
