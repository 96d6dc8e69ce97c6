/**
 * Where an op runs once the bridge has decoded its arguments: the permission check and
 * the implementation. In-process, a `LocalOpRunner` does both on the spot. In worker
 * mode the guest's thread hands non-local ops to a runner that sends the decoded
 * arguments to the caller's thread, where a `LocalOpRunner` serves them (see
 * src/runtime/worker/). Either way, the steps and the op table are the same.
 */
import { Granted, type Op, type OpContext, type PermissionRequest } from "./op.js";
import type { PermissionGate } from "./gate.js";
import { OpError, type OpErrorRecord, toOpErrorRecord } from "./op-error.js";

/** Set QUICKSAND_DEBUG=1 to see unexpected host-side op failures (the guest sees a generic error). */
const DEBUG = typeof process !== "undefined" && process.env?.QUICKSAND_DEBUG === "1";

/** An op's failure, already in the shape the guest's error helper rebuilds. */
export class OpFailure extends Error {
  constructor(readonly record: OpErrorRecord) {
    super(record.message);
  }
}

export interface OpRunner {
  /** Serves a synchronous guest call; throws OpFailure. */
  runSync(op: Op, args: unknown[]): unknown;
  /** Serves an asynchronous guest call; rejects with OpFailure. */
  runAsync(op: Op, args: unknown[]): Promise<unknown>;
}

export class LocalOpRunner implements OpRunner {
  constructor(
    private readonly cx: OpContext,
    private readonly gate: PermissionGate,
  ) {}

  runSync(op: Op, args: unknown[]): unknown {
    if (!op.sync) {
      throw new OpFailure(
        toOpErrorRecord(
          OpError.node(
            "ERR_SANDBOX_SYNC_UNAVAILABLE",
            `${op.name} has no synchronous form in-process: the configured backend is async-only; use the callback or promise API, or run the sandbox in worker mode`,
          ),
        ),
      );
    }
    let requests: PermissionRequest[] = [];
    try {
      const asked = op.permission?.(args, this.cx, "sync") ?? [];
      if (!Array.isArray(asked)) throw new Error(`op ${op.name} built its permission requests asynchronously in a synchronous call`);
      requests = asked;
      this.gate.checkSync(requests, op.syscall);
      return op.sync(this.cx, args, Granted.create(requests));
    } catch (err) {
      throw failure(err, op, requests);
    }
  }

  async runAsync(op: Op, args: unknown[]): Promise<unknown> {
    let requests: PermissionRequest[] = [];
    try {
      requests = (await op.permission?.(args, this.cx, "async")) ?? [];
      await this.gate.checkAsync(requests, op.syscall);
      const granted = Granted.create(requests);
      return op.async ? await op.async(this.cx, args, granted) : op.sync!(this.cx, args, granted);
    } catch (err) {
      throw failure(err, op, requests);
    }
  }
}

/** The error record of a failed call, naming the fs paths it was about. */
export function failure(err: unknown, op: Op | undefined, requests: readonly PermissionRequest[]): OpFailure {
  if (err instanceof OpFailure) return err;
  if (DEBUG && !(err instanceof OpError)) console.error(`[quicksand] op ${op?.name ?? "?"} failed on the host:`, err);
  const fs = requests.filter((r) => r.kind === "fs").map((r) => (r.request as { path: string }).path);
  return new OpFailure(toOpErrorRecord(err, op?.syscall, fs[0], fs[1]));
}
