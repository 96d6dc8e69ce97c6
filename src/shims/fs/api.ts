/**
 * The fs API, written once. Each function here is a *flow*: a generator that checks its
 * arguments the way Node does and yields the host ops it needs. `runSync` drives a flow
 * with synchronous op calls (readFileSync), `runAsync` with asynchronous ones (readFile,
 * fs.promises.readFile), so the three forms of every API cannot drift apart.
 */
import { invalidArgType, nodeError, notSupported } from "../_lib/errors.js";
import {
  Buffer,
  Dir,
  Dirent,
  constants,
  decodeResult,
  encodeName,
  getOptions,
  fsSystemError,
  getPath,
  makeStats,
  resolvedSegments,
  parseMode,
  readdirResult,
  respell,
  toFlags,
  toWireData,
  wireEncoding,
  type Stats,
  type BigIntStats,
} from "./common.js";
import { callOp, callOpAsync } from "../_lib/host.js";
import { outOfRange } from "../_lib/validators.js";

type Raw = readonly [string?, string?];
export interface Step {
  op: string;
  raw: Raw;
  args: unknown[];
}
export type Flow<R> = Generator<Step, R, unknown>;

function* call(op: string, raw: Raw, ...args: unknown[]): Flow<unknown> {
  return yield { op, raw, args };
}

export function runSync<R>(flow: Flow<R>): R {
  let input: unknown;
  let error: unknown;
  let failed = false;
  for (;;) {
    const step = failed ? flow.throw(error) : flow.next(input);
    failed = false;
    if (step.done) return step.value;
    const { op, raw, args } = step.value;
    try {
      input = callOp(op, ...args);
    } catch (e) {
      error = respell(e, raw[0], raw[1]);
      failed = true;
    }
  }
}

/**
 * Runs a flow with asynchronous ops. Its first stretch runs now, so a bad argument
 * throws at the call (as Node's callback APIs do); callers that must reject instead
 * (fs.promises) catch that.
 */
export function runAsync<R>(flow: Flow<R>): Promise<R> {
  const first = flow.next();
  const drive = async (): Promise<R> => {
    let step = first;
    for (;;) {
      if (step.done) return step.value;
      const { op, raw, args } = step.value;
      let input: unknown;
      try {
        input = await callOpAsync(op, ...args);
      } catch (e) {
        step = flow.throw(respell(e, raw[0], raw[1]));
        continue;
      }
      step = flow.next(input);
    }
  };
  return drive();
}

// ---------------------------------------------------------------------------
// Argument checks
// ---------------------------------------------------------------------------

export function validateFd(fd: unknown): number {
  if (typeof fd !== "number") throw invalidArgType("fd", "of type number", fd);
  if (!Number.isInteger(fd)) throw outOfRange("fd", "an integer", fd);
  if (fd < 0 || fd > 2147483647) throw outOfRange("fd", ">= 0 && <= 2147483647", fd);
  return fd;
}

function validateInt(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isInteger(value)) throw outOfRange(name, "an integer", value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

function validateBool(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw invalidArgType(name, "of type boolean", value);
  return value;
}

/** A file position: undefined for "current" (null, -1), else a non-negative safe integer. */
function toPosition(position: unknown): number | undefined {
  if (position === null || position === undefined || position === -1 || position === -1n) return undefined;
  if (typeof position === "bigint") return validateInt(Number(position), "position", 0);
  if (typeof position !== "number") throw invalidArgType("position", "of type number", position);
  return validateInt(position, "position", -1) === -1 ? undefined : position;
}

/** Node's toUnixTimestamp: seconds from a number, a numeric string or a Date. */
function toSeconds(time: unknown, name: string): number {
  if (typeof time === "number") return Number.isFinite(time) && time >= 0 ? time : Date.now() / 1000;
  if (typeof time === "string" && String(Number(time)) === time) return Number(time);
  if (time instanceof Date) return time.getTime() / 1000;
  throw invalidArgType(name, "of type number or an instance of Date", time);
}

function isView(v: unknown): v is ArrayBufferView {
  return ArrayBuffer.isView(v);
}

// ---------------------------------------------------------------------------
// Descriptor helpers
// ---------------------------------------------------------------------------

const CHUNK = 64 * 1024;

function* readAllFd(fd: number): Flow<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array((yield* call("fs.read", [], fd, CHUNK, undefined)) as ArrayBuffer);
    if (chunk.length === 0) break;
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks, total);
}

