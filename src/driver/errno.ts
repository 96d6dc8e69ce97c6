/**
 * POSIX error codes as Node reports them on Linux: the negative `errno` of `err.errno`
 * and the text libuv gives (`ENOENT: no such file or directory, ...`). One table for the
 * filesystems (which raise these errors) and the bridge (which rebuilds them for the guest).
 */
const TABLE: Readonly<Record<string, readonly [number, string]>> = {
  EPERM: [-1, "operation not permitted"],
  ENOENT: [-2, "no such file or directory"],
  EIO: [-5, "i/o error"],
  EBADF: [-9, "bad file descriptor"],
  EAGAIN: [-11, "resource temporarily unavailable"],
  ENOMEM: [-12, "not enough memory"],
  EACCES: [-13, "permission denied"],
  EBUSY: [-16, "resource busy or locked"],
  EEXIST: [-17, "file already exists"],
  EXDEV: [-18, "cross-device link not permitted"],
  ENOTDIR: [-20, "not a directory"],
  EISDIR: [-21, "illegal operation on a directory"],
  EINVAL: [-22, "invalid argument"],
  EMFILE: [-24, "too many open files"],
  EFBIG: [-27, "file too large"],
  ENOSPC: [-28, "no space left on device"],
  ESPIPE: [-29, "invalid seek"],
  EROFS: [-30, "read-only file system"],
  ENAMETOOLONG: [-36, "name too long"],
  ENOSYS: [-38, "function not implemented"],
  ENOTEMPTY: [-39, "directory not empty"],
  ELOOP: [-40, "too many symbolic links encountered"],
  ENOTSUP: [-95, "operation not supported on socket"],
  ETIMEDOUT: [-110, "connection timed out"],
  ECONNREFUSED: [-111, "connection refused"],
};

/** The negative errno Node reports for a code, or undefined for an unknown code. */
export function errnoOf(code: string): number | undefined {
  return TABLE[code]?.[0];
}

/** libuv's description of a code (`no such file or directory`). */
export function describeErrno(code: string): string {
  return TABLE[code]?.[1] ?? "unknown error";
}
