/**
 * A VirtualFileSystem kept entirely in memory, built on memfs. It implements every async
 * method and every optional `*Sync` one, so it serves the guest's synchronous fs API
 * in-process.
 */
import { Volume, createFsFromVolume } from "memfs";
import { showValue, typeName } from "./describe-value";
import type { VirtualDirEntry, VirtualFileSystem, VirtualStat } from "./types";

/** A VirtualFileSystem whose synchronous methods are all present. */
export type InMemoryFileSystem = Required<VirtualFileSystem>;

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

/**
 * Creates an empty in-memory filesystem (just `/`). Errors carry Node's `code`, `errno`,
 * `syscall` and `path` (`ENOENT`, `EEXIST`, `ENOTDIR`, `EISDIR`, `ENOTEMPTY`). Bytes
 * returned are fresh `Uint8Array` copies, and bytes written are copied in, so neither side
 * can change the other's data afterwards. Paths must be absolute POSIX paths.
 *
 * Unlike Node's `fs.writeFile`, `writeFile` creates missing parent directories, so a fresh
 * filesystem can be populated directly.
 * @example
 * const fs = createInMemoryFileSystem();
 * await fs.writeFile("/app/data.json", '{"key": "value"}');
 * await fs.readTextFile("/app/data.json"); // '{"key": "value"}'
 */
export function createInMemoryFileSystem(): InMemoryFileSystem {
  const mem = createFsFromVolume(new Volume());

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

  const renameSync = (oldPath: string, newPath: string): void => {
    mem.renameSync(checkPath(oldPath, "oldPath"), checkPath(newPath, "newPath"));
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
  });
}
