/**
 * The bodies of the fs ops: what each guest fs call does with the filesystem, written
 * once as an `Io` generator (see io.ts) and run sync or async. Paths here are the
 * normalized absolute guest paths the permission gate granted. Where a backend lacks an
 * optional method the body says what a filesystem without that feature does (no links:
 * lstat is stat; no handles: read and write whole files), or fails with ENOSYS.
 */
import { Buffer } from "node:buffer";
import { checkPermission } from "../../driver/permissions.js";
import type { FsAccessRequest, VirtualDirEntry, VirtualFileSystem, VirtualOpenFlags, VirtualStat } from "../../driver/types.js";
import type { OpContext, PermissionRequest } from "../../runtime/bridge/op.js";
import { OpError, describeErrno } from "../../runtime/bridge/op-error.js";
import { guestDirname, guestJoin } from "../_host/paths.js";
import { fdTable, type OpenFile } from "./fd-table.js";
import { fh, has, vfs, type Io } from "./io.js";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Entries one recursive walk (readdir, rm, cp) may visit: a bound on host work per call. */
export const MAX_WALK_ENTRIES = 100_000;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

export function sysError(code: string, syscall: string, path?: string, dest?: string): OpError {
  return OpError.system(code, describeErrno(code), syscall, path, dest);
}

export function codeOf(error: unknown): string | undefined {
  if (error instanceof OpError) return error.record.code;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** A backend error re-said for this syscall and path (an inner path of a walk, say). */
export function restate(error: unknown, syscall: string, path: string, dest?: string): unknown {
  const code = codeOf(error);
  if (error instanceof OpError && error.record.errno === undefined) return error;
  return code && /^E[A-Z0-9]+$/.test(code) ? sysError(code, syscall, path, dest) : error;
}

function nodeSystemError(code: string, message: string, path: string, syscall: string, errno: string): OpError {
  // Node's SystemError shape (ERR_FS_EISDIR, ERR_FS_CP_*): a code, a message, no errno number.
  return new OpError({ code, message: `${message}: ${syscall} returned ${errno} (${describeErrno(errno)}) ${path}`, syscall, path });
}

// ---------------------------------------------------------------------------
// Values crossing to the guest
// ---------------------------------------------------------------------------

/** The order of a stat record's fields, shared with the guest's makeStats (`common.ts`). */
export const STAT_FIELDS = [
  "dev", "mode", "nlink", "uid", "gid", "rdev", "blksize", "ino", "size", "blocks",
  "atimeMs", "mtimeMs", "ctimeMs", "birthtimeMs",
] as const;

/**
 * A stat as 14 float64s in STAT_FIELDS order: one ArrayBuffer crosses to the guest
 * instead of an object built property by property, which costs a call each.
 */
export function statRecord(cx: OpContext, s: VirtualStat): Uint8Array {
  const time = guestTime(cx.exec.guestClockMs);
  let mode = Number(s.mode) >>> 0;
  // A backend may report only permission bits; the file type comes from the flags then.
  if ((mode & S_IFMT) === 0) mode |= s.isSymbolicLink ? S_IFLNK : s.isDirectory ? S_IFDIR : S_IFREG;
  const size = Number(s.size);
  const fields = new Float64Array([
    0,
    mode,
    Number(s.nlink ?? 1),
    Number(s.uid ?? cx.driver.processConfig.uid ?? 1000),
    Number(s.gid ?? cx.driver.processConfig.gid ?? 1000),
    0,
    4096,
    Number(s.ino ?? 0),
    size,
    Math.ceil(size / 4096) * 8,
    time(Number(s.atimeMs)),
    time(Number(s.mtimeMs)),
    time(Number(s.ctimeMs)),
    time(Number(s.birthtimeMs)),
  ]);
  return new Uint8Array(fields.buffer);
}

/**
 * File times as the guest may see them. Under timing mitigation "freeze" the guest's
 * clock stands at the exec's start, but a filesystem stamps every change with the real
 * time: the mtime of a file the guest just wrote would be a real clock, read to the
 * millisecond. So a time at or past the guest's clock — anything changed while the exec
 * ran, by the guest or anyone, and a time set with utimes to later than the guest's now —
 * shows as the guest's clock; earlier times show as they are. What the filesystem stores
 * is left alone: the host's view of its files stays true.
 */
function guestTime(clock: number | undefined): (t: number) => number {
  return clock === undefined ? (t) => t : (t) => (t >= clock ? clock : t);
}

/** Node's dirent type numbers (UV_DIRENT_*). */
export function direntType(e: VirtualDirEntry): number {
  if (e.isSymbolicLink) return 3;
  if (e.isDirectory) return 2;
  return e.isFile === false ? 0 : 1;
}

/** Bytes as the guest asked: a string in `encoding`, or the bytes themselves. */
export function encoded(bytes: Uint8Array, encoding: BufferEncoding | undefined): Uint8Array | string {
  if (!encoding) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);
}

