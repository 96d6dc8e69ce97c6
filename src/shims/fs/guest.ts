/**
 * The `fs` builtin: every API in its synchronous and callback forms, both driven from
 * the one flow per API in `_internal/fs-api` (so readFileSync and readFile cannot
 * disagree). `fs.promises` is the `fs/promises` builtin, loaded on first touch.
 */
import * as api from "../_internal/fs-api.js";
import {
  Buffer,
  BigIntStats,
  Dir,
  Dirent,
  Stats,
  constants,
  later,
  takeCallback,
  toCallback,
} from "../_internal/fs-common.js";
import { notSupported } from "../_internal/errors.js";
import { requireBuiltin } from "../module/guest.js";

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

for (const name of Object.keys(FLOWS)) {
  const flow = FLOWS[name]!;
  fs[`${name}Sync`] = named(`${name}Sync`, (...args: unknown[]) => api.runSync(flow(...args)));
  fs[name] = named(name, (...args: unknown[]) => {
    const cb = takeCallback(args);
    toCallback(api.runAsync(flow(...args)), cb);
  });
}

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
  const cb = takeCallback(args);
  const a = readArgs(args);
  api.runAsync(api.read(...a)).then((n) => later(cb, null, n, a[1]), (e: Error) => later(cb, e));
});
fs.writeSync = named("writeSync", (...args: unknown[]) => api.runSync(api.write(...(args as [unknown, unknown]))));
fs.write = named("write", (...args: unknown[]) => {
  const cb = takeCallback(args);
  api.runAsync(api.write(...(args as [unknown, unknown]))).then((n) => later(cb, null, n, args[1]), (e: Error) => later(cb, e));
});
for (const name of ["readv", "writev"] as const) {
  const flow = api[name];
  fs[`${name}Sync`] = named(`${name}Sync`, (fd: unknown, buffers: unknown, position?: unknown) => api.runSync(flow(fd, buffers, position)));
  fs[name] = named(name, (...args: unknown[]) => {
    const cb = takeCallback(args);
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
for (const name of ["createReadStream", "createWriteStream"]) {
  fs[name] = named(name, () => {
    throw notSupported(`fs.${name}() (file streams)`);
  });
}

Object.assign(fs, {
  constants,
  F_OK: constants.F_OK,
  R_OK: constants.R_OK,
  W_OK: constants.W_OK,
  X_OK: constants.X_OK,
  Stats,
  BigIntStats,
  Dirent,
  Dir,
});

Object.defineProperty(fs, "promises", {
  get: () => requireBuiltin("fs/promises"),
  enumerable: true,
  configurable: true,
});

export default fs;
