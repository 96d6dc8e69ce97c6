/**
 * The permission choke point. Every op's requests pass here, and nowhere else decides
 * whether the guest may touch the outside. A denial becomes `EACCES` carrying the
 * callback's reason.
 */
import { checkPermission } from "../../driver/permissions.js";
import type { Permissions } from "../../driver/types.js";
import type { PermissionRequest } from "./op.js";
import { OpError } from "./op-error.js";

interface Decision {
  allow: boolean;
  reason?: string;
}

export class PermissionGate {
  constructor(private readonly permissions: Readonly<Permissions>) {}

  /** Checks requests for a synchronous op. An async callback cannot be awaited in-process. */
  checkSync(requests: readonly PermissionRequest[], syscall: string | undefined): void {
    for (const req of requests) {
      const d = checkPermission(this.permissions, req.kind, req.request as never);
      if (isPromise(d)) {
        // Do not leave the rejection unobserved.
        (d as Promise<unknown>).catch(() => {});
        throw OpError.node(
          "ERR_SANDBOX_SYNC_UNAVAILABLE",
          `the ${req.kind} permission callback returned a Promise, which a synchronous API cannot wait for in-process; use the async form of this API, or run the sandbox in worker mode`,
        );
      }
      if (!d.allow) throw denied(req, d, syscall);
    }
  }

  async checkAsync(requests: readonly PermissionRequest[], syscall: string | undefined): Promise<void> {
    for (const req of requests) {
      const d = await checkPermission(this.permissions, req.kind, req.request as never);
      if (!d.allow) throw denied(req, d, syscall);
    }
  }

  /** Answers without throwing; an async callback counts as a denial here. */
  allowed(req: PermissionRequest): boolean {
    const d = checkPermission(this.permissions, req.kind, req.request as never);
    if (isPromise(d)) {
      (d as Promise<unknown>).catch(() => {});
      return false;
    }
    return d.allow;
  }

  /** Like `allowed`, waiting for an async callback; a rejected callback is a denial. */
  async allowedAsync(req: PermissionRequest): Promise<boolean> {
    try {
      return (await checkPermission(this.permissions, req.kind, req.request as never)).allow;
    } catch {
      return false;
    }
  }
}

function isPromise(v: unknown): v is Promise<Decision> {
  return typeof (v as { then?: unknown })?.then === "function";
}

function denied(req: PermissionRequest, d: Decision, syscall: string | undefined): OpError {
  const reason = d.reason ? ` (${d.reason})` : "";
  switch (req.kind) {
    case "fs": {
      const e = OpError.system("EACCES", "permission denied", syscall ?? req.request.op, req.request.path);
      return new OpError({ ...e.record, message: e.record.message + reason });
    }
    case "env":
      return new OpError({
        code: "EACCES",
        errno: -13,
        syscall: `env.${req.request.op}`,
        message: `EACCES: permission denied, ${req.request.op} of environment variable '${req.request.key}'${reason}`,
      });
    case "network": {
      const target = req.request.url ?? req.request.hostname ?? "";
      return new OpError({ code: "EACCES", errno: -13, syscall: req.request.op, message: `EACCES: permission denied, ${req.request.op} '${target}'${reason}` });
    }
    case "childProcess":
      return new OpError({
        code: "EACCES",
        errno: -13,
        syscall: "spawn",
        path: req.request.command,
        message: `EACCES: permission denied, spawn '${req.request.command}'${reason}`,
      });
  }
}
