/**
 * Host ops behind `fs` and `fs/promises`. Each op decodes its arguments, resolves every
 * guest path once against the exec's cwd (`at`), and names the FsAccessRequests the
 * gate must grant: both paths for rename, copy, cp, link and symlink. The body then
 * works only on the granted paths (`granted.fsPath(n)`), synchronously or not through
 * the same generator (see io.ts and bodies.ts).
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import type { FsOp, VirtualOpenFlags } from "../../driver/types.js";
import * as arg from "../../runtime/bridge/decoders.js";
import type { Decoder } from "../../runtime/bridge/decoders.js";
import { defineOp, type Granted, type Op, type OpContext, type PermissionRequest } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { guestDirname, resolveGuestPath } from "../_host/paths.js";
import * as body from "./bodies.js";
import { fdTable } from "./fd-table.js";
import { runAsync, runSync, vfs, type Io } from "./io.js";

// ---------------------------------------------------------------------------
// Argument decoders special to fs
// ---------------------------------------------------------------------------

/** File data: a string (with an encoding argument beside it) or bytes as an ArrayBuffer. */
const data: Decoder<string | Uint8Array> = (cx, h, name) =>
  cx.context.typeof(h) === "string" ? arg.string(cx, h, name) : arg.bytes(cx, h, name);

/** An encoding Buffer knows, or undefined for bytes ("buffer" means bytes too). */
const encoding: Decoder<BufferEncoding | undefined> = (cx, h, name) => {
  const e = arg.optional(arg.string)(cx, h, name);
  if (e === undefined || e === "buffer") return undefined;
  if (!Buffer.isEncoding(e)) throw OpError.node("ERR_INVALID_ARG_VALUE", `The argument 'encoding' is invalid encoding. Received '${e.slice(0, 32)}'`);
  return e;
};

const FLAGS: VirtualOpenFlags[] = ["r", "r+", "w", "wx", "w+", "wx+", "a", "ax", "a+", "ax+"];
const flags = arg.oneOf(...FLAGS);
const fd = arg.integer;
/** A file position: a non-negative integer, or undefined for "the current position". */
const position = arg.optional(arg.integer);

// ---------------------------------------------------------------------------
// Building ops
// ---------------------------------------------------------------------------

type DecodedArgs<D extends readonly Decoder<unknown>[]> = { [K in keyof D]: D[K] extends Decoder<infer T> ? T : never };

interface FsOpSpec<D extends readonly Decoder<unknown>[], R> {
  name: string;
  args: D;
  syscall: string;
  permission?: (args: DecodedArgs<D>, cx: OpContext) => PermissionRequest[];
  body: (cx: OpContext, args: DecodedArgs<D>, granted: Granted) => Io<R>;
}

/** An op whose sync and async forms run the same body. */
function fsOp<const D extends readonly Decoder<unknown>[], R>(spec: FsOpSpec<D, R>): Op {
  return defineOp({
    name: spec.name,
    args: spec.args,
    syscall: spec.syscall,
    ...(spec.permission ? { permission: spec.permission } : {}),
    sync: (cx, args, granted) => runSync(spec.body(cx, args, granted)),
    async: (cx, args, granted) => runAsync(spec.body(cx, args, granted)),
  });
}

/** The one place a guest path becomes a checked path: resolved against the guest cwd. */
function at(cx: OpContext, path: string): string {
  return resolveGuestPath(cx.exec.cwd, path);
}

function req(op: FsOp, path: string): PermissionRequest {
  return { kind: "fs", request: { op, path } };
}

function* map<T, R>(io: Io<T>, f: (v: T) => R): Io<R> {
  return f(yield* io);
}

/** Requests an open with these flags needs: reading, writing, or both. */
function openRequests(path: string, f: VirtualOpenFlags): PermissionRequest[] {
  if (f === "r") return [req("read", path)];
  return f.includes("+") ? [req("read", path), req("write", path)] : [req("write", path)];
}

// ---------------------------------------------------------------------------
// Whole files
// ---------------------------------------------------------------------------

