/**
 * Host ops behind `fs` and `fs/promises`. Each op decodes its arguments, resolves every
 * guest path once against the exec's cwd (`at`), and names the FsAccessRequests the
 * gate must grant: both paths for rename, copy, cp, link and symlink, and where their
 * symbolic links lead (checked.ts). The body then works only on the granted real paths,
 * synchronously or not through the same generator (see io.ts and bodies.ts).
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import type { FsOp, VirtualOpenFlags } from "../../driver/types.js";
import * as arg from "../../runtime/bridge/decoders.js";
import type { Decoder } from "../../runtime/bridge/decoders.js";
import type { Op, OpContext } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { guestDirname, resolveGuestPath } from "../_host/paths.js";
import * as body from "./bodies.js";
import { at, fsOp, use } from "./checked.js";
import { fdTable } from "./fd-table.js";
import { vfs, type Io } from "./io.js";

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
// Building ops (checked paths: see checked.ts)
// ---------------------------------------------------------------------------

function* map<T, R>(io: Io<T>, f: (v: T) => R): Io<R> {
  return f(yield* io);
}

/** What an open with these flags does: read, write, or both. */
function openOps(f: VirtualOpenFlags): FsOp[] {
  if (f === "r") return ["read"];
  return f.includes("+") ? ["read", "write"] : ["write"];
}

// ---------------------------------------------------------------------------
// Whole files
// ---------------------------------------------------------------------------

const readFile = fsOp({
  name: "fs.readFile",
  args: [arg.pathString, encoding],
  syscall: "open",
  paths: ([p], cx) => [use("read", at(cx, p), true)],
  body: (cx, [, enc], real) => map(body.readFileBody(cx.driver.filesystem, real[0]!), (bytes) => body.encoded(bytes, enc)),
});

const writeFile = fsOp({
  name: "fs.writeFile",
  args: [arg.pathString, data, encoding],
  syscall: "open",
  paths: ([p], cx) => [use("write", at(cx, p), true)],
  body: (cx, [, d, enc], real) => body.writeFileBody(cx.driver.filesystem, real[0]!, body.toData(d, enc)),
});

const appendFile = fsOp({
  name: "fs.appendFile",
  args: [arg.pathString, data, encoding],
  syscall: "open",
  paths: ([p], cx) => [use("write", at(cx, p), true)],
  body: (cx, [, d, enc], real) => body.appendFileBody(cx.driver.filesystem, real[0]!, body.toData(d, enc)),
});

const truncate = fsOp({
  name: "fs.truncate",
  args: [arg.pathString, arg.integer],
  syscall: "open",
  paths: ([p], cx) => [use("truncate", at(cx, p), true)],
  body: (cx, [, len], real) => body.truncateBody(cx.driver.filesystem, real[0]!, Math.max(0, len)),
});

const copyFile = fsOp({
  name: "fs.copyFile",
  args: [arg.pathString, arg.pathString, arg.integer],
  syscall: "copyfile",
  paths: ([src, dest], cx) => [use("copy", at(cx, src), true), use("copy", at(cx, dest), true)],
  body: (cx, [, , mode], real) => body.copyFileBody(cx.driver.filesystem, real[0]!, real[1]!, (mode & 1) !== 0),
});

const cp = fsOp({
  name: "fs.cp",
  args: [arg.pathString, arg.pathString, arg.boolean, arg.boolean, arg.boolean],
  syscall: "cp",
  paths: ([src, dest], cx) => [use("copy", at(cx, src), true), use("copy", at(cx, dest), true)],
  body: (cx, [, , recursive, force, errorOnExist], real) =>
    body.cpBody(cx.driver.filesystem, real[0]!, real[1]!, { recursive, force, errorOnExist }),
});

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

const stat = fsOp({
  name: "fs.stat",
  args: [arg.pathString],
  syscall: "stat",
  paths: ([p], cx) => [use("stat", at(cx, p), true)],
  body: (cx, _a, real) => map(body.statBody(cx.driver.filesystem, real[0]!, true), (s) => body.statRecord(cx, s)),
});

const lstat = fsOp({
  name: "fs.lstat",
  args: [arg.pathString],
  syscall: "lstat",
  paths: ([p], cx) => [use("stat", at(cx, p), false)],
  body: (cx, _a, real) => map(body.statBody(cx.driver.filesystem, real[0]!, false), (s) => body.statRecord(cx, s)),
});

/** exists: a boolean. The guest's existsSync turns a denial (EACCES) into false, as Node does. */
const exists = fsOp({
  name: "fs.exists",
  args: [arg.pathString],
  syscall: "access",
  paths: ([p], cx) => [use("exists", at(cx, p), true)],
  body: (cx, _a, real) => vfs(cx.driver.filesystem, "exists", real[0]!),
});

const access = fsOp({
  name: "fs.access",
  args: [arg.pathString, arg.integer],
  syscall: "access",
  paths: ([p], cx) => [use("access", at(cx, p), true)],
  body: (cx, [, mode], real) => body.accessBody(cx.driver.filesystem, real[0]!, mode & 7),
});

const realpath = fsOp({
  name: "fs.realpath",
  args: [arg.pathString],
  // Node's realpath walks with lstat and reports a missing part that way.
  syscall: "lstat",
  paths: ([p], cx) => [use("realpath", at(cx, p), true)],
  body: (cx, _a, real) => body.realpathBody(cx.driver.filesystem, real[0]!),
});

const chmod = fsOp({
  name: "fs.chmod",
  args: [arg.pathString, arg.integer],
  syscall: "chmod",
  paths: ([p], cx) => [use("chmod", at(cx, p), true)],
  body: (cx, [, mode], real) => body.optionalBody(cx.driver.filesystem, "chmod", "chmod", real[0]!, mode & 0o7777),
});