/** Data from the guest (a string in `encoding`, or bytes) for a backend. */
export function toData(data: string | Uint8Array, encoding: BufferEncoding | undefined): string | Uint8Array {
  if (typeof data !== "string") return data;
  if (!encoding || encoding === "utf8" || encoding === "utf-8") return data;
  return new Uint8Array(Buffer.from(data, encoding));
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new Uint8Array(Buffer.from(data, "utf8")) : data;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

// ---------------------------------------------------------------------------
// Small reusable steps
// ---------------------------------------------------------------------------

/** stat, or undefined when the path does not exist. */
export function* statOrNull(fs: VirtualFileSystem, path: string, follow = true): Io<VirtualStat | undefined> {
  try {
    return follow || !has(fs, "lstat") ? yield* vfs(fs, "stat", path) : yield* vfs(fs, "lstat", path);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** The checks open(2) makes of the parent before creating a file: it exists and is a directory. */
function* requireParentDir(fs: VirtualFileSystem, path: string, syscall: string): Io<void> {
  if (path === "/") return;
  const parent = yield* statOrNull(fs, guestDirname(path));
  if (!parent) throw sysError("ENOENT", syscall, path);
  if (!parent.isDirectory) throw sysError("ENOTDIR", syscall, path);
}

// ---------------------------------------------------------------------------
// Links and the permission check of where they lead
// ---------------------------------------------------------------------------

const FS_METHODS = [
  "readFile", "readTextFile", "readDir", "readDirWithTypes", "writeFile", "createDir", "mkdir", "exists",
  "stat", "removeFile", "removeDir", "rename", "lstat", "symlink", "readlink", "realpath", "link", "chmod",
  "utimes", "truncate", "appendFile", "copyFile", "access", "open",
] as const;
const syncCapableCache = new WeakMap<object, boolean>();

/** Whether every method the filesystem has also has its synchronous counterpart. */
export function syncCapable(fs: VirtualFileSystem): boolean {
  let known = syncCapableCache.get(fs);
  if (known === undefined) {
    known = FS_METHODS.every((m) => !has(fs, m) || has(fs, `${m}Sync`));
    syncCapableCache.set(fs, known);
  }
  return known;
}

/** Whether the filesystem can have symbolic links at all. */
export function linkAware(fs: VirtualFileSystem): boolean {
  return has(fs, "lstat") && has(fs, "readlink");
}

/** Links followed in one resolution before giving up (the operation then fails with ELOOP). */
const MAX_LINK_HOPS = 40;

/**
 * Where `path` leads with its symbolic links resolved (the last component only when
 * `follow`), as far as the path exists; a missing rest is appended as named. Cheap for
 * an existing path (one realpath); walks component by component otherwise, so a dangling
 * link is followed to the file it would create.
 */
export function* resolveLinks(fs: VirtualFileSystem, path: string, follow: boolean): Io<string> {
  if (has(fs, "realpath")) {
    try {
      if (follow) return yield* vfs(fs, "realpath", path);
      if (path === "/") return path;
      const name = path.slice(path.lastIndexOf("/") + 1);
      return guestJoin(yield* vfs(fs, "realpath", guestDirname(path)), name);
    } catch {
      // Something on the way is missing: walk.
    }
  }
  const pending = path.split("/").filter((s) => s !== "");
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === ".") continue;
    if (name === "..") {
      done.pop();
      continue;
    }
    const here = `/${[...done, name].join("/")}`;
    let st: VirtualStat;
    try {
      st = yield* vfs(fs, "lstat", here);
    } catch {
      return resolveRest([...done, name], pending);
    }
    if (st.isSymbolicLink && (follow || pending.length > 0)) {
      if (++hops > MAX_LINK_HOPS) return path;
      const target: string = yield* vfs(fs, "readlink", here);
      if (target.startsWith("/")) done.length = 0;
      pending.unshift(...target.split("/").filter((s) => s !== ""));
      continue;
    }
    done.push(name);
  }
  return `/${done.join("/")}`;
}

function resolveRest(done: string[], rest: string[]): string {
  const out = done.slice();
  for (const name of rest) {
    if (name === "" || name === ".") continue;
    if (name === "..") out.pop();
    else out.push(name);
  }
  return `/${out.join("/")}`;
}

/**
 * One more permission check, made from inside a body (for an async-only backend, whose
 * links could not be resolved before the gate): the callback is awaited in an async run;
 * a synchronous run cannot wait for a promise and says so.
 */
export function* permit(cx: OpContext, request: PermissionRequest, denied: (reason?: string) => OpError): Io<void> {
  const ask = () => checkPermission(cx.driver.permissions, "fs", request.request as FsAccessRequest);
  const gate = {
    check: async () => {
      const d = await ask();
      if (!d.allow) throw denied(d.reason);
    },
    checkSync: () => {
      const d = ask();
      if (d instanceof Promise) {
        d.catch(() => {});
        throw OpError.node("ERR_SANDBOX_SYNC_UNAVAILABLE", "the fs permission callback returned a Promise, which a synchronous API cannot wait for in-process; use the async form of this API, or run the sandbox in worker mode");
      }
      if (!d.allow) throw denied(d.reason);
    },
  };
  yield { target: gate, method: "check", args: [], check: true };
}

// ---------------------------------------------------------------------------
// Whole-file operations
// ---------------------------------------------------------------------------

export function* readFileBody(fs: VirtualFileSystem, path: string): Io<Uint8Array> {
  try {
    return yield* vfs(fs, "readFile", path);
  } catch (error) {
    // Node reports reading a directory without a path: "EISDIR: ..., read".
    if (codeOf(error) === "EISDIR") throw sysError("EISDIR", "read");
    throw restate(error, "open", path);
  }
}

/** writeFile with flag "w": Node does not create parents, whatever the backend's writeFile does. */
export function* writeFileBody(fs: VirtualFileSystem, path: string, data: string | Uint8Array): Io<void> {
  yield* requireParentDir(fs, path, "open");
  try {
    yield* vfs(fs, "writeFile", path, data);
  } catch (error) {
    throw restate(error, "open", path);
  }
}

export function* appendFileBody(fs: VirtualFileSystem, path: string, data: string | Uint8Array): Io<void> {
  if (has(fs, "appendFile")) {
    try {
      return yield* vfs(fs, "appendFile", path, data);
    } catch (error) {
      throw restate(error, "open", path);
    }
  }
  yield* requireParentDir(fs, path, "open");
  const existing = yield* statOrNull(fs, path);
  if (existing?.isDirectory) throw sysError("EISDIR", "open", path);
  const before = existing ? yield* vfs(fs, "readFile", path) : new Uint8Array(0);
  yield* vfs(fs, "writeFile", path, concat(before, toBytes(data)));
}

export function* truncateBody(fs: VirtualFileSystem, path: string, length: number): Io<void> {
  if (has(fs, "truncate")) {
    try {
      return yield* vfs(fs, "truncate", path, length);
    } catch (error) {
      throw restate(error, "open", path);
    }
  }
  const st = yield* statOrNull(fs, path);
  if (!st) throw sysError("ENOENT", "open", path);
  if (st.isDirectory) throw sysError("EISDIR", "open", path);
  const bytes = yield* vfs(fs, "readFile", path);
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, Math.min(length, bytes.length)));
  yield* vfs(fs, "writeFile", path, out);
}

