/**
 * What `fs` and `fs/promises` share inside the guest: argument handling with Node's
 * messages (paths, encodings, flags, modes, data), the Stats/Dirent/Dir classes, and the
 * calls into the `fs.*` host ops. None of this is a security boundary: the host decodes
 * and checks every argument again, and asks the permission callback itself.
 */
import bufferModule from "../buffer/guest.js";
import { describeReceived, invalidArgType, nodeError } from "../_lib/errors.js";
import { callOp, callOpAsync, toArrayBuffer } from "../_lib/host.js";
import { invalidArgValue } from "../_lib/validators.js";

type Buf = Uint8Array & { toString(encoding?: string): string };
const BufferCtor = (bufferModule as { Buffer: unknown }).Buffer as {
  from(v: ArrayBuffer | ArrayBufferLike | Uint8Array | string, encOrOffset?: string | number, length?: number): Buf;
  isBuffer(v: unknown): boolean;
  isEncoding(e: string): boolean;
  byteLength(s: string, enc?: string): number;
  concat(list: Uint8Array[], total?: number): Buf;
  alloc(n: number): Buf;
};
export { BufferCtor as Buffer };

// ---------------------------------------------------------------------------
// Constants (Linux values, as Node reports them there)
// ---------------------------------------------------------------------------

export const constants = Object.freeze({
  UV_FS_SYMLINK_DIR: 1, UV_FS_SYMLINK_JUNCTION: 2, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2,
  UV_DIRENT_UNKNOWN: 0, UV_DIRENT_FILE: 1, UV_DIRENT_DIR: 2, UV_DIRENT_LINK: 3, UV_DIRENT_FIFO: 4,
  UV_DIRENT_SOCKET: 5, UV_DIRENT_CHAR: 6, UV_DIRENT_BLOCK: 7,
  S_IFMT: 0o170000, S_IFREG: 0o100000, S_IFDIR: 0o040000, S_IFCHR: 0o020000, S_IFBLK: 0o060000,
  S_IFIFO: 0o010000, S_IFLNK: 0o120000, S_IFSOCK: 0o140000,
  O_CREAT: 64, O_EXCL: 128, UV_FS_O_FILEMAP: 0, O_NOCTTY: 256, O_TRUNC: 512, O_APPEND: 1024,
  O_DIRECTORY: 65536, O_NOATIME: 262144, O_NOFOLLOW: 131072, O_SYNC: 1052672, O_DSYNC: 4096,
  O_DIRECT: 16384, O_NONBLOCK: 2048,
  S_IRWXU: 448, S_IRUSR: 256, S_IWUSR: 128, S_IXUSR: 64, S_IRWXG: 56, S_IRGRP: 32, S_IWGRP: 16,
  S_IXGRP: 8, S_IRWXO: 7, S_IROTH: 4, S_IWOTH: 2, S_IXOTH: 1,
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, UV_FS_COPYFILE_EXCL: 1, COPYFILE_EXCL: 1,
  UV_FS_COPYFILE_FICLONE: 2, COPYFILE_FICLONE: 2, UV_FS_COPYFILE_FICLONE_FORCE: 4, COPYFILE_FICLONE_FORCE: 4,
});

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

