/**
 * Small pieces the host-backed filesystems share: Node-shaped errors that name guest
 * paths (never host ones), lexical path normalization, open-flag translation and the
 * conversion of a host `fs.Stats` into a plain VirtualStat.
 */
import { constants, type Stats } from "node:fs";
import { describeErrno, errnoOf } from "./errno";
import type { VirtualOpenFlags, VirtualStat } from "./types";

export type FsError = Error & { code: string; errno?: number; syscall?: string; path?: string; dest?: string };

/** `ENOENT: no such file or directory, open '/a'`, with code, errno, syscall, path (and dest). */
export function fsError(code: string, syscall: string, path: string, dest?: string): FsError {
  const errno = errnoOf(code);
  const description = describeErrno(code);
  const message = `${code}: ${description}, ${syscall} '${path}'${dest === undefined ? "" : ` -> '${dest}'`}`;
  const error = new Error(message) as FsError;
  error.code = code;
  if (errno !== undefined) error.errno = errno;
  error.syscall = syscall;
  error.path = path;
  if (dest !== undefined) error.dest = dest;
  return error;
}

/** The POSIX `code` of a thrown error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/**
 * Re-raises a host error in guest terms: same code, message naming the guest path. A
 * host error without a POSIX code is re-raised as EIO, so its message (which may name
 * host paths) never travels further.
 */
export function rethrowAs(error: unknown, syscall: string, path: string, dest?: string): never {
  const code = errorCode(error);
  if (code && /^ERR_/.test(code)) throw error;
  throw fsError(code && /^E[A-Z0-9]+$/.test(code) ? code : "EIO", syscall, path, dest);
}

/** Checks a guest path argument and collapses `.`, `..` and repeated slashes (never above `/`). */
export function normalizeGuestPath(path: unknown, name = "path"): string {
  if (typeof path !== "string") {
    throw Object.assign(new TypeError(`The "${name}" argument must be of type string. Received ${path === null ? "null" : typeof path}`), {
      code: "ERR_INVALID_ARG_TYPE",
    });
  }
  if (!path.startsWith("/") || path.includes("\0")) {
    throw Object.assign(
      new TypeError(`The argument '${name}' must be an absolute POSIX path without null bytes. Received ${JSON.stringify(path.slice(0, 60))}`),
      { code: "ERR_INVALID_ARG_VALUE" },
    );
  }
  return `/${splitPath(path).join("/")}`;
}

/** The segments of a path with `.`/`..` applied; `..` at the top stays at the top. */
export function splitPath(path: string, base: readonly string[] = []): string[] {
  const out = path.startsWith("/") ? [] : base.slice();
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return out;
}

/** open(2) flags for a VirtualOpenFlags string, always with O_NOFOLLOW (callers resolve links first). */
export function openFlags(flags: VirtualOpenFlags): number {
  const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_EXCL } = constants;
  const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
  const table: Record<VirtualOpenFlags, number> = {
    r: O_RDONLY,
    "r+": O_RDWR,
    w: O_WRONLY | O_CREAT | O_TRUNC,
    wx: O_WRONLY | O_CREAT | O_TRUNC | O_EXCL,
    "w+": O_RDWR | O_CREAT | O_TRUNC,
    "wx+": O_RDWR | O_CREAT | O_TRUNC | O_EXCL,
    a: O_WRONLY | O_CREAT | O_APPEND,
    ax: O_WRONLY | O_CREAT | O_APPEND | O_EXCL,
    "a+": O_RDWR | O_CREAT | O_APPEND,
    "ax+": O_RDWR | O_CREAT | O_APPEND | O_EXCL,
  };
  const value = table[flags];
  if (value === undefined) {
    throw Object.assign(new TypeError(`The argument 'flags' must be one of ${Object.keys(table).join(", ")}. Received ${JSON.stringify(flags)}`), {
      code: "ERR_INVALID_ARG_VALUE",
    });
  }
  return value | NOFOLLOW;
}

export function isWriteFlags(flags: VirtualOpenFlags): boolean {
  return flags !== "r";
}

/** A plain VirtualStat from a host Stats. Ownership is left out: it would describe the host. */
export function statFromHost(stats: Stats): VirtualStat {
  return {
    size: stats.size,
    mode: stats.mode,
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymbolicLink: stats.isSymbolicLink(),
    atimeMs: stats.atimeMs,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    birthtimeMs: stats.birthtimeMs,
    ino: stats.ino,
    nlink: stats.nlink,
  };
}

/** Bytes of a string or Uint8Array argument (strings as UTF-8). */
export function dataBytes(data: Uint8Array | string): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  throw Object.assign(new TypeError(`The "data" argument must be of type string or an instance of Uint8Array`), { code: "ERR_INVALID_ARG_TYPE" });
}