export function* copyFileBody(fs: VirtualFileSystem, src: string, dest: string, exclusive: boolean): Io<void> {
  if (has(fs, "copyFile")) {
    try {
      return yield* vfs(fs, "copyFile", src, dest, { exclusive });
    } catch (error) {
      throw restate(error, "copyfile", src, dest);
    }
  }
  const from = yield* statOrNull(fs, src);
  if (!from) throw sysError("ENOENT", "copyfile", src, dest);
  if (from.isDirectory) throw sysError("EISDIR", "copyfile", src, dest);
  const to = yield* statOrNull(fs, dest);
  if (to && exclusive) throw sysError("EEXIST", "copyfile", src, dest);
  if (to?.isDirectory) throw sysError("EISDIR", "copyfile", src, dest);
  yield* requireParentDir(fs, dest, "copyfile");
  yield* vfs(fs, "writeFile", dest, yield* vfs(fs, "readFile", src));
}

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

export function* statBody(fs: VirtualFileSystem, path: string, follow: boolean): Io<VirtualStat> {
  try {
    return follow || !has(fs, "lstat") ? yield* vfs(fs, "stat", path) : yield* vfs(fs, "lstat", path);
  } catch (error) {
    throw restate(error, follow ? "stat" : "lstat", path);
  }
}

