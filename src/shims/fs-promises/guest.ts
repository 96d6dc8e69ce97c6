/**
 * The `fs/promises` builtin: the promise form of every fs API, driven by the same flows
 * as `fs` (`fs/api.ts`), and FileHandle, an open descriptor with methods.
 */
import * as api from "../fs/api.js";
import { Buffer, constants } from "../fs/common.js";
import { invalidArgType, nodeError, notSupported } from "../_lib/errors.js";
import { lazy } from "../module/guest.js";
import type * as StreamsUnit from "../fs/streams.js";

const streams = lazy<typeof StreamsUnit>("quicksand:internal/fs/streams");

type FlowFn = (...args: any[]) => api.Flow<unknown>;

/** Runs a flow; a bad argument rejects the promise rather than throwing, as async functions do. */
function promised<R>(make: () => api.Flow<R>): Promise<R> {
  try {
    return api.runAsync(make());
  } catch (e) {
    return Promise.reject(e);
  }
}

const kFd = Symbol("kFd");

/** An open file: the descriptor and the operations on it. */
class FileHandle {
  [kFd]: number;
  #closing: Promise<void> | undefined;
  constructor(fd: number) {
    this[kFd] = fd;
  }
  get fd(): number {
    return this[kFd];
  }
  #live(): number {
    const fd = this[kFd];
    if (fd === -1) throw Object.assign(nodeError("EBADF", "file closed"), { errno: -9, syscall: "read" });
    return fd;
  }
  read(buffer?: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: unknown }> {
    return promised(() => {
      let buf = buffer;
      if (!ArrayBuffer.isView(buffer)) {
        const o = (buffer ?? {}) as { buffer?: unknown; offset?: unknown; length?: unknown; position?: unknown };
        buf = o.buffer ?? Buffer.alloc(16384);
        offset = o.offset;
        length = o.length;
        position = o.position;
      }
      return (function* (fd: number) {
        const bytesRead = yield* api.read(fd, buf, offset, length, position);
        return { bytesRead, buffer: buf };
      })(this.#live());
    });
  }
  write(data: unknown, a?: unknown, b?: unknown, c?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    return promised(() =>
      (function* (fd: number) {
        const bytesWritten = yield* api.write(fd, data, a, b, c);
        return { bytesWritten, buffer: data };
      })(this.#live()),
    );
  }
  readv(buffers: unknown, position?: unknown): Promise<{ bytesRead: number; buffers: unknown }> {
    return promised(() =>
      (function* (fd: number) {
        return { bytesRead: yield* api.readv(fd, buffers, position), buffers };
      })(this.#live()),
    );
  }
  writev(buffers: unknown, position?: unknown): Promise<{ bytesWritten: number; buffers: unknown }> {
    return promised(() =>
      (function* (fd: number) {
        return { bytesWritten: yield* api.writev(fd, buffers, position), buffers };
      })(this.#live()),
    );
  }
  readFile(options?: unknown): Promise<unknown> {
    return promised(() => api.readFile(this.#live(), options));
  }
  writeFile(data: unknown, options?: unknown): Promise<void> {
    return promised(() => api.writeFile(this.#live(), data, options));
  }
  appendFile(data: unknown, options?: unknown): Promise<void> {
    return promised(() => api.appendFile(this.#live(), data, options));
  }
  stat(options?: unknown): Promise<unknown> {
    return promised(() => api.fstat(this.#live(), options));
  }
  truncate(len?: unknown): Promise<void> {
    return promised(() => api.ftruncate(this.#live(), len));
  }
  chmod(mode: unknown): Promise<void> {
    return promised(() => api.fchmod(this.#live(), mode));
  }
  utimes(atime: unknown, mtime: unknown): Promise<void> {
    return promised(() => api.futimes(this.#live(), atime, mtime));
  }
  sync(): Promise<void> {
    return promised(() => api.fsync(this.#live()));
  }
  datasync(): Promise<void> {
    return promised(() => api.fsync(this.#live()));
  }
  chown(): Promise<void> {
    return Promise.reject(notSupported("filehandle.chown()"));
  }
  createReadStream(options?: Record<string, unknown>): unknown {
    return streams().createReadStream(undefined, { ...options, fd: this });
  }
  createWriteStream(options?: Record<string, unknown>): unknown {
    return streams().createWriteStream(undefined, { ...options, fd: this });
  }
  readLines(): never {
    throw notSupported("filehandle.readLines()");
  }
  /** Closing twice is fine: the second call waits for the first. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const fd = this[kFd];
    if (fd === -1) return Promise.resolve();
    this.#closing = promised(() => api.close(fd)).then(() => {
      this[kFd] = -1;
    });
    return this.#closing;
  }
  [Symbol.for("nodejs.asyncDispose")](): Promise<void> {
    return this.close();
  }
}
const asyncDispose = (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose;
if (asyncDispose) {
  Object.defineProperty(FileHandle.prototype, asyncDispose, {
    value: FileHandle.prototype.close,
    writable: true,
    configurable: true,
  });
}

/** A FileHandle argument stands for its descriptor; a bare number is not a path here. */
const fdOf = (v: unknown): unknown => {
  if (v instanceof FileHandle) return v.fd;
  if (typeof v === "number") throw invalidArgType("path", "of type string or an instance of Buffer or URL", v);
  return v;
};

const FLOWS: Record<string, FlowFn> = {
  access: api.access,
  chmod: api.chmod,
  copyFile: api.copyFile,
  cp: api.cp,
  link: api.link,
  lstat: api.lstat,
  mkdir: api.mkdir,
  mkdtemp: api.mkdtemp,
  opendir: api.opendir,
  readdir: api.readdir,
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
};

const promises: Record<string, unknown> = {};
for (const name of Object.keys(FLOWS)) {
  const flow = FLOWS[name]!;
  const fn = (...args: unknown[]) => promised(() => flow(...args));
  Object.defineProperty(fn, "name", { value: name });
  promises[name] = fn;
}

Object.assign(promises, {
  open: function open(path: unknown, flags?: unknown, mode?: unknown) {
    return promised(() => api.open(path, flags, mode)).then((fd) => new FileHandle(fd));
  },
  readFile: function readFile(path: unknown, options?: unknown) {
    return promised(() => api.readFile(fdOf(path), options));
  },
  writeFile: function writeFile(path: unknown, data: unknown, options?: unknown) {
    return promised(() => api.writeFile(fdOf(path), data, options));
  },
  appendFile: function appendFile(path: unknown, data: unknown, options?: unknown) {
    return promised(() => api.appendFile(fdOf(path), data, options));
  },
  lchown: () => Promise.reject(notSupported("fsPromises.lchown()")),
  chown: () => Promise.reject(notSupported("fsPromises.chown()")),
  lutimes: () => Promise.reject(notSupported("fsPromises.lutimes()")),
  // As on Linux, where there is no lchmod(2).
  lchmod: () => Promise.reject(nodeError("ERR_METHOD_NOT_IMPLEMENTED", "The lchmod() method is not implemented")),
  statfs: () => Promise.reject(notSupported("fsPromises.statfs()")),
  watch: () => {
    throw notSupported("fsPromises.watch() (file watching)");
  },
  constants,
});

export default promises;