function* writeAllFd(fd: number, data: string | ArrayBuffer, encoding: string | undefined): Flow<void> {
  yield* call("fs.write", [], fd, data, encoding, undefined);
}

// ---------------------------------------------------------------------------
// Whole files
// ---------------------------------------------------------------------------

export function* readFile(path: unknown, options?: unknown): Flow<unknown> {
  const o = getOptions(options, { flag: "r" });
  const encoding = wireEncoding(o.encoding);
  const flag = toFlags(o.flag, "r");
  if (typeof path === "number") return decodeResult(yield* readAllFd(validateFd(path)), encoding);
  const p = getPath(path);
  if (flag !== "r") {
    const fd = (yield* call("fs.open", [p], p, flag, 0o666)) as number;
    try {
      return decodeResult(yield* readAllFd(fd), encoding);
    } finally {
      yield* call("fs.close", [], fd);
    }
  }
  return decodeResult(yield* call("fs.readFile", [p], p, encoding), encoding);
}

function* writeOrAppend(file: unknown, data: unknown, options: unknown, defaultFlag: "w" | "a"): Flow<void> {
  const o = getOptions(options, { encoding: "utf8", mode: 0o666, flag: defaultFlag });
  const flag = toFlags(o.flag, defaultFlag);
  const wire = toWireData(data);
  const encoding = typeof wire === "string" ? (wireEncoding(o.encoding) ?? "utf8") : undefined;
  const mode = parseMode(o.mode, "mode", 0o666);
  if (typeof file === "number") return yield* writeAllFd(validateFd(file), wire, encoding);
  const p = getPath(file, "path");
  if (flag === "w") return void (yield* call("fs.writeFile", [p], p, wire, encoding));
  if (flag === "a") return void (yield* call("fs.appendFile", [p], p, wire, encoding));
  const fd = (yield* call("fs.open", [p], p, flag, mode)) as number;
  try {
    yield* writeAllFd(fd, wire, encoding);
  } finally {
    yield* call("fs.close", [], fd);
  }
}

export function* writeFile(file: unknown, data: unknown, options?: unknown): Flow<void> {
  yield* writeOrAppend(file, data, options, "w");
}

export function* appendFile(file: unknown, data: unknown, options?: unknown): Flow<void> {
  yield* writeOrAppend(file, data, options, "a");
}

export function* truncate(path: unknown, len: unknown = 0): Flow<void> {
  const length = len === undefined || len === null ? 0 : validateInt(len, "len", -Number.MAX_SAFE_INTEGER);
  if (typeof path === "number") return yield* ftruncate(path, length);
  const p = getPath(path);
  yield* call("fs.truncate", [p], p, Math.max(0, length));
}

export function* copyFile(src: unknown, dest: unknown, mode: unknown = 0): Flow<void> {
  const s = getPath(src, "src");
  const d = getPath(dest, "dest");
  const m = mode === undefined || mode === null ? 0 : validateInt(mode, "mode", 0, 7);
  yield* call("fs.copyFile", [s, d], s, d, m);
}

interface CpOptions {
  recursive?: unknown;
  force?: unknown;
  errorOnExist?: unknown;
  filter?: unknown;
  dereference?: unknown;
  preserveTimestamps?: unknown;
  verbatimSymlinks?: unknown;
  mode?: unknown;
}

export function* cp(src: unknown, dest: unknown, options?: unknown): Flow<void> {
  const s = getPath(src, "src");
  const d = getPath(dest, "dest");
  const o = (options ?? {}) as CpOptions;
  if (typeof o !== "object") throw invalidArgType("options", "of type object", options);
  if (o.filter !== undefined) throw notSupported("The filter option of fs.cp()");
  const recursive = validateBool(o.recursive, "options.recursive");
  const force = o.force === undefined ? true : validateBool(o.force, "options.force");
  const errorOnExist = validateBool(o.errorOnExist, "options.errorOnExist");
  const from = resolvedSegments(s).join("/");
  const to = resolvedSegments(d).join("/");
  if (from === to || to.startsWith(`${from}/`)) {
    const message = from === to ? "src and dest cannot be the same" : `cannot copy ${s} to a subdirectory of self ${d}`;
    throw fsSystemError("ERR_FS_CP_EINVAL", "Invalid src or dest", { message, path: d, syscall: "cp", errno: 22, code: "EINVAL" });
  }
  try {
    yield* call("fs.cp", [s, d], s, d, recursive, force, errorOnExist);
  } catch (e) {
    if ((e as { code?: string }).code !== "ERR_FS_EISDIR") throw e;
    throw fsSystemError("ERR_FS_EISDIR", "Path is a directory", { message: `${s} is a directory (not copied)`, path: s, syscall: "cp", errno: 22, code: "EISDIR" });
  }
}

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

