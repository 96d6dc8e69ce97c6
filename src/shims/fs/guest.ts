/**
 * The `fs` builtin: every API in its synchronous and callback forms, both driven from
 * the one flow per API in `api.ts` (so readFileSync and readFile cannot
 * disagree). `fs.promises` is the `fs/promises` builtin, loaded on first touch.
 */
import * as api from "./api.js";
import {
  Buffer,
  Dir,
  Dirent,
  Stats,
  constants,
  later,
  makeStats,
  respell,
  takeCallback,
  toCallback,
} from "./common.js";
import { notSupported } from "../_lib/errors.js";
import { callOp } from "../_lib/host.js";
import { lazy, requireBuiltin } from "../module/guest.js";
import type * as StreamsUnit from "./streams.js";

type AnyFn = (...args: any[]) => any;
type FlowFn = (...args: any[]) => api.Flow<unknown>;

/** APIs whose sync form returns the flow's result and whose callback gets (err, result). */
const FLOWS: Record<string, FlowFn> = {
  access: api.access,
  appendFile: api.appendFile,
  chmod: api.chmod,
  close: api.close,
  copyFile: api.copyFile,
  cp: api.cp,
  fchmod: api.fchmod,
  fdatasync: api.fsync,
  fstat: api.fstat,
  fsync: api.fsync,
  ftruncate: api.ftruncate,
  futimes: api.futimes,
  link: api.link,
  lstat: api.lstat,
  mkdir: api.mkdir,
  mkdtemp: api.mkdtemp,
  open: api.open,
  opendir: api.opendir,
  readdir: api.readdir,
  readFile: api.readFile,
  readlink: api.readlink,
  realpath: api.realpath,
  rename: api.rename,
  rm: api.rm,
  rmdir: api.rmdir,
  stat: api.stat,
  symlink: api.symlink,
  truncate: api.truncate,
  unlink: api.unlink,
  utimes: api.utimes,
  writeFile: api.writeFile,
};

/** What has no honest implementation in the sandbox yet: each fails with ERR_SANDBOX_NOT_SUPPORTED. */
const UNSUPPORTED = ["chown", "lchown", "fchown", "lutimes", "statfs", "openAsBlob"];

const named = <F extends AnyFn>(name: string, fn: F): F => {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
};

const fs: Record<string, unknown> = {};

/** Arguments before the callback that Node requires (the rest of the APIs take one). */
const REQUIRED: Record<string, number> = {
  appendFile: 2, chmod: 2, copyFile: 2, cp: 2, fchmod: 2, futimes: 3, link: 2, read: 2,
  rename: 2, symlink: 2, utimes: 3, write: 2, writeFile: 2, readv: 2, writev: 2,
};

for (const name of Object.keys(FLOWS)) {
  const flow = FLOWS[name]!;
  fs[`${name}Sync`] = named(`${name}Sync`, (...args: unknown[]) => api.runSync(flow(...args)));
  fs[name] = named(name, (...args: unknown[]) => {
    const cb = takeCallback(args, REQUIRED[name] ?? 1);
    toCallback(api.runAsync(flow(...args)), cb);
  });
}

/**
 * Fast paths for the commonest calls (a plain string path, no options or "utf8"): one op
 * call and no argument parsing. Anything else takes the full flow, which treats these
 * same cases identically.
 */
const plainPath = (p: unknown): p is string => typeof p === "string" && p !== "" && !p.includes("\u0000");
const readFileFlow = fs.readFileSync as (...a: unknown[]) => unknown;
fs.readFileSync = named("readFileSync", (path: unknown, options?: unknown) => {
  if (!plainPath(path) || (options !== undefined && options !== "utf8")) return readFileFlow(path, options);
  try {
    const r = callOp("fs.readFile", path, options);
    return typeof r === "string" ? r : Buffer.from(r as ArrayBuffer);
  } catch (e) {
    throw respell(e, path);
  }
});
const writeFileFlow = fs.writeFileSync as (...a: unknown[]) => unknown;
fs.writeFileSync = named("writeFileSync", (path: unknown, data: unknown, options?: unknown) => {
  if (!plainPath(path) || typeof data !== "string" || options !== undefined) return writeFileFlow(path, data, options);
  try {
    callOp("fs.writeFile", path, data, "utf8");
  } catch (e) {
    throw respell(e, path);
  }
});
const statFlow = fs.statSync as (...a: unknown[]) => unknown;
fs.statSync = named("statSync", (path: unknown, options?: unknown) => {
  if (!plainPath(path) || options !== undefined) return statFlow(path, options);
  try {
    return makeStats(callOp("fs.stat", path));
  } catch (e) {
    throw respell(e, path);
  }
});

