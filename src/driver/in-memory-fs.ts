/**
 * A VirtualFileSystem kept entirely in memory, built on memfs. It implements every async
 * method and every optional `*Sync` one, so it serves the guest's synchronous fs API
 * in-process.
 */
import { Volume, createFsFromVolume } from "memfs";
import { showValue, typeName } from "./describe-value";
import type { VirtualDirEntry, VirtualFileHandle, VirtualFileSystem, VirtualOpenFlags, VirtualStat } from "./types";

/** A VirtualFileSystem whose synchronous methods are all present. */
export type InMemoryFileSystem = Required<VirtualFileSystem>;

export interface InMemoryFileSystemOptions {
  /**
   * Bytes the files may hold in all (hard links count once); a write past it fails with
   * `ENOSPC`. The files live in host memory, so this bounds what a guest with write
   * permission can make the host keep. Default 256 MiB; `Infinity` for none.
   */
  maxBytes?: number;
}

/** The default byte budget of an in-memory filesystem. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

type NodeStyleError = Error & { code: string; errno?: number; syscall?: string; path?: string };

function nodeStyleError(
  ErrorType: ErrorConstructor | TypeErrorConstructor,
  code: string,
  message: string,
  extra: { errno?: number; syscall?: string; path?: string } = {},
): NodeStyleError {
  return Object.assign(new ErrorType(message), { code, ...extra });
}

/** The error Node raises for a system call, e.g. `EEXIST: file already exists, mkdir '/a'`. */
function systemError(code: string, errno: number, description: string, syscall: string, path: string): NodeStyleError {
  return nodeStyleError(Error, code, `${code}: ${description}, ${syscall} '${path}'`, { errno, syscall, path });
}

/** Paths must be absolute POSIX strings: memfs would resolve a relative one against the host's cwd. */
function checkPath(path: unknown, name = "path"): string {
  if (typeof path !== "string") {
    throw nodeStyleError(
      TypeError,
      "ERR_INVALID_ARG_TYPE",
      `The "${name}" argument must be of type string. Received ${typeName(path)}`,
    );
  }
  if (!path.startsWith("/") || path.includes("\0")) {
    throw nodeStyleError(
      TypeError,
      "ERR_INVALID_ARG_VALUE",
      `The argument '${name}' must be an absolute POSIX path without null bytes. Received ${showValue(path)}`,
    );
  }
  return path;
}

function checkData(data: unknown): Uint8Array | string {
  if (typeof data === "string" || data instanceof Uint8Array) return data;
  throw nodeStyleError(
    TypeError,
    "ERR_INVALID_ARG_TYPE",
    `The "data" argument must be of type string or an instance of Uint8Array. Received ${typeName(data)}`,
  );
}

function checkMkdirOptions(options: unknown): boolean {
  if (options === undefined) return false;
  if (typeof options !== "object" || options === null) {
    throw nodeStyleError(
      TypeError,
      "ERR_INVALID_ARG_TYPE",
      `The "options" argument must be of type object. Received ${typeName(options)}`,
    );
  }
  const recursive: unknown = (options as { recursive?: unknown }).recursive;
  if (recursive !== undefined && typeof recursive !== "boolean") {
    throw nodeStyleError(
      TypeError,
      "ERR_INVALID_ARG_TYPE",
      `The "options.recursive" property must be of type boolean. Received ${typeName(recursive)}`,
    );
  }
  return recursive === true;
}