interface StatOptions {
  bigint?: boolean;
  throwIfNoEntry?: boolean;
}

function* statVia(op: string, path: unknown, options: unknown): Flow<Stats | BigIntStats | undefined> {
  const p = getPath(path);
  const o = (options ?? {}) as StatOptions;
  try {
    return makeStats((yield* call(op, [p], p)), o.bigint === true);
  } catch (e) {
    if (o.throwIfNoEntry === false && (e as { code?: string }).code === "ENOENT") return undefined;
    throw e;
  }
}

export function* stat(path: unknown, options?: unknown): Flow<Stats | BigIntStats | undefined> {
  return yield* statVia("fs.stat", path, options);
}

export function* lstat(path: unknown, options?: unknown): Flow<Stats | BigIntStats | undefined> {
  return yield* statVia("fs.lstat", path, options);
}

export function* fstat(fd: unknown, options?: unknown): Flow<Stats | BigIntStats> {
  const n = validateFd(fd);
  const o = (options ?? {}) as StatOptions;
  return makeStats((yield* call("fs.fstat", [], n)), o.bigint === true);
}

/** exists: never throws, except when the filesystem cannot answer synchronously at all. */
export function* exists(path: unknown): Flow<boolean> {
  let p: string;
  try {
    p = getPath(path);
  } catch {
    return false;
  }
  try {
    return (yield* call("fs.exists", [p], p)) === true;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_SANDBOX_SYNC_UNAVAILABLE") throw e;
    return false;
  }
}

export function* access(path: unknown, mode: unknown = constants.F_OK): Flow<void> {
  const p = getPath(path);
  const m = mode === undefined || mode === null ? 0 : validateInt(mode, "mode", 0);
  // Node words this one range check its own way.
  if (m > 7) throw nodeError("ERR_OUT_OF_RANGE", "mode is out of range: >= 0 && <= 7", RangeError);
  yield* call("fs.access", [p], p, m);
}

export function* realpath(path: unknown, options?: unknown): Flow<unknown> {
  const p = getPath(path);
  const o = getOptions(options);
  // Node's realpath reports a missing path as its lstat of the resolved absolute path.
  return encodeName((yield* call("fs.realpath", [], p)) as string, o.encoding ?? undefined);
}

export function* chmod(path: unknown, mode: unknown): Flow<void> {
  const p = getPath(path);
  const m = parseMode(mode, "mode", NaN);
  if (Number.isNaN(m)) throw invalidArgType("mode", "of type number", mode);
  yield* call("fs.chmod", [p], p, m);
}

export function* fchmod(fd: unknown, mode: unknown): Flow<void> {
  const n = validateFd(fd);
  const m = parseMode(mode, "mode", NaN);
  if (Number.isNaN(m)) throw invalidArgType("mode", "of type number", mode);
  yield* call("fs.fchmod", [], n, m);
}

export function* utimes(path: unknown, atime: unknown, mtime: unknown): Flow<void> {
  const p = getPath(path);
  yield* call("fs.utimes", [p], p, toSeconds(atime, "atime"), toSeconds(mtime, "mtime"));
}

export function* futimes(fd: unknown, atime: unknown, mtime: unknown): Flow<void> {
  const n = validateFd(fd);
  yield* call("fs.futimes", [], n, toSeconds(atime, "atime"), toSeconds(mtime, "mtime"));
}

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

export function* mkdir(path: unknown, options?: unknown): Flow<string | undefined> {
  const p = getPath(path);
  let recursive = false;
  if (typeof options === "number" || typeof options === "string") {
    parseMode(options, "mode", 0o777);
  } else if (options !== undefined && options !== null) {
    if (typeof options !== "object") throw invalidArgType("options", "of type object", options);
    const o = options as { recursive?: unknown; mode?: unknown };
    recursive = validateBool(o.recursive, "options.recursive");
    parseMode(o.mode, "options.mode", 0o777);
  }
  const first = (yield* call("fs.mkdir", [p], p, recursive)) as string | undefined;
  if (!recursive || first === undefined || first === null) return undefined;
  // Node answers in the caller's spelling: drop as many trailing names as were below the first new directory.
  const below = resolvedSegments(p).length - first.split("/").filter(Boolean).length;
  if (below <= 0) return p;
  const names = p.split("/");
  while (names.length > 0 && names[names.length - 1] === "") names.pop();
  return names.slice(0, names.length - below).join("/") || "/";
}