export function* accessBody(fs: VirtualFileSystem, path: string, mode: number): Io<void> {
  if (has(fs, "access")) {
    try {
      return yield* vfs(fs, "access", path, mode);
    } catch (error) {
      throw restate(error, "access", path);
    }
  }
  // Without access(), existence is all that can be known.
  if (!(yield* statOrNull(fs, path))) throw sysError("ENOENT", "access", path);
}

export function* realpathBody(fs: VirtualFileSystem, path: string): Io<string> {
  if (has(fs, "realpath")) {
    try {
      return yield* vfs(fs, "realpath", path);
    } catch (error) {
      throw restate(error, "lstat", path);
    }
  }
  if (!(yield* statOrNull(fs, path))) throw sysError("ENOENT", "lstat", path);
  return path;
}

export function* readlinkBody(fs: VirtualFileSystem, path: string): Io<string> {
  if (has(fs, "readlink")) {
    try {
      return yield* vfs(fs, "readlink", path);
    } catch (error) {
      throw restate(error, "readlink", path);
    }
  }
  // A filesystem without links: whatever exists is not a link.
  if (!(yield* statOrNull(fs, path))) throw sysError("ENOENT", "readlink", path);
  throw sysError("EINVAL", "readlink", path);
}

/** Operations a backend either has or cannot do: ENOSYS, honestly. */
export function* optionalBody<M extends "chmod" | "utimes">(
  fs: VirtualFileSystem,
  method: M,
  syscall: string,
  path: string,
  ...args: M extends "chmod" ? [number] : [number, number]
): Io<void> {
  if (!has(fs, method)) throw sysError("ENOSYS", syscall, path);
  try {
    yield* (vfs as (...a: unknown[]) => Io<void>)(fs, method, path, ...args);
  } catch (error) {
    throw restate(error, syscall, path);
  }
}

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

/** mkdir; with `recursive`, returns the first directory it created (undefined if none), as Node does. */
export function* mkdirBody(fs: VirtualFileSystem, path: string, recursive: boolean): Io<string | undefined> {
  if (!recursive) {
    try {
      yield* vfs(fs, "createDir", path);
    } catch (error) {
      throw restate(error, "mkdir", path);
    }
    return undefined;
  }
  // Walk up to the deepest existing ancestor: what is below it is what gets created.
  let first: string | undefined;
  let probe = path;
  for (;;) {
    const st = yield* statOrNull(fs, probe);
    if (st) {
      if (!st.isDirectory) throw sysError(probe === path ? "EEXIST" : "ENOTDIR", "mkdir", path);
      break;
    }
    first = probe;
    if (probe === "/") break;
    probe = guestDirname(probe);
  }
  if (first === undefined) return undefined;
  try {
    yield* vfs(fs, "mkdir", path, { recursive: true });
  } catch (error) {
    throw restate(error, "mkdir", path);
  }
  return first;
}

export interface DirentRecord {
  name: string;
  /** The entry's directory relative to the listed one ("" for the listed one itself). */
  dir: string;
  type: number;
}

