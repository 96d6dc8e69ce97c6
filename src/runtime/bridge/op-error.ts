/**
 * The error an op reports to the guest. It crosses as a plain record (code, errno,
 * syscall, path, dest, message) and the guest's `_lib/errors` turns it into a
 * Node-shaped Error there, so no host Error object, stack or host path reaches the guest.
 */
import { describeErrno, errnoOf } from "../../driver/errno.js";

export { describeErrno };

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
    return new OpError({ code, message, errno: errnoOf(code), syscall, path, dest });
  }

  /** A Node `ERR_*` error (no errno/syscall). */
  static node(code: string, message: string): OpError {
    return new OpError({ code, message });
  }
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