const utimes = fsOp({
  name: "fs.utimes",
  args: [arg.pathString, arg.number, arg.number],
  syscall: "utime",
  paths: ([p], cx) => [use("utimes", at(cx, p), true)],
  body: (cx, [, atime, mtime], real) => body.optionalBody(cx.driver.filesystem, "utimes", "utime", real[0]!, atime, mtime),
});

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

const mkdir = fsOp({
  name: "fs.mkdir",
  args: [arg.pathString, arg.boolean],
  syscall: "mkdir",
  paths: ([p], cx) => [use("mkdir", at(cx, p), false)],
  body: (cx, [, recursive], real) => body.mkdirBody(cx.driver.filesystem, real[0]!, recursive),
});

/**
 * mkdtemp: the random suffix is drawn while building the request, so the exact
 * directory the callback approves is the one created.
 */
const mkdtemp = fsOp({
  name: "fs.mkdtemp",
  args: [arg.pathString],
  syscall: "mkdtemp",
  paths: ([prefix], cx) => {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const suffix = Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join("");
    return [use("mkdir", at(cx, prefix + suffix), false)];
  },
  body: (cx, _a, real, asked) => map(body.mkdirBody(cx.driver.filesystem, real[0]!, false), () => asked[0]!),
});

const readdir = fsOp({
  name: "fs.readdir",
  args: [arg.pathString, arg.boolean, arg.boolean],
  syscall: "scandir",
  paths: ([p], cx) => [use("readdir", at(cx, p), true)],
  body: (cx, [, withTypes, recursive], real) => body.readdirBody(cx.driver.filesystem, real[0]!, withTypes, recursive),
});

const rmdir = fsOp({
  name: "fs.rmdir",
  args: [arg.pathString],
  syscall: "rmdir",
  paths: ([p], cx) => [use("rm", at(cx, p), false)],
  body: (cx, _a, real) => body.rmdirBody(cx.driver.filesystem, real[0]!),
});

const unlink = fsOp({
  name: "fs.unlink",
  args: [arg.pathString],
  syscall: "unlink",
  paths: ([p], cx) => [use("rm", at(cx, p), false)],
  body: (cx, _a, real) => body.unlinkBody(cx.driver.filesystem, real[0]!),
});

const rm = fsOp({
  name: "fs.rm",
  args: [arg.pathString, arg.boolean, arg.boolean],
  syscall: "rm",
  paths: ([p], cx) => [use("rm", at(cx, p), false)],
  body: (cx, [, recursive, force], real) => body.rmBody(cx.driver.filesystem, real[0]!, recursive, force),
});

const rename = fsOp({
  name: "fs.rename",
  args: [arg.pathString, arg.pathString],
  syscall: "rename",
  paths: ([from, to], cx) => [use("rename", at(cx, from), false), use("rename", at(cx, to), false)],
  body: (cx, _a, real) => body.renameBody(cx.driver.filesystem, real[0]!, real[1]!),
});

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

const symlink = fsOp({
  name: "fs.symlink",
  args: [arg.pathString, arg.pathString],
  syscall: "symlink",
  // The link and where it points (read from the link's directory, as the kernel will).
  paths: ([target, link], cx) => {
    const linkPath = at(cx, link);
    return [use("symlink", linkPath, false), use("symlink", resolveGuestPath(guestDirname(linkPath), target), true)];
  },
  body: (cx, [target], real) => body.symlinkBody(cx.driver.filesystem, target, real[0]!),
});

const readlink = fsOp({
  name: "fs.readlink",
  args: [arg.pathString],
  syscall: "readlink",
  paths: ([p], cx) => [use("readlink", at(cx, p), false)],
  body: (cx, _a, real) => body.readlinkBody(cx.driver.filesystem, real[0]!),
});

const link = fsOp({
  name: "fs.link",
  args: [arg.pathString, arg.pathString],
  syscall: "link",
  paths: ([from, to], cx) => [use("link", at(cx, from), false), use("link", at(cx, to), false)],
  body: (cx, _a, real) => body.linkBody(cx.driver.filesystem, real[0]!, real[1]!),
});

// ---------------------------------------------------------------------------
// File descriptors (checked at open; later calls use the descriptor's granted path)
// ---------------------------------------------------------------------------

const open = fsOp({
  name: "fs.open",
  args: [arg.pathString, flags, arg.integer],
  syscall: "open",
  paths: ([p, f], cx) => [use(openOps(f), at(cx, p), true)],
  body: (cx, [, f, mode], real) => body.openBody(cx, cx.driver.filesystem, real[0]!, f, mode & 0o7777),
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
  paths: ([n], cx) => [use("chmod", fdPath(cx, n, "fchmod"), true)],
  body: (cx, [, mode], real) => body.optionalBody(cx.driver.filesystem, "chmod", "fchmod", real[0]!, mode & 0o7777),
});

const futimes = fsOp({
  name: "fs.futimes",
  args: [fd, arg.number, arg.number],
  syscall: "futime",
  paths: ([n], cx) => [use("utimes", fdPath(cx, n, "futime"), true)],
  body: (cx, [, atime, mtime], real) => body.optionalBody(cx.driver.filesystem, "utimes", "futime", real[0]!, atime, mtime),
});

export const fsOps: Op[] = [
  readFile, writeFile, appendFile, truncate, copyFile, cp,
  stat, lstat, exists, access, realpath, chmod, utimes,
  mkdir, mkdtemp, readdir, rmdir, unlink, rm, rename,
  symlink, readlink, link,
  open, close, read, write, fstat, ftruncate, fsync, fchmod, futimes,
];
