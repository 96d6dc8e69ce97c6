/**
 * fs.ReadStream and fs.WriteStream: the `stream` builtin's Readable and Writable over
 * the fs descriptor flows (open, read, write, close), as Node builds them. Loaded on
 * first use of createReadStream/createWriteStream, so a script that never streams does
 * not pay for the stream builtin.
 */
import * as api from "./api.js";
import { Buffer, getOptions, getPath, toFlags } from "./common.js";
import { invalidArgType, notSupported } from "../_lib/errors.js";
import { outOfRange } from "../_lib/validators.js";
import { requireBuiltin } from "../module/guest.js";

type Callback = (err?: Error | null) => void;
interface StreamBase {
  destroyed: boolean;
  emit(event: string, ...args: unknown[]): boolean;
  push(chunk: unknown): boolean;
  destroy(err?: Error): unknown;
}
type StreamCtor = new (options?: object) => StreamBase;

const stream = requireBuiltin("stream") as { Readable: StreamCtor; Writable: StreamCtor };

interface StreamOptions {
  flags?: unknown;
  encoding?: string | null;
  fd?: unknown;
  mode?: unknown;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: unknown;
  end?: unknown;
  highWaterMark?: number;
  fs?: unknown;
  signal?: unknown;
  flush?: boolean;
}

function streamOptions(options: unknown, defaults: StreamOptions): StreamOptions {
  const o = getOptions(options, defaults as Record<string, unknown>) as StreamOptions;
  if (o.fs !== undefined && o.fs !== null) throw notSupported("The fs option of file streams");
  return o;
}

function checkPosition(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isSafeInteger(value) || value < 0) throw outOfRange(name, ">= 0 && <= 9007199254740991", value);
  return value;
}

/** A descriptor given as a number or a FileHandle-like object with an `fd`. */
function fdOption(fd: unknown): number | undefined {
  if (fd === undefined || fd === null) return undefined;
  const n = typeof fd === "object" ? (fd as { fd?: unknown }).fd : fd;
  return api.validateFd(n);
}

function settle<T>(promise: Promise<T>, cb: (err: Error | null, value?: T) => void): void {
  promise.then((v) => cb(null, v), (e: Error) => cb(e));
}

/** What both stream kinds hold to open and close their file. */
interface FileStream {
  path: string | undefined;
  fd: number | null;
  flags: string;
  mode: number;
  autoClose: boolean;
  emit(event: string, ...args: unknown[]): boolean;
}

/** Opens a stream's file when it was given a path rather than a descriptor, as Node does in _construct. */
function openFile(s: FileStream, cb: Callback): void {
  if (s.fd !== null) {
    cb();
    return;
  }
  settle(api.runAsync(api.open(s.path, s.flags, s.mode)), (err, fd) => {
    if (err) return cb(err);
    s.fd = fd!;
    cb();
    s.emit("open", fd);
    s.emit("ready");
  });
}

/** Closes a stream's descriptor as it is destroyed, unless autoClose is off (both stream kinds). */
function closeFile(s: FileStream, err: Error | null, cb: Callback): void {
  if (s.fd === null || !s.autoClose) {
    cb(err);
    return;
  }
  const fd = s.fd;
  s.fd = null;
  settle(api.runAsync(api.close(fd)), (closeErr) => cb(err ?? closeErr));
}

export class ReadStream extends stream.Readable {
  path: string | undefined;
  fd: number | null;
  flags: string;
  mode: number;
  start: number | undefined;
  end: number;
  pos: number | undefined;
  bytesRead = 0;
  autoClose: boolean;

  constructor(path: unknown, options?: unknown) {
    const o = streamOptions(options, { flags: "r", highWaterMark: 64 * 1024 });
    super({ highWaterMark: o.highWaterMark, encoding: o.encoding ?? undefined, emitClose: o.emitClose ?? true, autoDestroy: o.autoClose ?? true, signal: o.signal });
    this.fd = fdOption(o.fd) ?? null;
    this.path = this.fd === null ? getPath(path) : undefined;
    this.flags = toFlags(o.flags, "r");
    this.mode = typeof o.mode === "number" ? o.mode : 0o666;
    this.start = checkPosition(o.start, "start");
    this.end = checkPosition(o.end, "end") ?? Infinity;
    if (this.start !== undefined && this.start > this.end) {
      throw outOfRange("start", `<= "end" (here: ${this.end})`, this.start);
    }
    this.pos = this.start;
    this.autoClose = o.autoClose ?? true;
  }

  get pending(): boolean {
    return this.fd === null;
  }

  _construct(cb: Callback): void {
    openFile(this, cb);
  }

  _read(size: number): void {
    const want = Math.min(size, this.end - (this.pos ?? this.bytesRead) + 1);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.alloc(want);
    settle(api.runAsync(api.read(this.fd, buffer, 0, want, this.pos ?? null)), (err, n) => {
      if (err) {
        this.destroy(err);
        return;
      }
      if (this.pos !== undefined) this.pos += n!;
      this.bytesRead += n!;
      this.push(n! > 0 ? (n === want ? buffer : buffer.subarray(0, n)) : null);
    });
  }

  _destroy(err: Error | null, cb: Callback): void {
    closeFile(this, err, cb);
  }

  close(cb?: Callback): void {
    if (typeof cb === "function") (this as unknown as { once(e: string, f: Callback): void }).once("close", cb);
    this.destroy();
  }
}

export class WriteStream extends stream.Writable {
  path: string | undefined;
  fd: number | null;
  flags: string;
  mode: number;
  start: number | undefined;
  pos: number | undefined;
  bytesWritten = 0;
  autoClose: boolean;

  constructor(path: unknown, options?: unknown) {
    const o = streamOptions(options, { flags: "w", encoding: "utf8" });
    super({ decodeStrings: true, defaultEncoding: o.encoding ?? "utf8", emitClose: o.emitClose ?? true, autoDestroy: o.autoClose ?? true, signal: o.signal });
    this.fd = fdOption(o.fd) ?? null;
    this.path = this.fd === null ? getPath(path) : undefined;
    this.flags = toFlags(o.flags, "w");
    this.mode = typeof o.mode === "number" ? o.mode : 0o666;
    this.start = checkPosition(o.start, "start");
    this.pos = this.start;
    this.autoClose = o.autoClose ?? true;
  }

  get pending(): boolean {
    return this.fd === null;
  }

  _construct(cb: Callback): void {
    openFile(this, cb);
  }

  _write(chunk: Uint8Array, _encoding: string, cb: Callback): void {
    settle(api.runAsync(api.write(this.fd, chunk, 0, chunk.byteLength, this.pos ?? null)), (err, n) => {
      if (err) return cb(err);
      this.bytesWritten += n!;
      if (this.pos !== undefined) this.pos += n!;
      cb();
    });
  }

  _destroy(err: Error | null, cb: Callback): void {
    closeFile(this, err, cb);
  }

  close(cb?: Callback): void {
    if (typeof cb === "function") (this as unknown as { once(e: string, f: Callback): void }).once("close", cb);
    (this as unknown as { end(): void }).end();
  }

  destroySoon(): void {
    (this as unknown as { end(): void }).end();
  }
}

export function createReadStream(path: unknown, options?: unknown): ReadStream {
  return new ReadStream(path, options);
}

export function createWriteStream(path: unknown, options?: unknown): WriteStream {
  return new WriteStream(path, options);
}