const readFile = fsOp({
  name: "fs.readFile",
  args: [arg.pathString, encoding],
  syscall: "open",
  permission: ([p], cx) => [req("read", at(cx, p))],
  body: (cx, [, enc], g) => map(body.readFileBody(cx.driver.filesystem, g.fsPath()), (bytes) => body.encoded(bytes, enc)),
});

const writeFile = fsOp({
  name: "fs.writeFile",
  args: [arg.pathString, data, encoding],
  syscall: "open",
  permission: ([p], cx) => [req("write", at(cx, p))],
  body: (cx, [, d, enc], g) => body.writeFileBody(cx.driver.filesystem, g.fsPath(), body.toData(d, enc)),
});

const appendFile = fsOp({
  name: "fs.appendFile",
  args: [arg.pathString, data, encoding],
  syscall: "open",
  permission: ([p], cx) => [req("write", at(cx, p))],
  body: (cx, [, d, enc], g) => body.appendFileBody(cx.driver.filesystem, g.fsPath(), body.toData(d, enc)),
});

const truncate = fsOp({
  name: "fs.truncate",
  args: [arg.pathString, arg.integer],
  syscall: "open",
  permission: ([p], cx) => [req("truncate", at(cx, p))],
  body: (cx, [, len], g) => body.truncateBody(cx.driver.filesystem, g.fsPath(), Math.max(0, len)),
});

const copyFile = fsOp({
  name: "fs.copyFile",
  args: [arg.pathString, arg.pathString, arg.integer],
  syscall: "copyfile",
  permission: ([src, dest], cx) => [req("copy", at(cx, src)), req("copy", at(cx, dest))],
  body: (cx, [, , mode], g) => body.copyFileBody(cx.driver.filesystem, g.fsPath(0), g.fsPath(1), (mode & 1) !== 0),
});

const cp = fsOp({
  name: "fs.cp",
  args: [arg.pathString, arg.pathString, arg.boolean, arg.boolean, arg.boolean],
  syscall: "cp",
  permission: ([src, dest], cx) => [req("copy", at(cx, src)), req("copy", at(cx, dest))],
  body: (cx, [, , recursive, force, errorOnExist], g) =>
    body.cpBody(cx.driver.filesystem, g.fsPath(0), g.fsPath(1), { recursive, force, errorOnExist }),
});

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

const stat = fsOp({
  name: "fs.stat",
  args: [arg.pathString],
  syscall: "stat",
  permission: ([p], cx) => [req("stat", at(cx, p))],
  body: (cx, _a, g) => map(body.statBody(cx.driver.filesystem, g.fsPath(), true), (s) => body.statRecord(cx, s)),
});

const lstat = fsOp({
  name: "fs.lstat",
  args: [arg.pathString],
  syscall: "lstat",
  permission: ([p], cx) => [req("stat", at(cx, p))],
  body: (cx, _a, g) => map(body.statBody(cx.driver.filesystem, g.fsPath(), false), (s) => body.statRecord(cx, s)),
});

/** exists: a boolean. The guest's existsSync turns a denial (EACCES) into false, as Node does. */
const exists = fsOp({
  name: "fs.exists",
  args: [arg.pathString],
  syscall: "access",
  permission: ([p], cx) => [req("exists", at(cx, p))],
  body: (cx, _a, g) => vfs(cx.driver.filesystem, "exists", g.fsPath()),
});

const access = fsOp({
  name: "fs.access",
  args: [arg.pathString, arg.integer],
  syscall: "access",
  permission: ([p], cx) => [req("access", at(cx, p))],
  body: (cx, [, mode], g) => body.accessBody(cx.driver.filesystem, g.fsPath(), mode & 7),
});

const realpath = fsOp({
  name: "fs.realpath",
  args: [arg.pathString],
  // Node's realpath walks with lstat and reports a missing part that way.
  syscall: "lstat",
  permission: ([p], cx) => [req("realpath", at(cx, p))],
  body: (cx, _a, g) => body.realpathBody(cx.driver.filesystem, g.fsPath()),
});

const chmod = fsOp({
  name: "fs.chmod",
  args: [arg.pathString, arg.integer],
  syscall: "chmod",
  permission: ([p], cx) => [req("chmod", at(cx, p))],
  body: (cx, [, mode], g) => body.optionalBody(cx.driver.filesystem, "chmod", "chmod", g.fsPath(), mode & 0o7777),
});