/** readdir: names, or typed entries; with `recursive`, breadth first like Node, not following links. */
export function* readdirBody(fs: VirtualFileSystem, path: string, withTypes: boolean, recursive: boolean): Io<string[] | DirentRecord[]> {
  const list = function* (dir: string): Io<VirtualDirEntry[]> {
    try {
      if (!withTypes && !recursive) return (yield* vfs(fs, "readDir", dir)).map((name: string) => ({ name, isDirectory: false }));
      return yield* vfs(fs, "readDirWithTypes", dir);
    } catch (error) {
      throw restate(error, "scandir", dir);
    }
  };
  if (!recursive) {
    const entries = yield* list(path);
    return withTypes ? entries.map((e) => ({ name: e.name, dir: "", type: direntType(e) })) : entries.map((e) => e.name);
  }
  const out: DirentRecord[] = [];
  const queue: string[] = [""];
  for (let i = 0; i < queue.length; i++) {
    const rel = queue[i]!;
    for (const e of yield* list(rel === "" ? path : guestJoin(path, rel))) {
      if (out.length >= MAX_WALK_ENTRIES) throw sysError("ENOMEM", "scandir", path);
      out.push({ name: e.name, dir: rel, type: direntType(e) });
      if (e.isDirectory && !e.isSymbolicLink) queue.push(rel === "" ? e.name : `${rel}/${e.name}`);
    }
  }
  return withTypes ? out : out.map((e) => (e.dir === "" ? e.name : `${e.dir}/${e.name}`));
}

export function* rmdirBody(fs: VirtualFileSystem, path: string): Io<void> {
  try {
    yield* vfs(fs, "removeDir", path);
  } catch (error) {
    throw restate(error, "rmdir", path);
  }
}

export function* unlinkBody(fs: VirtualFileSystem, path: string): Io<void> {
  try {
    yield* vfs(fs, "removeFile", path);
  } catch (error) {
    throw restate(error, "unlink", path);
  }
}

/** rm: files, links and (with `recursive`) whole trees; `force` ignores a missing path. */
export function* rmBody(fs: VirtualFileSystem, path: string, recursive: boolean, force: boolean): Io<void> {
  const st = yield* statOrNull(fs, path, false);
  if (!st) {
    if (force) return;
    throw sysError("ENOENT", "lstat", path);
  }
  if (!st.isDirectory || st.isSymbolicLink) return yield* unlinkBody(fs, path);
  if (!recursive) throw nodeSystemError("ERR_FS_EISDIR", "Path is a directory", path, "rm", "EISDIR");
  let budget = MAX_WALK_ENTRIES;
  const walk = function* (dir: string): Io<void> {
    let entries: VirtualDirEntry[];
    try {
      entries = yield* vfs(fs, "readDirWithTypes", dir);
    } catch (error) {
      throw restate(error, "scandir", dir);
    }
    for (const e of entries) {
      if (--budget < 0) throw sysError("ENOMEM", "rm", path);
      const child = guestJoin(dir, e.name);
      if (e.isDirectory && !e.isSymbolicLink) yield* walk(child);
      else yield* unlinkBody(fs, child);
    }
    yield* rmdirBody(fs, dir);
  };
  yield* walk(path);
}

export function* renameBody(fs: VirtualFileSystem, from: string, to: string): Io<void> {
  try {
    yield* vfs(fs, "rename", from, to);
  } catch (error) {
    throw restate(error, "rename", from, to);
  }
}

/**
 * cp: a file, or with `recursive` a tree. Links inside the tree are copied as links (with
 * relative targets made absolute, as Node's default `verbatimSymlinks: false` does), never
 * read through: where a link leads is checked when something uses it.
 */
