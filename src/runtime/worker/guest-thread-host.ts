/**
 * The ExecHost of an exec running on a sandbox worker. Ops marked `local` run here; every
 * other op goes, decoded, to the caller's thread (host-session.ts), which checks its
 * permissions and runs it against the real driver. A synchronous guest call blocks this
 * thread with `Atomics.wait` until the reply is posted, so a sync guest API works over
 * any adapter, async ones included. Output is bounded here and streamed to the caller.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { SystemDriver } from "../../driver/types.js";
import { PermissionGate } from "../bridge/gate.js";
import type { Op, OpContext } from "../bridge/op.js";
import { LocalOpRunner, OpFailure, type OpRunner } from "../bridge/op-runner.js";
import { createExecState, type ExecHost, type HostFactory, type SandboxFacts } from "../exec-host.js";
import { OutputCapture } from "../stdio.js";
import { DEADLINE, fromWire, RUNNING_JOB, STOP_BASE, SYNC_FLAG, toWire, type FromWorker, type SyncReply, type ToWorker, type WorkerExecConfig } from "./protocol.js";

/** Now as epoch milliseconds, comparable across threads. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** This worker's end of the wire: posting, blocking calls, and the watchdog's words. */
export class GuestThreadWire {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private nextId = 1;
  private readonly pending = new Map<number, { job: number; resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  /** The deadline put aside while this thread waits for the caller's thread. */
  private paused = 0;
  /** Milliseconds spent blocked on synchronous calls, in all (see ExecutionHooks.hostWaitMs). */
  waitedMs = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly syncPort: MessagePort,
    control: SharedArrayBuffer,
  ) {
    this.i32 = new Int32Array(control, 0, DEADLINE * 2);
    this.f64 = new Float64Array(control);
  }

  post(msg: FromWorker): void {
    this.port.postMessage(msg);
  }

  /** Sends a call and blocks until its reply; the watchdog does not count the wait. */
  callSync(msg: FromWorker & { id: number }): SyncReply {
    this.pauseDeadline();
    const start = performance.now();
    try {
      this.port.postMessage(msg);
      for (;;) {
        while (Atomics.load(this.i32, SYNC_FLAG) === 0) Atomics.wait(this.i32, SYNC_FLAG, 0);
        Atomics.store(this.i32, SYNC_FLAG, 0);
        const got = receiveMessageOnPort(this.syncPort);
        const reply = got?.message as SyncReply | undefined;
        if (reply && reply.id === msg.id) return reply;
      }
    } finally {
      this.waitedMs += performance.now() - start;
      this.resumeDeadline();
    }
  }

  /** Sends a call whose reply arrives as a "done" message. */
  callAsync(msg: FromWorker & { id: number; job: number }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { job: msg.job, resolve, reject });
      this.port.postMessage(msg);
    });
  }

  id(): number {
    return this.nextId++;
  }

  settle(m: Extract<ToWorker, { t: "done" }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(new OpFailure(m.error));
    else p.resolve(fromWire(m.value));
  }

  /** Drops the calls of an exec that ended: their replies, if any come, are ignored. */
  forgetPending(job: number): void {
    for (const [id, p] of this.pending) if (p.job === job) this.pending.delete(id);
  }

  stopRequested(job: number, stopSlot: number): boolean {
    return Atomics.load(this.i32, STOP_BASE + stopSlot) === job;
  }

  /** Guest code of `job` starts (with its CPU deadline) or stops running (job 0, deadline 0). */
  setRunning(job: number, deadlineEpochMs: number): void {
    Atomics.store(this.i32, RUNNING_JOB, job);
    this.f64[DEADLINE] = deadlineEpochMs;
  }

  private pauseDeadline(): void {
    const d = this.f64[DEADLINE]!;
    if (d === 0) return;
    this.paused = d - epochNow();
    this.f64[DEADLINE] = 0;
  }

  private resumeDeadline(): void {
    if (this.paused === 0) return;
    this.f64[DEADLINE] = epochNow() + this.paused;
    this.paused = 0;
  }
}

/** Non-local ops: decoded here, served on the caller's thread. */
class RemoteOpRunner implements OpRunner {
  constructor(
    private readonly wire: GuestThreadWire,
    private readonly job: number,
  ) {}

  runSync(op: Op, args: unknown[]): unknown {
    const reply = this.wire.callSync({ t: "call", job: this.job, id: this.wire.id(), name: op.name, args: toWire(args) as unknown[], sync: true });
    if (reply.error) throw new OpFailure(reply.error);
    return fromWire(reply.value);
  }

  runAsync(op: Op, args: unknown[]): Promise<unknown> {
    return this.wire.callAsync({ t: "call", job: this.job, id: this.wire.id(), name: op.name, args: toWire(args) as unknown[], sync: false });
  }
}

/** The ExecHost of one exec on this worker. */
export function guestThreadHost(wire: GuestThreadWire, job: number, config: WorkerExecConfig, onFacts: (f: SandboxFacts) => void): HostFactory {
  return (facts): ExecHost => {
    onFacts(facts);
    const output = new OutputCapture(config.maxOutputBytes, [(e) => wire.post({ t: "stdio", job, channel: e.channel, message: e.message })], false);
    // Local ops see only the exec's own state; env, cwd and stdin live on the caller's thread.
    const exec = createExecState({ cwd: config.cwd, env: new Map(), stdin: "", write: (c, t) => output.write(c, t), facts });
    // Local ops read only the process and os facts; nothing else of the driver is here.
    const driver = {
      kind: "node",
      permissions: {},
      useDefaultNetwork: false,
      moduleAccess: {},
      loopbackExemptPorts: [],
      processConfig: config.processConfig,
      osConfig: config.osConfig,
    } as unknown as SystemDriver;
    // Every permission is asked on the caller's thread, by the op that needs it.
    const cx: OpContext = {
      driver,
      exec,
      allowed: () => false,
      allowedAsync: async () => false,
    };
    // Local ops ask for no permissions (defineOp refuses that), so this gate is never consulted.
    const localRunner = new LocalOpRunner(cx, new PermissionGate({}));
    // The module loader's ops cross like any other: the guest's thread waits for them.
    return { cx, runner: new RemoteOpRunner(wire, job), localRunner, syncModuleLoading: true, output, end: () => exec.end() };
  };
}