const utimes = fsOp({
  name: "fs.utimes",
  args: [arg.pathString, arg.number, arg.number],
  syscall: "utime",
  permission: ([p], cx) => [req("utimes", at(cx, p))],
  body: (cx, [, atime, mtime], g) => body.optionalBody(cx.driver.filesystem, "utimes", "utime", g.fsPath(), atime, mtime),
});

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

const mkdir = fsOp({
  name: "fs.mkdir",
  args: [arg.pathString, arg.boolean],
  syscall: "mkdir",
  permission: ([p], cx) => [req("mkdir", at(cx, p))],
  body: (cx, [, recursive], g) => body.mkdirBody(cx.driver.filesystem, g.fsPath(), recursive),
});

/**
 * mkdtemp: the random suffix is drawn while building the request, so the exact
 * directory the callback approves is the one created.
 */
const mkdtemp = fsOp({
  name: "fs.mkdtemp",
  args: [arg.pathString],
  syscall: "mkdtemp",
  permission: ([prefix], cx) => {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const suffix = Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join("");
    return [req("mkdir", at(cx, prefix + suffix))];
  },
  body: (cx, _a, g) => map(body.mkdirBody(cx.driver.filesystem, g.fsPath(), false), () => g.fsPath()),
});

const readdir = fsOp({
  name: "fs.readdir",
  args: [arg.pathString, arg.boolean, arg.boolean],
  syscall: "scandir",
  permission: ([p], cx) => [req("readdir", at(cx, p))],
  body: (cx, [, withTypes, recursive], g) => body.readdirBody(cx.driver.filesystem, g.fsPath(), withTypes, recursive),
});

const rmdir = fsOp({
  name: "fs.rmdir",
  args: [arg.pathString],
  syscall: "rmdir",
  permission: ([p], cx) => [req("rm", at(cx, p))],
  body: (cx, _a, g) => body.rmdirBody(cx.driver.filesystem, g.fsPath()),
});

const unlink = fsOp({
  name: "fs.unlink",
  args: [arg.pathString],
  syscall: "unlink",
  permission: ([p], cx) => [req("rm", at(cx, p))],
  body: (cx, _a, g) => body.unlinkBody(cx.driver.filesystem, g.fsPath()),
});

const rm = fsOp({
  name: "fs.rm",
  args: [arg.pathString, arg.boolean, arg.boolean],
  syscall: "rm",
  permission: ([p], cx) => [req("rm", at(cx, p))],
  body: (cx, [, recursive, force], g) => body.rmBody(cx.driver.filesystem, g.fsPath(), recursive, force),
});

const rename = fsOp({
  name: "fs.rename",
  args: [arg.pathString, arg.pathString],
  syscall: "rename",
  permission: ([from, to], cx) => [req("rename", at(cx, from)), req("rename", at(cx, to))],
  body: function* (cx, _a, g) {
    const fs = cx.driver.filesystem;
    const from = g.fsPath(0);
    const to = g.fsPath(1);
    yield* guardMovedLink(cx, from, to);
    yield* body.renameBody(fs, from, to);
  },
});

/**
 * A relative link means something else once moved: `a/b/l -> ../../x` names `/x` from
 * `/`. Moving one must not give the guest a link to a place it may not link to, so the
 * target as seen from the new place is checked like a new symlink's target.
 */