export function* cpBody(
  fs: VirtualFileSystem,
  src: string,
  dest: string,
  opts: { recursive: boolean; force: boolean; errorOnExist: boolean },
): Io<void> {
  if (src === dest || dest.startsWith(`${src}/`)) {
    const message = src === dest ? "src and dest cannot be the same" : `cannot copy ${src} to a subdirectory of self ${dest}`;
    throw nodeSystemError("ERR_FS_CP_EINVAL", `Invalid src or dest: cp returned EINVAL (${message})`, dest, "cp", "EINVAL");
  }
  const top = yield* statOrNull(fs, src);
  if (!top) throw sysError("ENOENT", "stat", src);
  if (top.isDirectory && !opts.recursive) {
    throw new OpError({ code: "ERR_FS_EISDIR", message: `Recursive option is required to copy a directory: cp returned EISDIR (${src} is a directory (not copied)) ${src}`, syscall: "cp", path: src });
  }
  let budget = MAX_WALK_ENTRIES;
  const copy = function* (from: string, to: string, st: VirtualStat): Io<void> {
    if (--budget < 0) throw sysError("ENOMEM", "cp", src);
    const existing = yield* statOrNull(fs, to);
    if (st.isDirectory) {
      if (existing && !existing.isDirectory) {
        throw nodeSystemError("ERR_FS_CP_DIR_TO_NON_DIR", `Cannot overwrite non-directory with directory: cp returned EISDIR (cannot overwrite non-directory ${to} with directory ${from})`, to, "cp", "EISDIR");
      }
      if (!existing) yield* mkdirBody(fs, to, true);
      let entries: VirtualDirEntry[];
      try {
        entries = yield* vfs(fs, "readDirWithTypes", from);
      } catch (error) {
        throw restate(error, "scandir", from);
      }
      for (const e of entries) {
        const child = guestJoin(from, e.name);
        if (e.isSymbolicLink) {
          const target = yield* readlinkBody(fs, child);
          const absolute = target.startsWith("/") ? target : guestJoin(from, target);
          const dest = guestJoin(to, e.name);
          if (yield* statOrNull(fs, dest, false)) yield* unlinkBody(fs, dest);
          yield* symlinkBody(fs, absolute.split("/").reduce<string[]>((out, seg) => {
            if (seg === "..") out.pop();
            else if (seg !== "" && seg !== ".") out.push(seg);
            return out;
          }, []).reduce((acc, seg) => `${acc}/${seg}`, "") || "/", dest);
          continue;
        }
        const childStat = yield* statOrNull(fs, child, false);
        if (childStat) yield* copy(child, guestJoin(to, e.name), childStat);
      }
      return;
    }
    if (existing) {
      if (existing.isDirectory) {
        throw nodeSystemError("ERR_FS_CP_NON_DIR_TO_DIR", `Cannot overwrite directory with non-directory: cp returned EISDIR (cannot overwrite directory ${to} with non-directory ${from})`, to, "cp", "EISDIR");
      }
      if (!opts.force) {
        if (opts.errorOnExist) throw nodeSystemError("ERR_FS_CP_EEXIST", `Target already exists: cp returned EEXIST (${to} already exists)`, to, "cp", "EEXIST");
        return;
      }
    }
    yield* copyFileBody(fs, from, to, false);
  };
  yield* copy(src, dest, top);
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

export function* symlinkBody(fs: VirtualFileSystem, target: string, link: string): Io<void> {
  if (!has(fs, "symlink")) throw sysError("ENOSYS", "symlink", target, link);
  try {
    yield* vfs(fs, "symlink", target, link);
  } catch (error) {
    throw restate(error, "symlink", target, link);
  }
}

export function* linkBody(fs: VirtualFileSystem, from: string, to: string): Io<void> {
  if (!has(fs, "link")) throw sysError("ENOSYS", "link", from, to);
  try {
    yield* vfs(fs, "link", from, to);
  } catch (error) {
    throw restate(error, "link", from, to);
  }
}

// ---------------------------------------------------------------------------
// File descriptors
// ---------------------------------------------------------------------------

const READABLE = new Set<VirtualOpenFlags>(["r", "r+", "w+", "wx+", "a+", "ax+"]);

/** open: the backend's handle, or (without `open`) a path-based file read and written whole. */
export function* openBody(cx: OpContext, fs: VirtualFileSystem, path: string, flags: VirtualOpenFlags, mode: number): Io<number> {
  const table = fdTable(cx.exec);
  const file = (handle: OpenFile["handle"]): OpenFile => ({
    path,
    flags,
    readable: READABLE.has(flags),
    writable: flags !== "r",
    append: flags.startsWith("a"),
    handle,
    position: 0,
  });
  if (has(fs, "open")) {
    let handle;
    try {
      handle = yield* vfs(fs, "open", path, flags, mode);
    } catch (error) {
      throw restate(error, "open", path);
    }
    return table.add(file(handle));
  }
  const st = yield* statOrNull(fs, path);
  if (flags === "r" || flags === "r+") {
    if (!st) throw sysError("ENOENT", "open", path);
    if (flags === "r+" && st.isDirectory) throw sysError("EISDIR", "open", path);
  } else {
    if (st && flags.includes("x")) throw sysError("EEXIST", "open", path);
    if (st?.isDirectory) throw sysError("EISDIR", "open", path);
    if (!st) yield* requireParentDir(fs, path, "open");
    if (!st || flags.startsWith("w")) yield* vfs(fs, "writeFile", path, new Uint8Array(0));
  }
  return table.add(file(undefined));
}

export function* closeBody(cx: OpContext, fd: number): Io<void> {
  const table = fdTable(cx.exec);
  const file = table.get(fd, "close");
  table.remove(fd);
  if (file.handle) yield* fh(file.handle, "close");
}

/** Reads up to `length` bytes at `position` (or the file position, which then advances). */
export function* readBody(cx: OpContext, fs: VirtualFileSystem, fd: number, length: number, position: number | undefined): Io<Uint8Array> {
  if (fd === 0) return readStdin(cx, length);
  const file = fdTable(cx.exec).get(fd, "read");
  if (!file.readable) throw sysError("EBADF", "read");
  const at = position ?? file.position;
  let bytes: Uint8Array;
  try {
    if (file.handle) {
      bytes = yield* fh(file.handle, "read", length, at);
    } else {
      const all = yield* vfs(fs, "readFile", file.path);
      bytes = all.slice(Math.min(at, all.length), Math.min(at + length, all.length));
    }
  } catch (error) {
    throw restate(error, "read", file.path);
  }
  if (position === undefined) file.position += bytes.length;
  return bytes;
}

const stdinOffsets = new WeakMap<object, number>();

function readStdin(cx: OpContext, length: number): Uint8Array {
  const all = Buffer.from(cx.exec.stdin, "utf8");
  const offset = stdinOffsets.get(cx.exec) ?? 0;
  const out = new Uint8Array(all.subarray(offset, offset + length));
  stdinOffsets.set(cx.exec, offset + out.length);
  return out;
}

/** Writes all of `data` at `position` (or the file position); append mode always writes at the end. */
export function* writeBody(cx: OpContext, fs: VirtualFileSystem, fd: number, data: Uint8Array, position: number | undefined): Io<number> {
  if (fd === 1 || fd === 2) {
    cx.exec.write(fd === 1 ? "stdout" : "stderr", Buffer.from(data).toString("utf8"));
    return data.length;
  }
  const file = fdTable(cx.exec).get(fd, "write");
  if (!file.writable) throw sysError("EBADF", "write");
  let at = position ?? file.position;
  try {
    if (file.handle) {
      if (file.append) at = (yield* fh(file.handle, "stat")).size;
      yield* fh(file.handle, "write", data, at);
    } else {
      const before = yield* vfs(fs, "readFile", file.path);
      if (file.append) at = before.length;
      const out = new Uint8Array(Math.max(before.length, at + data.length));
      out.set(before, 0);
      out.set(data, at);
      yield* vfs(fs, "writeFile", file.path, out);
    }
  } catch (error) {
    throw restate(error, "write", file.path);
  }
  if (position === undefined || file.append) file.position = at + data.length;
  return data.length;
}

export function* fstatBody(cx: OpContext, fs: VirtualFileSystem, fd: number): Io<VirtualStat> {
  const file = fdTable(cx.exec).get(fd, "fstat");
  try {
    return file.handle ? yield* fh(file.handle, "stat") : yield* vfs(fs, "stat", file.path);
  } catch (error) {
    throw restate(error, "fstat", file.path);
  }
}

export function* ftruncateBody(cx: OpContext, fs: VirtualFileSystem, fd: number, length: number): Io<void> {
  const file = fdTable(cx.exec).get(fd, "ftruncate");
  if (!file.writable) throw sysError("EINVAL", "ftruncate");
  if (!file.handle) return yield* truncateBody(fs, file.path, length);
  try {
    yield* fh(file.handle, "truncate", length);
  } catch (error) {
    throw restate(error, "ftruncate", file.path);
  }
}

export function* fsyncBody(cx: OpContext, fd: number): Io<void> {
  const file = fdTable(cx.exec).get(fd, "fsync");
  if (file.handle && has(file.handle, "sync")) yield* fh(file.handle, "sync");
}
