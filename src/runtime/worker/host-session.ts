/**
 * The caller's side of one exec running on a sandbox worker: the exec's state (cwd,
 * env, stdin, output, end hooks), its permission gate and the real driver. It serves the
 * worker's calls with the same LocalOpRunner as in-process, always in its async form —
 * permission callbacks and adapters awaited — whether the guest called a sync or an
 * async API: the guest's thread is the one that waits.
 */
import { OPS } from "../../shims/index.js";
import { tooLargeResult } from "../bridge/encode.js";
import { OpError, toOpErrorRecord, type OpErrorRecord } from "../bridge/op-error.js";
import { LocalOpRunner, OpFailure } from "../bridge/op-runner.js";
import { createExecState, opContext } from "../exec-host.js";
import type { ResolvedExecOptions, ResolvedRuntimeOptions } from "../options.js";
import { OutputCapture } from "../stdio.js";
import { fromWire, toWire, type FromWorker, type SyncReply, type ToWorker } from "./protocol.js";

/** How the session talks back to its worker. */
export interface SessionLink {
  post(msg: ToWorker): void;
  /** Posts a reply to a synchronous call and wakes the waiting thread. */
  replySync(reply: SyncReply): void;
}

export interface SessionOutcome {
  code: number;
  errorMessage?: string;
  exportsJson?: string;
}

const EXITED: OpErrorRecord = { code: "ERR_SANDBOX_EXITED", message: "the sandbox is exiting" };

/** Room for the worker's truncation marker beyond the output budget. */
const MARKER_ROOM = 256;

export class HostSession {
  readonly output: OutputCapture;
  private readonly runner: LocalOpRunner;
  private readonly end: () => void;
  private readonly responseBytes: number;
  /** The synchronous call the worker is blocked on, if any. */
  private waiting: number | undefined;
  private closed = false;
  /** The exec is being stopped: calls are answered at once with ERR_SANDBOX_EXITED. */
  private stopping = false;

  constructor(
    readonly job: number,
    rt: ResolvedRuntimeOptions,
    ex: ResolvedExecOptions,
    private readonly link: SessionLink,
  ) {
    this.responseBytes = rt.payloadLimits.responseBytes;
    // The worker already bounded the text and wrote the truncation marker.
    this.output = new OutputCapture(rt.maxOutputBytes + MARKER_ROOM, ex.onStdio);
    const exec = createExecState({
      cwd: ex.cwd,
      env: ex.env,
      stdin: ex.stdin,
      write: (c, t) => this.output.write(c, t),
      facts: {
        exit: (code) => link.post({ t: "exit", job, code }),
        // Memory figures are the sandbox's own: only ops marked local (run on its thread) read them.
        memoryUsage: () => {
          throw new Error("quicksand internal: memoryUsage is read by local ops only, on the sandbox's thread");
        },
        memoryLimit: rt.memoryLimitBytes,
        ...(ex.timingMitigation === "freeze" ? { guestClockMs: ex.startEpochMs ?? Date.now() } : {}),
      },
    });
    const { cx, gate } = opContext(rt.driver, exec, rt.bindings.functions);
    this.runner = new LocalOpRunner(cx, gate);
    this.end = () => exec.end();
  }

  /** Handles one message of this exec from the worker (op calls, output). */
  handle(m: FromWorker): void {
    if (this.closed) return;
    if (this.stopping && m.t === "call") {
      if (m.sync) this.waiting = m.id;
      this.reply(m.id, m.sync, { error: EXITED });
      return;
    }
    switch (m.t) {
      case "call":
        if (m.sync) this.waiting = m.id;
        void this.serveCall(m.name, m.args).then((r) => this.reply(m.id, m.sync, r));
        return;
      case "stdio":
        this.output.write(m.channel, m.message);
        return;
    }
  }

  /**
   * The exec is being stopped: a worker blocked on a call gets an error now instead of
   * waiting for host work that may never finish.
   */
  interrupt(): void {
    this.stopping = true;
    if (this.waiting !== undefined) this.reply(this.waiting, true, { error: EXITED });
  }

  /** The exec is over: release its host resources. Late replies are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.end();
  }

  private async serveCall(name: string, args: unknown[]): Promise<{ value?: unknown; error?: OpErrorRecord }> {
    const op = OPS.get(name);
    if (!op || op.local) return { error: toOpErrorRecord(OpError.node("ERR_SANDBOX_UNKNOWN_OP", `unknown operation ${JSON.stringify(name)}`)) };
    try {
      const value = await this.runner.runAsync(op, fromWire(args) as unknown[]);
      // Refuse an oversized result here, before it is copied to the other thread (the
      // guest's side checks again, nested values included, when it builds the value).
      const size = typeof value === "string" ? value.length : value instanceof Uint8Array ? value.byteLength : 0;
      if (!op.ownCodeResult && size > this.responseBytes) {
        throw tooLargeResult(size, this.responseBytes);
      }
      return { value: toWire(value) };
    } catch (e) {
      return { error: e instanceof OpFailure ? e.record : toOpErrorRecord(e) };
    }
  }

  private reply(id: number, sync: boolean, r: { value?: unknown; error?: OpErrorRecord }): void {
    if (this.closed) return;
    if (!sync) {
      this.post({ t: "done", job: this.job, id, ...r });
      return;
    }
    if (this.waiting !== id) return; // already answered (interrupted)
    this.waiting = undefined;
    try {
      this.link.replySync({ id, ...r });
    } catch (e) {
      // A result that cannot be cloned (not plain data) fails the call, not the host.
      this.link.replySync({ id, error: toOpErrorRecord(e) });
    }
  }

  private post(msg: ToWorker): void {
    try {
      this.link.post(msg);
    } catch (e) {
      if (msg.t === "done") this.link.post({ t: "done", job: msg.job, id: msg.id, error: toOpErrorRecord(e) });
    }
  }
}
