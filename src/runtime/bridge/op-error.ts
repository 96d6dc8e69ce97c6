/**
 * The error an op reports to the guest. It crosses as a plain record (code, errno,
 * syscall, path, dest, message) and the guest's `_internal/errors` turns it into a
 * Node-shaped Error there, so no host Error object, stack or host path reaches the guest.
 */

/** errno numbers as Node reports them on Linux (negative, like `err.errno`). */
const ERRNO: Record<string, number> = {
  EPERM: -1, ENOENT: -2, EIO: -5, EBADF: -9, EAGAIN: -11, ENOMEM: -12, EACCES: -13,
  EEXIST: -17, EXDEV: -18, ENOTDIR: -20, EISDIR: -21, EINVAL: -22, EMFILE: -24,
  EFBIG: -27, ENOSPC: -28, ESPIPE: -29, EROFS: -30, ENAMETOOLONG: -36, ENOSYS: -38,
  ENOTEMPTY: -39, ELOOP: -40, ENOTSUP: -95, ECONNREFUSED: -111, ETIMEDOUT: -110,
};

export interface OpErrorRecord {
  code: string;
  message: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
}

export class OpError extends Error {
  readonly record: OpErrorRecord;
  constructor(record: OpErrorRecord) {
    super(record.message);
    this.name = "OpError";
    this.record = record;
  }

  /** A system error in Node's shape: `ENOENT: no such file or directory, open '/x'`. */
  static system(code: string, description: string, syscall?: string, path?: string, dest?: string): OpError {
    let message = `${code}: ${description}`;
    if (syscall) message += `, ${syscall}`;
    if (path !== undefined) message += ` '${path}'`;
    if (dest !== undefined) message += ` -> '${dest}'`;
    return new OpError({ code, message, errno: ERRNO[code], syscall, path, dest });
  }

  /** A Node `ERR_*` error (no errno/syscall). */
  static node(code: string, message: string): OpError {
    return new OpError({ code, message });
  }
}

const DESCRIPTIONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EEXIST: "file already exists",
  ENOTDIR: "not a directory",
  EISDIR: "illegal operation on a directory",
  ENOTEMPTY: "directory not empty",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EBADF: "bad file descriptor",
  EINVAL: "invalid argument",
  EMFILE: "too many open files",
  ELOOP: "too many symbolic links encountered",
  EXDEV: "cross-device link not permitted",
  ENAMETOOLONG: "name too long",
  EROFS: "read-only file system",
  ENOSYS: "function not implemented",
  ENOTSUP: "operation not supported on socket",
};

export function describeErrno(code: string): string {
  return DESCRIPTIONS[code] ?? "unknown error";
}

/**
 * Turns whatever a backend threw into a record for the guest. Backend errors with a
 * POSIX `code` keep the code but get a message rebuilt from the guest's own syscall and
 * path, so a host path inside the backend's message never reaches the guest.
 */
export function toOpErrorRecord(err: unknown, syscall?: string, path?: string, dest?: string): OpErrorRecord {
  if (err instanceof OpError) return err.record;
  const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : undefined;
  if (code && /^E[A-Z0-9]+$/.test(code)) {
    return OpError.system(code, describeErrno(code), syscall, path, dest).record;
  }
  if (code && /^ERR_[A-Z0-9_]+$/.test(code)) {
    return { code, message: String((err as Error).message ?? code) };
  }
  // An unexpected host failure: say that it happened, not what the host was doing.
  return { code: "ERR_SANDBOX_HOST_FAILURE", message: `host operation failed${syscall ? ` (${syscall})` : ""}` };
}