export function* mkdtemp(prefix: unknown, options?: unknown): Flow<unknown> {
  const o = getOptions(options);
  const p = getPath(prefix, "prefix");
  const made = (yield* call("fs.mkdtemp", [], p)) as string;
  // Node answers in the caller's spelling: the prefix plus the six random characters.
  return encodeName(p + made.slice(-6), o.encoding ?? undefined);
}

export function* readdir(path: unknown, options?: unknown): Flow<unknown[]> {
  const p = getPath(path);
  const o = getOptions(options, { encoding: "utf8" });
  const withFileTypes = Boolean(o.withFileTypes);
  const recursive = Boolean(o.recursive);
  const result = yield* call("fs.readdir", [p], p, withFileTypes, recursive);
  return readdirResult(result as unknown[], p, withFileTypes, o.encoding ?? undefined);
}

export function* opendir(path: unknown, options?: unknown): Flow<Dir> {
  const p = getPath(path);
  const o = getOptions(options, { encoding: "utf8" });
  const result = yield* call("fs.readdir", [p], p, true, Boolean(o.recursive));
  return new Dir(p, readdirResult(result as unknown[], p, true, o.encoding ?? undefined) as Dirent[]);
}

export function* rmdir(path: unknown, options?: unknown): Flow<void> {
  const p = getPath(path);
  const o = (options ?? {}) as { recursive?: unknown };
  if (validateBool(o.recursive, "options.recursive")) return void (yield* call("fs.rm", [p], p, true, false));
  yield* call("fs.rmdir", [p], p);
}

export function* rm(path: unknown, options?: unknown): Flow<void> {
  const p = getPath(path);
  if (options !== undefined && (typeof options !== "object" || options === null)) throw invalidArgType("options", "of type object", options);
  const o = (options ?? {}) as { recursive?: unknown; force?: unknown };
  try {
    yield* call("fs.rm", [p], p, validateBool(o.recursive, "options.recursive"), validateBool(o.force, "options.force"));
  } catch (e) {
    if ((e as { code?: string }).code !== "ERR_FS_EISDIR") throw e;
    throw fsSystemError("ERR_FS_EISDIR", "Path is a directory", { code: "EISDIR", message: "is a directory", path: p, syscall: "rm", errno: 21 });
  }
}

export function* unlink(path: unknown): Flow<void> {
  const p = getPath(path);
  yield* call("fs.unlink", [p], p);
}