function* guardMovedLink(cx: OpContext, from: string, to: string): Io<void> {
  const fs = cx.driver.filesystem;
  const st = yield* body.statOrNull(fs, from, false);
  if (!st?.isSymbolicLink || typeof fs.readlink !== "function") return;
  const target = yield* body.readlinkBody(fs, from);
  if (target.startsWith("/")) return;
  const moved = resolveGuestPath(guestDirname(to), target);
  if (!cx.allowed(req("symlink", moved))) throw body.sysError("EACCES", "rename", from, to);
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

const symlink = fsOp({
  name: "fs.symlink",
  args: [arg.pathString, arg.pathString],
  syscall: "symlink",
  // The link and where it points (read from the link's directory, as the kernel will).
  permission: ([target, link], cx) => {
    const linkPath = at(cx, link);
    return [req("symlink", linkPath), req("symlink", resolveGuestPath(guestDirname(linkPath), target))];
  },
  body: (cx, [target], g) => body.symlinkBody(cx.driver.filesystem, target, g.fsPath(0)),
});

const readlink = fsOp({
  name: "fs.readlink",
  args: [arg.pathString],
  syscall: "readlink",
  permission: ([p], cx) => [req("readlink", at(cx, p))],
  body: (cx, _a, g) => body.readlinkBody(cx.driver.filesystem, g.fsPath()),
});

const link = fsOp({
  name: "fs.link",
  args: [arg.pathString, arg.pathString],
  syscall: "link",
  permission: ([from, to], cx) => [req("link", at(cx, from)), req("link", at(cx, to))],
  body: (cx, _a, g) => body.linkBody(cx.driver.filesystem, g.fsPath(0), g.fsPath(1)),
});

// ---------------------------------------------------------------------------
// File descriptors (checked at open; later calls use the descriptor's granted path)
// ---------------------------------------------------------------------------

const open = fsOp({
  name: "fs.open",
  args: [arg.pathString, flags, arg.integer],
  syscall: "open",
  permission: ([p, f], cx) => openRequests(at(cx, p), f),
  body: (cx, [, f, mode], g) => body.openBody(cx, cx.driver.filesystem, g.fsPath(), f, mode & 0o7777),
});

const close = fsOp({
  name: "fs.close",
  args: [fd],
  syscall: "close",
  body: (cx, [n]) => body.closeBody(cx, n),
});

const read = fsOp({
  name: "fs.read",
  args: [fd, arg.integer, position],
  syscall: "read",
  body: (cx, [n, length, pos], _g) => body.readBody(cx, cx.driver.filesystem, n, Math.max(0, length), pos),
});

const write = fsOp({
  name: "fs.write",
  args: [fd, data, encoding, position],
  syscall: "write",
  body: (cx, [n, d, enc, pos]) => {
    const bytes = typeof d === "string" ? new Uint8Array(Buffer.from(d, enc ?? "utf8")) : d;
    return body.writeBody(cx, cx.driver.filesystem, n, bytes, pos);
  },
});

const fstat = fsOp({
  name: "fs.fstat",
  args: [fd],
  syscall: "fstat",
  body: (cx, [n]) => map(body.fstatBody(cx, cx.driver.filesystem, n), (s) => body.statRecord(cx, s)),
});

const ftruncate = fsOp({
  name: "fs.ftruncate",
  args: [fd, arg.integer],
  syscall: "ftruncate",
  body: (cx, [n, len]) => body.ftruncateBody(cx, cx.driver.filesystem, n, Math.max(0, len)),
});

const fsync = fsOp({
  name: "fs.fsync",
  args: [fd],
  syscall: "fsync",
  body: (cx, [n]) => body.fsyncBody(cx, n),
});

/** The granted path behind a descriptor, for ops that act on the file by name (fchmod, futimes). */
function fdPath(cx: OpContext, n: number, syscall: string): string {
  return fdTable(cx.exec).get(n, syscall).path;
}

const fchmod = fsOp({
  name: "fs.fchmod",
  args: [fd, arg.integer],
  syscall: "fchmod",
  permission: ([n], cx) => [req("chmod", fdPath(cx, n, "fchmod"))],
  body: (cx, [, mode], g) => body.optionalBody(cx.driver.filesystem, "chmod", "fchmod", g.fsPath(), mode & 0o7777),
});

const futimes = fsOp({
  name: "fs.futimes",
  args: [fd, arg.number, arg.number],
  syscall: "futime",
  permission: ([n], cx) => [req("utimes", fdPath(cx, n, "futime"))],
  body: (cx, [, atime, mtime], g) => body.optionalBody(cx.driver.filesystem, "utimes", "futime", g.fsPath(), atime, mtime),
});

export const fsOps: Op[] = [
  readFile, writeFile, appendFile, truncate, copyFile, cp,
  stat, lstat, exists, access, realpath, chmod, utimes,
  mkdir, mkdtemp, readdir, rmdir, unlink, rm, rename,
  symlink, readlink, link,
  open, close, read, write, fstat, ftruncate, fsync, fchmod, futimes,
];