function isUint8Array(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** Node's fileURLToPath for POSIX: a file: URL without a host, `/` never encoded. */
function fileUrlPath(url: { href: string; protocol: string; hostname: string; pathname: string }): string {
  if (url.protocol !== "file:") throw nodeError("ERR_INVALID_URL_SCHEME", "The URL must be of scheme file", TypeError);
  if (url.hostname !== "" && url.hostname !== "localhost") {
    throw nodeError("ERR_INVALID_FILE_URL_HOST", `File URL host must be "localhost" or empty on linux`, TypeError);
  }
  const pathname = url.pathname;
  for (let i = 0; i < pathname.length; i++) {
    if (pathname[i] === "%" && pathname[i + 1] === "2" && (pathname[i + 2] === "f" || pathname[i + 2] === "F")) {
      throw nodeError("ERR_INVALID_FILE_URL_PATH", "File URL path must not include encoded / characters", TypeError);
    }
  }
  return decodeURIComponent(pathname);
}

function isURLLike(v: unknown): v is { href: string; protocol: string; hostname: string; pathname: string } {
  return typeof v === "object" && v !== null && typeof (v as { href?: unknown }).href === "string" && typeof (v as { protocol?: unknown }).protocol === "string" && (v as { auth?: unknown }).auth === undefined;
}

/** A path argument as a string: a string, a Buffer/Uint8Array (UTF-8) or a file: URL. */
export function getPath(value: unknown, name = "path"): string {
  let path: string;
  if (typeof value === "string") path = value;
  else if (isUint8Array(value)) path = BufferCtor.from(value).toString("utf8");
  else if (isURLLike(value)) path = fileUrlPath(value);
  else throw invalidArgType(name, "of type string or an instance of Buffer or URL", value);
  if (path.includes("\u0000")) {
    const shown = path.replace(/\u0000/g, "\\x00");
    throw nodeError("ERR_INVALID_ARG_VALUE", `The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received '${shown}'`, TypeError);
  }
  return path;
}

/** `.`/`..` applied lexically against the cwd: only to show the guest its own spelling of a path in errors. */
function lexicalResolve(path: string): string {
  const cwd = (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? "/";
  const out: string[] = [];
  for (const seg of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/**
 * The host reports errors with the resolved path; Node names the path as the caller
 * spelled it (`open 'data.txt'`). Put the caller's spelling back where it is the same file.
 */
export function respell(err: unknown, path?: string, dest?: string): unknown {
  if (typeof err !== "object" || err === null) return err;
  const e = err as Error & { path?: string; dest?: string };
  const swap = (key: "path" | "dest", raw: string | undefined) => {
    const current = e[key];
    if (raw === undefined || typeof current !== "string" || current === raw) return;
    if (lexicalResolve(raw) !== current) return;
    e.message = e.message.replace(`'${current}'`, `'${raw}'`);
    e[key] = raw;
  };
  swap("path", path);
  swap("dest", dest);
  return err;
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

export interface EncodingOptions {
  encoding?: string | null;
  flag?: string | number;
  mode?: number | string;
  [key: string]: unknown;
}

export function validateEncoding(encoding: unknown): string | undefined {
  if (encoding === undefined || encoding === null || encoding === "buffer") return encoding === "buffer" ? "buffer" : undefined;
  if (typeof encoding !== "string" || !BufferCtor.isEncoding(encoding)) {
    throw nodeError("ERR_INVALID_ARG_VALUE", `The argument 'encoding' is invalid encoding. Received ${typeof encoding === "string" ? `'${encoding}'` : describeReceived(encoding)}`, TypeError);
  }
  return encoding;
}

/** Node's getOptions: a string is the encoding, an object is copied over the defaults. */
export function getOptions(options: unknown, defaults: EncodingOptions = {}): EncodingOptions {
  if (options === undefined || options === null || typeof options === "function") return { ...defaults };
  if (typeof options === "string") {
    validateEncoding(options);
    return { ...defaults, encoding: options };
  }
  if (typeof options !== "object") throw invalidArgType("options", "one of type string or an instance of Object", options);
  const merged = { ...defaults, ...(options as EncodingOptions) };
  if (merged.encoding !== undefined && merged.encoding !== null) validateEncoding(merged.encoding);
  return merged;
}

/** The encoding to send to the host: undefined means bytes. */
export function wireEncoding(encoding: unknown): string | undefined {
  const e = validateEncoding(encoding);
  return e === "buffer" ? undefined : e;
}

const FLAG_ALIASES: Record<string, string> = {
  r: "r", rs: "r", sr: "r", "r+": "r+", "rs+": "r+", "sr+": "r+",
  w: "w", wx: "wx", xw: "wx", "w+": "w+", "wx+": "wx+", "xw+": "wx+",
  a: "a", ax: "ax", xa: "ax", as: "a", sa: "a", "a+": "a+", "ax+": "ax+", "xa+": "ax+", "as+": "a+", "sa+": "a+",
};

/** Node's flag strings and numbers, as the host's ten open modes. */
export function toFlags(flags: unknown, fallback = "r"): string {
  if (flags === undefined || flags === null) return fallback;
  if (typeof flags === "string") {
    const f = FLAG_ALIASES[flags];
    if (f) return f;
    throw invalidArgValue("flags", flags);
  }
  if (typeof flags === "number" && Number.isInteger(flags)) {
    const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND } = constants;
    const rw = flags & 3;
    const plus = rw === O_RDWR ? "+" : "";
    const x = flags & O_EXCL ? "x" : "";
    if (flags & O_APPEND) return `a${x}${plus}`;
    if (flags & O_TRUNC || (flags & O_CREAT && rw !== 0)) return `w${x}${plus}`;
    if (rw === O_WRONLY) return "r+";
    return rw === O_RDWR ? "r+" : "r";
  }
  throw invalidArgValue("flags", flags);
}

/** A mode: a number, or an octal string like "755". */
export function parseMode(value: unknown, name: string, def: number): number {
  if (value === undefined || value === null) return def;
  if (typeof value === "string") {
    if (!/^[0-7]+$/.test(value)) throw invalidArgValue(name, value, "must be a 32-bit unsigned integer or an octal string");
    return parseInt(value, 8);
  }
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw nodeError("ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be >= 0 && <= 4294967295. Received ${value}`, RangeError);
  }
  return value;
}

/** File data for the host: a string (sent with its encoding) or a copy of the bytes. */
export function toWireData(data: unknown, name = "data"): string | ArrayBuffer {
  if (typeof data === "string") return data;
  if (ArrayBuffer.isView(data)) return toArrayBuffer(data);
  throw invalidArgType(name, "of type string or an instance of Buffer, TypedArray, or DataView", data);
}

export function toBuffer(bytes: unknown): Buf {
  return BufferCtor.from(bytes as ArrayBuffer);
}

/** A host result in the form the caller asked for: a string in `encoding` or a Buffer. */
export function decodeResult(value: unknown, encoding: string | undefined): unknown {
  if (typeof value === "string") return encoding === "buffer" ? BufferCtor.from(value, "utf8") : value;
  const bytes = isUint8Array(value) ? BufferCtor.from(value.buffer, value.byteOffset, value.byteLength) : toBuffer(value);
  return encoding && encoding !== "buffer" ? bytes.toString(encoding) : bytes;
}

/** A string the host returned, re-encoded as the caller asked (readlink, realpath, mkdtemp). */
export function encodeName(name: string, encoding: string | undefined): string | Buf {
  if (!encoding || encoding === "utf8" || encoding === "utf-8") return name;
  const bytes = BufferCtor.from(name, "utf8");
  return encoding === "buffer" ? bytes : bytes.toString(encoding);
}

// ---------------------------------------------------------------------------
// Stats, Dirent, Dir
// ---------------------------------------------------------------------------

interface StatRecord {
  dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number; rdev: number;
  size: number; blksize: number; blocks: number;
  atimeMs: number; mtimeMs: number; ctimeMs: number; birthtimeMs: number;
}

const S_IFMT = constants.S_IFMT;

class StatsBase<N extends number | bigint> {
  declare dev: N; declare mode: N; declare nlink: N; declare uid: N; declare gid: N; declare rdev: N;
  declare blksize: N; declare ino: N; declare size: N; declare blocks: N;
  #type(): number {
    return Number(this.mode) & S_IFMT;
  }
  isFile(): boolean {
    return this.#type() === constants.S_IFREG;
  }
  isDirectory(): boolean {
    return this.#type() === constants.S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return this.#type() === constants.S_IFLNK;
  }
  isBlockDevice(): boolean {
    return this.#type() === constants.S_IFBLK;
  }
  isCharacterDevice(): boolean {
    return this.#type() === constants.S_IFCHR;
  }
  isFIFO(): boolean {
    return this.#type() === constants.S_IFIFO;
  }
  isSocket(): boolean {
    return this.#type() === constants.S_IFSOCK;
  }
}

/** fs.Stats: numbers plus Date objects for the four times, as Node gives them. */
export class Stats extends StatsBase<number> {
  declare atimeMs: number; declare mtimeMs: number; declare ctimeMs: number; declare birthtimeMs: number;
  declare atime: Date; declare mtime: Date; declare ctime: Date; declare birthtime: Date;
  constructor(
    dev: number, mode: number, nlink: number, uid: number, gid: number, rdev: number, blksize: number,
    ino: number, size: number, blocks: number, atimeMs: number, mtimeMs: number, ctimeMs: number, birthtimeMs: number,
  ) {
    super();
    Object.assign(this, { dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, atimeMs, mtimeMs, ctimeMs, birthtimeMs });
    Object.assign(this, { atime: new Date(atimeMs), mtime: new Date(mtimeMs), ctime: new Date(ctimeMs), birthtime: new Date(birthtimeMs) });
  }
}

export class BigIntStats extends StatsBase<bigint> {
  declare atimeMs: bigint; declare mtimeMs: bigint; declare ctimeMs: bigint; declare birthtimeMs: bigint;
  declare atimeNs: bigint; declare mtimeNs: bigint; declare ctimeNs: bigint; declare birthtimeNs: bigint;
  declare atime: Date; declare mtime: Date; declare ctime: Date; declare birthtime: Date;
}

/** Field order of the host's stat record (src/shims/fs/bodies.ts STAT_FIELDS): 14 float64s. */
function statRecord(bytes: ArrayBuffer): StatRecord {
  const f = new Float64Array(bytes);
  return {
    dev: f[0]!, mode: f[1]!, nlink: f[2]!, uid: f[3]!, gid: f[4]!, rdev: f[5]!, blksize: f[6]!, ino: f[7]!,
    size: f[8]!, blocks: f[9]!, atimeMs: f[10]!, mtimeMs: f[11]!, ctimeMs: f[12]!, birthtimeMs: f[13]!,
  };
}

export function makeStats(bytes: unknown, bigint = false): Stats | BigIntStats {
  if (!bigint) {
    const f = new Float64Array(bytes as ArrayBuffer);
    return new Stats(f[0]!, f[1]!, f[2]!, f[3]!, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, f[10]!, f[11]!, f[12]!, f[13]!);
  }
  const r = statRecord(bytes as ArrayBuffer);
  const s = new BigIntStats();
  const big = s as unknown as Record<string, bigint | Date>;
  for (const key of ["dev", "mode", "nlink", "uid", "gid", "rdev", "blksize", "ino", "size", "blocks"] as const) big[key] = BigInt(Math.trunc(r[key]));
  for (const t of ["atime", "mtime", "ctime", "birthtime"] as const) {
    const ms = r[`${t}Ms`];
    big[`${t}Ms`] = BigInt(Math.trunc(ms));
    big[`${t}Ns`] = BigInt(Math.trunc(ms)) * 1000000n + BigInt(Math.round((ms % 1) * 1e6));
    big[t] = new Date(ms);
  }
  return s;
}

/** fs.Dirent: a name, the directory it was found in, and its type. */
export class Dirent {
  name: string | Buf;
  parentPath: string;
  path: string;
  #type: number;
  constructor(name: string | Buf, type: number, parentPath: string) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this.#type = type;
  }
  isFile(): boolean {
    return this.#type === constants.UV_DIRENT_FILE;
  }
  isDirectory(): boolean {
    return this.#type === constants.UV_DIRENT_DIR;
  }
  isSymbolicLink(): boolean {
    return this.#type === constants.UV_DIRENT_LINK;
  }
  isBlockDevice(): boolean {
    return this.#type === constants.UV_DIRENT_BLOCK;
  }
  isCharacterDevice(): boolean {
    return this.#type === constants.UV_DIRENT_CHAR;
  }
  isFIFO(): boolean {
    return this.#type === constants.UV_DIRENT_FIFO;
  }
  isSocket(): boolean {
    return this.#type === constants.UV_DIRENT_SOCKET;
  }
}

/** Joins a directory as the caller spelled it with a relative sub-path, the way path.join would. */
function joinSpelled(dir: string, rel: string): string {
  if (rel === "") return dir;
  return dir.endsWith("/") ? dir + rel : `${dir}/${rel}`;
}

/** The readdir result in the form asked: names (or Buffers), or Dirents. */
export function readdirResult(result: unknown, path: string, withFileTypes: boolean, encoding: string | undefined): unknown[] {
  if (!withFileTypes) return (result as string[]).map((name) => encodeName(name, encoding));
  return (result as { name: string; dir: string; type: number }[]).map(
    (e) => new Dirent(encodeName(e.name, encoding), e.type, joinSpelled(path, e.dir)),
  );
}

/** fs.Dir: the entries of a directory, read once at open, handed out one at a time. */
export class Dir {
  readonly path: string;
  #entries: Dirent[];
  #closed = false;
  constructor(path: string, entries: Dirent[]) {
    this.path = path;
    this.#entries = entries;
  }
  #check(): void {
    if (this.#closed) throw nodeError("ERR_DIR_CLOSED", "Directory handle was closed");
  }
  readSync(): Dirent | null {
    this.#check();
    return this.#entries.shift() ?? null;
  }
  read(cb?: (err: Error | null, entry?: Dirent | null) => void): Promise<Dirent | null> | void {
    if (typeof cb === "function") {
      let entry: Dirent | null;
      try {
        entry = this.readSync();
      } catch (e) {
        later(cb, e as Error);
        return;
      }
      later(cb, null, entry);
      return;
    }
    try {
      return Promise.resolve(this.readSync());
    } catch (e) {
      return Promise.reject(e);
    }
  }
  closeSync(): void {
    this.#check();
    this.#closed = true;
  }
  close(cb?: (err: Error | null) => void): Promise<void> | void {
    if (typeof cb === "function") {
      try {
        this.closeSync();
        later(cb, null);
      } catch (e) {
        later(cb, e as Error);
      }
      return;
    }
    try {
      this.closeSync();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }
  async *entries(): AsyncGenerator<Dirent> {
    try {
      for (let d = this.readSync(); d !== null; d = this.readSync()) yield d;
    } finally {
      if (!this.#closed) this.#closed = true;
    }
  }
  [Symbol.asyncIterator](): AsyncGenerator<Dirent> {
    return this.entries();
  }
}

// ---------------------------------------------------------------------------
// Calling ops
// ---------------------------------------------------------------------------

/** Calls a sync op, giving errors back with the caller's spelling of the paths. */
export function op(name: string, raw: readonly [string?, string?], ...args: unknown[]): unknown {
  try {
    return callOp(name, ...args);
  } catch (e) {
    throw respell(e, raw[0], raw[1]);
  }
}

export function opAsync(name: string, raw: readonly [string?, string?], ...args: unknown[]): Promise<unknown> {
  return callOpAsync(name, ...args).then(undefined, (e: unknown) => {
    throw respell(e, raw[0], raw[1]);
  });
}

type Tick = (cb: (...a: unknown[]) => unknown, ...args: unknown[]) => void;

/**
 * Calls a Node-style callback from the event loop, as Node does: never synchronously,
 * and an exception it throws is an uncaught exception, not a rejected promise.
 */
export function later(cb: (...a: any[]) => unknown, ...args: unknown[]): void {
  const tick = (globalThis as { process?: { nextTick: Tick } }).process?.nextTick;
  if (tick) tick(cb, ...args);
  else queueMicrotask(() => void cb(...args));
}

/** Settles a Node-style callback from a promise. */
export function toCallback<T>(promise: Promise<T>, cb: (err: Error | null, value?: T) => void): void {
  promise.then(
    (value) => later(cb, null, value),
    (err: Error) => later(cb, err),
  );
}

/** The last argument as the callback, checked like Node's `maybeCallback`. */
export function takeCallback(args: unknown[], required = 1): (err: Error | null, value?: unknown) => void {
  // The callback follows the required arguments; Node names what sits in its place.
  const cb = args.length > required ? args[args.length - 1] : undefined;
  if (typeof cb !== "function") throw invalidArgType("cb", "of type function", cb);
  args.length--;
  return cb as (err: Error | null, value?: unknown) => void;
}

/**
 * Node's SystemError (ERR_FS_EISDIR, ERR_FS_CP_*): `<prefix>: <syscall> returned <CODE>
 * (<detail>) <path>`, with the positive errno and the context under `info`.
 */
export function fsSystemError(code: string, prefix: string, ctx: { syscall: string; errno: number; code: string; message: string; path?: string; dest?: string }): Error {
  let message = `${prefix}: ${ctx.syscall} returned ${ctx.code} (${ctx.message})`;
  if (ctx.path !== undefined) message += ` ${ctx.path}`;
  if (ctx.dest !== undefined) message += ` => ${ctx.dest}`;
  const err = new Error(message) as Error & Record<string, unknown>;
  Object.defineProperty(err, "name", { value: "SystemError", writable: true, configurable: true });
  err.code = code;
  err.info = { ...ctx };
  err.errno = ctx.errno;
  err.syscall = ctx.syscall;
  if (ctx.path !== undefined) err.path = ctx.path;
  if (ctx.dest !== undefined) err.dest = ctx.dest;
  return err;
}

/** Segments of a path after lexical resolution against the cwd (for matching spellings). */
export function resolvedSegments(path: string): string[] {
  return lexicalResolve(path).split("/").filter(Boolean);
}