export function* rename(oldPath: unknown, newPath: unknown): Flow<void> {
  const from = getPath(oldPath, "oldPath");
  const to = getPath(newPath, "newPath");
  yield* call("fs.rename", [from, to], from, to);
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

export function* symlink(target: unknown, path: unknown, type?: unknown): Flow<void> {
  const t = getPath(target, "target");
  const p = getPath(path);
  if (type !== undefined && type !== null && type !== "file" && type !== "dir" && type !== "junction") {
    throw nodeError("ERR_FS_INVALID_SYMLINK_TYPE", `Symlink type must be one of "dir", "file", or "junction". Received "${String(type)}"`);
  }
  yield* call("fs.symlink", [t, p], t, p);
}

export function* readlink(path: unknown, options?: unknown): Flow<unknown> {
  const p = getPath(path);
  const o = getOptions(options);
  return encodeName((yield* call("fs.readlink", [p], p)) as string, o.encoding ?? undefined);
}

export function* link(existingPath: unknown, newPath: unknown): Flow<void> {
  const from = getPath(existingPath, "existingPath");
  const to = getPath(newPath, "newPath");
  yield* call("fs.link", [from, to], from, to);
}

// ---------------------------------------------------------------------------
// File descriptors
// ---------------------------------------------------------------------------

export function* open(path: unknown, flags?: unknown, mode?: unknown): Flow<number> {
  const p = getPath(path);
  const f = toFlags(typeof flags === "function" ? undefined : flags, "r");
  const m = parseMode(typeof mode === "function" ? undefined : mode, "mode", 0o666);
  return (yield* call("fs.open", [p], p, f, m)) as number;
}

export function* close(fd: unknown): Flow<void> {
  yield* call("fs.close", [], validateFd(fd));
}

export function* fsync(fd: unknown): Flow<void> {
  yield* call("fs.fsync", [], validateFd(fd));
}

export function* ftruncate(fd: unknown, len: unknown = 0): Flow<void> {
  const n = validateFd(fd);
  const length = len === undefined || len === null ? 0 : validateInt(len, "len", -Number.MAX_SAFE_INTEGER);
  yield* call("fs.ftruncate", [], n, Math.max(0, length));
}

interface ReadOptions {
  buffer?: unknown;
  offset?: unknown;
  length?: unknown;
  position?: unknown;
}

/** read(fd, buffer, offset, length, position) and its options forms; resolves to bytesRead. */
export function* read(fd: unknown, buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Flow<number> {
  const n = validateFd(fd);
  let offset: unknown = offsetOrOptions;
  if (typeof offsetOrOptions === "object" && offsetOrOptions !== null) {
    const o = offsetOrOptions as ReadOptions;
    offset = o.offset;
    length = o.length;
    position = o.position;
  }
  if (!isView(buffer)) throw invalidArgType("buffer", "an instance of Buffer, TypedArray, or DataView", buffer);
  const size = buffer.byteLength;
  // Node's order and wording (validateOffsetLengthRead).
  const off = offset === undefined || offset === null ? 0 : validateInt(offset, "offset", 0);
  const len = length === undefined || length === null ? size - off : validateInt(length, "length", -Number.MAX_SAFE_INTEGER);
  if (len === 0) return 0;
  if (len < 0) throw outOfRange("length", ">= 0", len);
  if (off + len > size) throw outOfRange("length", `<= ${size - off}`, len);
  const pos = toPosition(position);
  const got = new Uint8Array((yield* call("fs.read", [], n, len, pos)) as ArrayBuffer);
  new Uint8Array(buffer.buffer, buffer.byteOffset + off, got.length).set(got);
  return got.length;
}

/** write(fd, buffer[, offset[, length[, position]]]) or write(fd, string[, position[, encoding]]); resolves to bytesWritten. */
export function* write(fd: unknown, data: unknown, a?: unknown, b?: unknown, c?: unknown): Flow<number> {
  const n = validateFd(fd);
  if (isView(data)) {
    let offset = a;
    let length = b;
    let position = c;
    if (typeof a === "object" && a !== null) {
      const o = a as ReadOptions;
      offset = o.offset;
      length = o.length;
      position = o.position;
    }
    const size = data.byteLength;
    // Node's order and wording (validateOffsetLengthWrite).
    const off = offset === undefined || offset === null ? 0 : validateInt(offset, "offset", 0);
    if (off > size) throw outOfRange("offset", `<= ${size}`, off);
    const len = length === undefined || length === null ? size - off : validateInt(length, "length", -Number.MAX_SAFE_INTEGER);
    if (len > size - off) throw outOfRange("length", `<= ${size - off}`, len);
    if (len < 0) throw outOfRange("length", ">= 0", len);
    const bytes = new Uint8Array(data.buffer, data.byteOffset + off, len).slice().buffer;
    return (yield* call("fs.write", [], n, bytes, undefined, toPosition(position))) as number;
  }
  if (typeof data !== "string") {
    throw invalidArgType("buffer", "of type string or an instance of Buffer, TypedArray, or DataView", data);
  }
  const encoding = typeof b === "string" ? wireEncoding(b) : "utf8";
  return (yield* call("fs.write", [], n, data, encoding ?? "utf8", toPosition(a))) as number;
}

export function* readv(fd: unknown, buffers: unknown, position?: unknown): Flow<number> {
  if (!Array.isArray(buffers)) throw invalidArgType("buffers", "an instance of ArrayBufferView[]", buffers);
  let pos = toPosition(position);
  let total = 0;
  for (const buffer of buffers as ArrayBufferView[]) {
    const got = yield* read(fd, buffer, 0, buffer.byteLength, pos ?? null);
    total += got;
    if (pos !== undefined) pos += got;
    if (got < buffer.byteLength) break;
  }
  return total;
}

export function* writev(fd: unknown, buffers: unknown, position?: unknown): Flow<number> {
  if (!Array.isArray(buffers)) throw invalidArgType("buffers", "an instance of ArrayBufferView[]", buffers);
  let pos = toPosition(position);
  let total = 0;
  for (const buffer of buffers as ArrayBufferView[]) {
    const wrote = yield* write(fd, buffer, 0, buffer.byteLength, pos ?? null);
    total += wrote;
    if (pos !== undefined) pos += wrote;
  }
  return total;
}