/** The parent directory of an absolute path, after resolving "." and ".." segments. */
function parentDir(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  segments.pop();
  return `/${segments.join("/")}`;
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

interface MemfsStats {
  size: number | bigint;
  mode: number | bigint;
  ino: number | bigint;
  nlink: number | bigint;
  atimeMs: number | bigint;
  mtimeMs: number | bigint;
  ctimeMs: number | bigint;
  birthtimeMs: number | bigint;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/**
 * A plain copy of memfs's Stats. Ownership (uid/gid) is left out: memfs would report the
 * host process's ids, which the sandbox has no business seeing.
 */
function toVirtualStat(stats: MemfsStats): VirtualStat {
  return {
    size: Number(stats.size),
    mode: Number(stats.mode),
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymbolicLink: stats.isSymbolicLink(),
    atimeMs: Number(stats.atimeMs),
    mtimeMs: Number(stats.mtimeMs),
    ctimeMs: Number(stats.ctimeMs),
    birthtimeMs: Number(stats.birthtimeMs),
    ino: Number(stats.ino),
    nlink: Number(stats.nlink),
  };
}

interface MemfsDirent {
  name: unknown;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

const OPEN_FLAGS: readonly VirtualOpenFlags[] = ["r", "r+", "w", "wx", "w+", "wx+", "a", "ax", "a+", "ax+"];

function checkFlags(flags: unknown): VirtualOpenFlags {
  if (typeof flags === "string" && (OPEN_FLAGS as readonly string[]).includes(flags)) return flags as VirtualOpenFlags;
  throw nodeStyleError(
    TypeError,
    "ERR_INVALID_ARG_VALUE",
    `The argument 'flags' must be one of ${OPEN_FLAGS.join(", ")}. Received ${showValue(flags)}`,
  );
}

function checkNumber(value: unknown, name: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw nodeStyleError(
    TypeError,
    "ERR_INVALID_ARG_TYPE",
    `The "${name}" argument must be a finite number. Received ${typeName(value)}`,
  );
}

function checkLength(value: unknown, name: string): number {
  const n = checkNumber(value, name);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw nodeStyleError(RangeError as unknown as ErrorConstructor, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be a non-negative integer. Received ${n}`);
  }
  return n;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

type Memfs = ReturnType<typeof createFsFromVolume>;

/** An open memfs file descriptor. memfs honours O_APPEND for positional writes itself. */
class InMemoryFileHandle implements Required<VirtualFileHandle> {
  #fd: number | undefined;
  constructor(
    private readonly mem: Memfs,
    fd: number,
    /** Throws ENOSPC unless the file may grow from `from` to `to` bytes. */
    private readonly reserve: (from: number, to: number, syscall: string) => void,
    private readonly append: boolean,
  ) {
    this.#fd = fd;
  }
  #open(syscall: string): number {
    if (this.#fd === undefined) throw nodeStyleError(Error, "EBADF", `EBADF: bad file descriptor, ${syscall}`, { errno: -9, syscall });
    return this.#fd;
  }
  readSync(length: number, position: number): Uint8Array {
    const fd = this.#open("read");
    const buffer = new Uint8Array(checkLength(length, "length"));
    const n = this.mem.readSync(fd, buffer, 0, buffer.length, checkLength(position, "position"));
    return buffer.slice(0, n);
  }
  writeSync(data: Uint8Array, position: number): number {
    const fd = this.#open("write");
    const bytes = checkData(data);
    if (typeof bytes === "string") return this.writeSync(toBytes(bytes), position);
    const at = checkLength(position, "position");
    const size = Number(this.mem.fstatSync(fd).size);
    this.reserve(size, this.append ? size + bytes.length : Math.max(size, at + bytes.length), "write");
    // Copy, so the caller may reuse its buffer at once.
    return this.mem.writeSync(fd, bytes.slice(), 0, bytes.length, at);
  }
  statSync(): VirtualStat {
    return toVirtualStat(this.mem.fstatSync(this.#open("fstat")) as MemfsStats);
  }
  truncateSync(length: number): void {
    const fd = this.#open("ftruncate");
    const to = checkLength(length, "length");
    this.reserve(Number(this.mem.fstatSync(fd).size), to, "ftruncate");
    this.mem.ftruncateSync(fd, to);
  }
  syncSync(): void {
    this.#open("fsync");
  }
  closeSync(): void {
    const fd = this.#open("close");
    this.#fd = undefined;
    this.mem.closeSync(fd);
  }
  read = async (length: number, position: number) => this.readSync(length, position);
  write = async (data: Uint8Array, position: number) => this.writeSync(data, position);
  stat = async () => this.statSync();
  truncate = async (length: number) => this.truncateSync(length);
  sync = async () => this.syncSync();
  close = async () => this.closeSync();
}

/**
 * Creates an empty in-memory filesystem (just `/`). Errors carry Node's `code`, `errno`,
 * `syscall` and `path` (`ENOENT`, `EEXIST`, `ENOTDIR`, `EISDIR`, `ENOTEMPTY`, `EINVAL`,
 * `ELOOP`). Bytes returned are fresh `Uint8Array` copies, and bytes written are copied in,
 * so neither side can change the other's data afterwards. Paths must be absolute POSIX
 * paths. It implements every optional method of VirtualFileSystem (symbolic and hard
 * links, modes, times, file handles) with its synchronous counterpart.
 *
 * Unlike Node's `fs.writeFile`, `writeFile` creates missing parent directories, so a fresh
 * filesystem can be populated directly.
 * @example
 * const fs = createInMemoryFileSystem();
 * await fs.writeFile("/app/data.json", '{"key": "value"}');
 * await fs.readTextFile("/app/data.json"); // '{"key": "value"}'
 */
export function createInMemoryFileSystem(options: InMemoryFileSystemOptions = {}): InMemoryFileSystem {
  if (typeof options !== "object" || options === null) throw new TypeError("createInMemoryFileSystem: options must be an object");
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== "number" || !(maxBytes > 0)) {
    throw new TypeError(`createInMemoryFileSystem: maxBytes must be a positive number (or Infinity), got ${showValue(maxBytes)}`);
  }
  const volume = new Volume();
  const mem = createFsFromVolume(volume);

  /**
   * Bytes stored in regular files, each inode counted once (hard links share one). Read
   * from memfs's inode table; where a memfs version lacks it, by walking the tree.
   */
  const usedBytes = (): number => {
    const inodes = (volume as unknown as { _core?: { inodes?: Record<string, { isFile(): boolean; getSize(): number }> } })._core?.inodes;
    let total = 0;
    if (inodes) {
      for (const node of Object.values(inodes)) if (node.isFile()) total += node.getSize();
      return total;
    }
    const seen = new Set<number>();
    const walk = (dir: string): void => {
      for (const name of mem.readdirSync(dir) as unknown as string[]) {
        const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
        const st = mem.lstatSync(path) as MemfsStats & { ino: number };
        if (st.isDirectory()) walk(path);
        else if (st.isFile() && !seen.has(Number(st.ino))) {
          seen.add(Number(st.ino));
          total += Number(st.size);
        }
      }
    };
    walk("/");
    return total;
  };

  /** Throws ENOSPC unless a file may go from `from` to `to` bytes within maxBytes. */
  const reserve = (from: number, to: number, syscall: string, path = ""): void => {
    if (to <= from || maxBytes === Infinity) return;
    if (usedBytes() - from + to > maxBytes) throw systemError("ENOSPC", -28, "no space left on device", syscall, path);
  };
  const sizeOf = (path: string): number => {
    try {
      const st = mem.statSync(path);
      return st.isFile() ? Number(st.size) : 0;
    } catch {
      return 0;
    }
  };

  const lstatOrNull = (path: string): MemfsStats | undefined => {
    try {
      return mem.lstatSync(path) as MemfsStats;
    } catch {
      return undefined;
    }
  };

  const readFileSync = (path: string): Uint8Array => {
    const bytes = mem.readFileSync(checkPath(path)) as Uint8Array;
    return new Uint8Array(bytes);
  };

  const readTextFileSync = (path: string): string =>
    mem.readFileSync(checkPath(path), "utf8") as string;

  const readDirSync = (path: string): string[] =>
    (mem.readdirSync(checkPath(path)) as unknown[]).map((name) => String(name));

  const readDirWithTypesSync = (path: string): VirtualDirEntry[] =>
    (mem.readdirSync(checkPath(path), { withFileTypes: true }) as unknown as MemfsDirent[]).map(
      (entry) => ({
        name: String(entry.name),
        isDirectory: entry.isDirectory(),
        isFile: entry.isFile(),
        isSymbolicLink: entry.isSymbolicLink(),
      }),
    );

  const writeFileSync = (path: string, data: Uint8Array | string): void => {
    checkPath(path);
    const contents = checkData(data);
    const parent = parentDir(path);
    reserve(sizeOf(path), typeof contents === "string" ? Buffer.byteLength(contents) : contents.byteLength, "open", path);
    if (!mem.existsSync(parent)) mem.mkdirSync(parent, { recursive: true });
    mem.writeFileSync(path, contents);
  };

  const createDirSync = (path: string): void => {
    mem.mkdirSync(checkPath(path));
  };

  const mkdirSync = (path: string, options?: { recursive?: boolean }): void => {
    checkPath(path);
    if (!checkMkdirOptions(options)) {
      mem.mkdirSync(path);
      return;
    }
    // memfs accepts a recursive mkdir onto an existing file; Node says EEXIST.
    if (mem.existsSync(path) && !mem.statSync(path).isDirectory()) {
      throw systemError("EEXIST", -17, "file already exists", "mkdir", path);
    }
    mem.mkdirSync(path, { recursive: true });
  };

  const existsSync = (path: string): boolean => {
    if (typeof path !== "string" || !path.startsWith("/") || path.includes("\0")) return false;
    return mem.existsSync(path);
  };

  const statSync = (path: string): VirtualStat => toVirtualStat(mem.statSync(checkPath(path)));

  const removeFileSync = (path: string): void => {
    checkPath(path);
    try {
      mem.unlinkSync(path);
    } catch (error) {
      // memfs answers EPERM (the macOS code) for a directory; Linux Node says EISDIR.
      if (hasCode(error, "EPERM") && mem.lstatSync(path).isDirectory()) {
        throw systemError("EISDIR", -21, "illegal operation on a directory", "unlink", path);
      }
      throw error;
    }
  };

  const removeDirSync = (path: string): void => {
    mem.rmdirSync(checkPath(path));
  };

  /**
   * memfs lets a rename replace a non-empty directory, put a file over a directory and
   * move a directory into itself (rename(2) refuses all three), and it moves a link's
   * target instead of the link. Check and handle those first.
   */
  const renameSync = (oldPath: string, newPath: string): void => {
    checkPath(oldPath, "oldPath");
    checkPath(newPath, "newPath");
    const fail = (code: string, errno: number, description: string): never => {
      throw Object.assign(systemError(code, errno, description, "rename", oldPath), {
        message: `${code}: ${description}, rename '${oldPath}' -> '${newPath}'`,
        dest: newPath,
      });
    };
    const source = lstatOrNull(oldPath);
    if (!source) fail("ENOENT", -2, "no such file or directory");
    if (oldPath === newPath) return;
    if (source!.isDirectory() && newPath.startsWith(`${oldPath}/`)) fail("EINVAL", -22, "invalid argument");
    const target = lstatOrNull(newPath);
    if (source!.isSymbolicLink()) {
      // memfs's rename follows a link and moves its target; move the link itself.
      if (target?.isDirectory()) fail("EISDIR", -21, "illegal operation on a directory");
      const linkTarget = String(mem.readlinkSync(oldPath));
      if (!lstatOrNull(parentDir(newPath))) fail("ENOENT", -2, "no such file or directory");
      if (target) mem.unlinkSync(newPath);
      mem.symlinkSync(linkTarget, newPath);
      mem.unlinkSync(oldPath);
      return;
    }
    if (target) {
      if (source!.isDirectory()) {
        if (!target.isDirectory()) fail("ENOTDIR", -20, "not a directory");
        if (mem.readdirSync(newPath).length > 0) fail("ENOTEMPTY", -39, "directory not empty");
        mem.rmdirSync(newPath);
      } else if (target.isDirectory()) {
        fail("EISDIR", -21, "illegal operation on a directory");
      }
    }
    mem.renameSync(oldPath, newPath);
  };

  const lstatSync = (path: string): VirtualStat => toVirtualStat(mem.lstatSync(checkPath(path)) as MemfsStats);

  const symlinkSync = (target: string, linkPath: string): void => {
    if (typeof target !== "string" || target === "" || target.includes("\0")) {
      throw nodeStyleError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'target' must be a non-empty string without null bytes. Received ${showValue(target)}`);
    }
    mem.symlinkSync(target, checkPath(linkPath, "linkPath"));
  };

  const readlinkSync = (path: string): string => String(mem.readlinkSync(checkPath(path)));

  const realpathSync = (path: string): string => String(mem.realpathSync(checkPath(path)));

  const linkSync = (existingPath: string, newPath: string): void => {
    checkPath(existingPath, "existingPath");
    checkPath(newPath, "newPath");
    // memfs reports ENOENT for a directory; link(2) says EPERM.
    if (lstatOrNull(existingPath)?.isDirectory()) {
      throw Object.assign(systemError("EPERM", -1, "operation not permitted", "link", existingPath), {
        message: `EPERM: operation not permitted, link '${existingPath}' -> '${newPath}'`,
        dest: newPath,
      });
    }
    mem.linkSync(existingPath, newPath);
  };

  const chmodSync = (path: string, mode: number): void => {
    mem.chmodSync(checkPath(path), checkLength(mode, "mode") & 0o7777);
  };

  const utimesSync = (path: string, atime: number, mtime: number): void => {
    mem.utimesSync(checkPath(path), checkNumber(atime, "atime"), checkNumber(mtime, "mtime"));
  };

  const truncateSync = (path: string, length: number): void => {
    const to = checkLength(length, "length");
    reserve(sizeOf(checkPath(path)), to, "open", path);
    mem.truncateSync(path, to);
  };

  const appendFileSync = (path: string, data: Uint8Array | string): void => {
    const bytes = checkData(data);
    const size = sizeOf(checkPath(path));
    reserve(size, size + (typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength), "open", path);
    mem.appendFileSync(path, bytes);
  };

  const copyFileSync = (src: string, dest: string, options?: { exclusive?: boolean }): void => {
    checkPath(src, "src");
    checkPath(dest, "dest");
    const exclusive = options?.exclusive === true;
    reserve(sizeOf(dest), sizeOf(src), "copyfile", dest);
    mem.copyFileSync(src, dest, exclusive ? 1 : 0);
  };

  const accessSync = (path: string, mode = 0): void => {
    mem.accessSync(checkPath(path), checkLength(mode, "mode") & 7);
  };

  const openSync = (path: string, flags: VirtualOpenFlags, mode = 0o666): VirtualFileHandle => {
    checkPath(path);
    const fd = mem.openSync(path, checkFlags(flags), checkLength(mode, "mode") & 0o7777);
    return new InMemoryFileHandle(mem, fd, (from, to, syscall) => reserve(from, to, syscall), flags.startsWith("a"));
  };

  return Object.freeze({
    readFileSync,
    readTextFileSync,
    readDirSync,
    readDirWithTypesSync,
    writeFileSync,
    createDirSync,
    mkdirSync,
    existsSync,
    statSync,
    removeFileSync,
    removeDirSync,
    renameSync,
    lstatSync,
    symlinkSync,
    readlinkSync,
    realpathSync,
    linkSync,
    chmodSync,
    utimesSync,
    truncateSync,
    appendFileSync,
    copyFileSync,
    accessSync,
    openSync,
    readFile: async (path: string) => readFileSync(path),
    readTextFile: async (path: string) => readTextFileSync(path),
    readDir: async (path: string) => readDirSync(path),
    readDirWithTypes: async (path: string) => readDirWithTypesSync(path),
    writeFile: async (path: string, data: Uint8Array | string) => writeFileSync(path, data),
    createDir: async (path: string) => createDirSync(path),
    mkdir: async (path: string, options?: { recursive?: boolean }) => mkdirSync(path, options),
    exists: async (path: string) => existsSync(path),
    stat: async (path: string) => statSync(path),
    removeFile: async (path: string) => removeFileSync(path),
    removeDir: async (path: string) => removeDirSync(path),
    rename: async (oldPath: string, newPath: string) => renameSync(oldPath, newPath),
    lstat: async (path: string) => lstatSync(path),
    symlink: async (target: string, linkPath: string) => symlinkSync(target, linkPath),
    readlink: async (path: string) => readlinkSync(path),
    realpath: async (path: string) => realpathSync(path),
    link: async (existingPath: string, newPath: string) => linkSync(existingPath, newPath),
    chmod: async (path: string, mode: number) => chmodSync(path, mode),
    utimes: async (path: string, atime: number, mtime: number) => utimesSync(path, atime, mtime),
    truncate: async (path: string, length: number) => truncateSync(path, length),
    appendFile: async (path: string, data: Uint8Array | string) => appendFileSync(path, data),
    copyFile: async (src: string, dest: string, options?: { exclusive?: boolean }) => copyFileSync(src, dest, options),
    access: async (path: string, mode?: number) => accessSync(path, mode),
    open: async (path: string, flags: VirtualOpenFlags, mode?: number) => openSync(path, flags, mode),
  });
}