// Callbacks with more than one value: (err, bytes, buffer).
/** fs.read(fd, cb) and fs.read(fd, { buffer, ... }, cb) read into a fresh 16 KiB buffer, as Node does. */
function readArgs(args: unknown[]): [unknown, unknown, unknown?, unknown?, unknown?] {
  const [fd, buffer] = args;
  if (ArrayBuffer.isView(buffer)) return args as [unknown, unknown, unknown?, unknown?, unknown?];
  const o = (buffer ?? {}) as { buffer?: unknown };
  return [fd, o.buffer ?? Buffer.alloc(16384), buffer ?? {}];
}
fs.readSync = named("readSync", (...args: unknown[]) => api.runSync(api.read(...readArgs(args))));
fs.read = named("read", (...args: unknown[]) => {
  const cb = takeCallback(args, 1);
  const a = readArgs(args);
  api.runAsync(api.read(...a)).then((n) => later(cb, null, n, a[1]), (e: Error) => later(cb, e));
});
fs.writeSync = named("writeSync", (...args: unknown[]) => api.runSync(api.write(...(args as [unknown, unknown]))));
fs.write = named("write", (...args: unknown[]) => {
  const cb = takeCallback(args, 2);
  api.runAsync(api.write(...(args as [unknown, unknown]))).then((n) => later(cb, null, n, args[1]), (e: Error) => later(cb, e));
});
for (const name of ["readv", "writev"] as const) {
  const flow = api[name];
  fs[`${name}Sync`] = named(`${name}Sync`, (fd: unknown, buffers: unknown, position?: unknown) => api.runSync(flow(fd, buffers, position)));
  fs[name] = named(name, (...args: unknown[]) => {
    const cb = takeCallback(args, 2);
    api.runAsync(flow(args[0], args[1], args[2])).then((n) => later(cb, null, n, args[1]), (e: Error) => later(cb, e));
  });
}

fs.existsSync = named("existsSync", (path: unknown) => api.runSync(api.exists(path)));
/** The deprecated fs.exists: the callback gets a boolean, never an error. */
fs.exists = named("exists", (...args: unknown[]) => {
  const cb = takeCallback(args) as unknown as (exists: boolean) => void;
  let promise: Promise<boolean>;
  try {
    promise = api.runAsync(api.exists(args[0]));
  } catch {
    promise = Promise.resolve(false);
  }
  promise.then((v) => later(cb, v), () => later(cb, false));
});

// realpath.native: the same resolution (the host has only one).
(fs.realpathSync as { native?: unknown }).native = named("realpathSync", (p: unknown, o?: unknown) => api.runSync(api.realpath(p, o)));
(fs.realpath as { native?: unknown }).native = named("realpath", (...args: unknown[]) => {
  const cb = takeCallback(args);
  toCallback(api.runAsync(api.realpath(args[0], args[1])), cb);
});

for (const name of UNSUPPORTED) {
  fs[name] = named(name, () => {
    throw notSupported(`fs.${name}()`);
  });
  fs[`${name}Sync`] = named(`${name}Sync`, () => {
    throw notSupported(`fs.${name}Sync()`);
  });
}
delete fs.openAsBlobSync;
for (const name of ["watch", "watchFile", "unwatchFile"]) {
  fs[name] = named(name, () => {
    throw notSupported(`fs.${name}() (file watching)`);
  });
}
// File streams load the stream builtin, so they come in on first use.
const streams = lazy<typeof StreamsUnit>("quicksand:internal/fs/streams");
fs.createReadStream = named("createReadStream", (path: unknown, options?: unknown) => streams().createReadStream(path, options));
fs.createWriteStream = named("createWriteStream", (path: unknown, options?: unknown) => streams().createWriteStream(path, options));
for (const [name, unit] of [["ReadStream", "ReadStream"], ["WriteStream", "WriteStream"], ["FileReadStream", "ReadStream"], ["FileWriteStream", "WriteStream"]] as const) {
  Object.defineProperty(fs, name, { get: () => streams()[unit], enumerable: true, configurable: true });
}

Object.assign(fs, {
  constants,
  F_OK: constants.F_OK,
  R_OK: constants.R_OK,
  W_OK: constants.W_OK,
  X_OK: constants.X_OK,
  Stats,
  Dirent,
  Dir,
});

Object.defineProperty(fs, "promises", {
  get: () => requireBuiltin("fs/promises"),
  enumerable: true,
  configurable: true,
});

export default fs;
