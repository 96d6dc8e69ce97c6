/**
 * Host ops behind `fs` and `fs/promises`. Each op decodes its arguments, resolves every
 * guest path once against the exec's cwd (`at`), and names the FsAccessRequests the
 * gate must grant: both paths for rename, copy, cp, link and symlink. The body then
 * works only on the granted paths (`granted.fsPath(n)`), synchronously or not through
 * the same generator (see io.ts and bodies.ts).
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import type { FsOp, VirtualFileSystem, VirtualOpenFlags } from "../../driver/types.js";
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

/** One guest path an op touches: what it does there, and whether it follows a link at the end. */
interface PathUse {
  ops: FsOp[];
  path: string;
  follow: boolean;
}

interface FsOpSpec<D extends readonly Decoder<unknown>[], R> {
  name: string;
  args: D;
  syscall: string;
  /** The paths this op touches (normalized absolute guest paths; see `at`). */
  paths?: (args: DecodedArgs<D>, cx: OpContext) => PathUse[];
  /** Does the work on `real` (each used path with its links resolved, as granted). */
  body: (cx: OpContext, args: DecodedArgs<D>, real: string[], asked: string[]) => Io<R>;
}

/**
 * What the permission phase learned for one call: each used path and where its links
 * lead (when the backend could tell synchronously). Keyed by the decoded-arguments array,
 * which the bridge hands to both the permission builder and the implementation.
 */
const resolutions = new WeakMap<object, { uses: PathUse[]; real: (string | undefined)[] }>();

/**
 * Where `path` really is, links resolved, if the filesystem can say synchronously; undefined
 * when it cannot (an async-only backend: the body resolves and checks then).
 */
function realNow(fs: VirtualFileSystem, use: PathUse): string | undefined {
  if (!body.linkAware(fs) || !body.syncCapable(fs)) return body.linkAware(fs) ? undefined : use.path;
  try {
    return runSync(body.resolveLinks(fs, use.path, use.follow));
  } catch {
    return use.path; // ELOOP and the like: the operation itself fails the same way
  }
}

/**
 * An op whose permission requests name every path it touches and, where a symbolic link
 * leads elsewhere, the place it leads too: the callback decides on where the bytes are,
 * not only on the name used. Its sync and async forms run the same body; over a backend
 * with synchronous methods the body runs synchronously either way, so the check of a
 * link's target and the use of that target happen with no other guest operation between.
 */
function fsOp<const D extends readonly Decoder<unknown>[], R>(spec: FsOpSpec<D, R>): Op {
  const permission = (args: DecodedArgs<D>, cx: OpContext): PermissionRequest[] => {
    const uses = spec.paths?.(args, cx) ?? [];
    const fs = cx.driver.filesystem;
    const real = uses.map((u) => realNow(fs, u));
    resolutions.set(args as unknown as object, { uses, real });
    const requests: PermissionRequest[] = [];
    uses.forEach((u, i) => {
      for (const op of u.ops) requests.push(req(op, u.path));
      const r = real[i];
      if (r !== undefined && r !== u.path) for (const op of u.ops) requests.push(req(op, r));
    });
    return requests;
  };
  /**
   * `recheck`: resolve the links again before use. A synchronous call runs permission,
   * gate and body with nothing in between, so what was checked is what is there; an
   * asynchronous call awaited the gate, and another guest call may have run meanwhile.
   */
  const run = function* (cx: OpContext, args: DecodedArgs<D>, granted: Granted, recheck: boolean): Io<R> {
    const known = resolutions.get(args as unknown as object);
    const uses = known?.uses ?? [];
    const fs = cx.driver.filesystem;
    const allowed = new Set(granted.requests.map((r) => (r.kind === "fs" ? r.request.path : "")));
    const real: string[] = [];
    for (let i = 0; i < uses.length; i++) {
      const use = uses[i]!;
      const checked = known!.real[i];
      if (checked !== undefined && !recheck) {
        real.push(checked);
        continue;
      }
      // Resolve again, now, in the same synchronous run as the operation itself.
      const now = body.linkAware(fs) ? yield* body.resolveLinks(fs, use.path, use.follow) : use.path;
      if (checked !== undefined) {
        if (now !== checked || !allowed.has(now)) throw linkDenied(spec.syscall, use.path, "changed while its permission was checked");
      } else if (now !== use.path) {
        // An async-only backend: its links are checked here, with the callback awaited.
        for (const op of use.ops) {
          yield* body.permit(cx, req(op, now), (reason) => linkDenied(spec.syscall, use.path, "leads through a symbolic link to a path that is not allowed", reason));
        }
      }
      real.push(now);
    }
    return yield* respelled(spec.body(cx, args, real, uses.map((u) => u.path)), uses, real);
  };
  return defineOp({
    name: spec.name,
    args: spec.args,
    syscall: spec.syscall,
    ...(spec.paths ? { permission } : {}),
    sync: (cx, args, granted) => runSync(run(cx, args, granted, false)),
    async: async (cx, args, granted) =>
      body.syncCapable(cx.driver.filesystem) ? runSync(run(cx, args, granted, true)) : runAsync(run(cx, args, granted, true)),
  });
}

function linkDenied(syscall: string, path: string, why: string, reason?: string): OpError {
  const e = OpError.system("EACCES", "permission denied", syscall, path);
  return new OpError({ ...e.record, message: `${e.record.message} (it ${why}${reason ? `: ${reason}` : ""})` });
}

/** Errors name the path the guest used, not where its links led. */
function* respelled<R>(io: Io<R>, uses: PathUse[], real: string[]): Io<R> {
  try {
    return yield* io;
  } catch (error) {
    if (!(error instanceof OpError)) throw error;
    const r = { ...error.record };
    uses.forEach((u, i) => {
      const to = real[i]!;
      if (to === u.path) return;
      if (r.path === to) {
        r.message = r.message.replace(`'${to}'`, `'${u.path}'`);
        r.path = u.path;
      }
      if (r.dest === to) {
        r.message = r.message.replace(`'${to}'`, `'${u.path}'`);
        r.dest = u.path;
      }
    });
    throw new OpError(r);
  }
}

/** The one place a guest path becomes a checked path: resolved against the guest cwd. */
function at(cx: OpContext, path: string): string {
  return resolveGuestPath(cx.exec.cwd, path);
}

function req(op: FsOp, path: string): PermissionRequest {
  return { kind: "fs", request: { op, path } };
}

function use(ops: FsOp | FsOp[], path: string, follow: boolean): PathUse {
  return { ops: Array.isArray(ops) ? ops : [ops], path, follow };
}

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
