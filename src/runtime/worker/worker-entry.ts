/**
 * A sandbox worker: the thread a WorkerPool runs guest code on. It keeps one Sandbox
 * (WebAssembly instance) per runtime that runs here, and runs each exec with the same
 * Execution as in-process, over a guest-thread host (guest-thread-host.ts). It holds as
 * many execs at once as the pool gives it (execsPerWorker); they take turns on this
 * thread whenever one waits.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { OPS } from "../../shims/index.js";
import { compileVariant } from "../../wasm/module.js";
import { getVariant } from "../../wasm/variants.js";
import { Execution, type ExecLimits, type ExecutionHooks } from "../execution.js";
import { shareSlots } from "../host-jobs.js";
import type { SandboxFacts } from "../exec-host.js";
import { DEFAULTS } from "../defaults.js";
import type { ResolvedExecOptions } from "../options.js";
import { Sandbox } from "../sandbox.js";
import { epochNow, GuestThreadWire, guestThreadHost } from "./guest-thread-host.js";
import type { ToWorker } from "./protocol.js";

interface WorkerData {
  control: SharedArrayBuffer;
  syncPort: MessagePort;
  /** The process's libuv thread-pool slots, and this thread's count of them (host-jobs.ts). */
  hostJobs: SharedArrayBuffer;
  hostJobCells: SharedArrayBuffer;
}

const port = parentPort!;
const DEFAULT_MEMORY_BYTES = DEFAULTS.memoryLimitMb * 1024 * 1024;
const data = workerData as WorkerData;
const wire = new GuestThreadWire(port, data.syncPort, data.control);
shareSlots(data.hostJobs, data.hostJobCells);
const sandboxes = new Map<number, Sandbox>();
interface Running {
  runtime: number;
  execution?: Execution;
  facts?: SandboxFacts;
  stopped: boolean;
}
const running = new Map<number, Running>();

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "exec":
      void run(m);
      return;
    case "done":
      if (running.has(m.job)) wire.settle(m);
      return;
    case "exit":
      running.get(m.job)?.facts?.exit(m.code);
      return;
    case "stop": {
      const r = running.get(m.job);
      if (r) {
        r.stopped = true;
        r.execution?.terminate();
      }
      return;
    }
    case "drop":
      if (!busy(m.runtime)) drop(m.runtime);
      return;
  }
});
port.postMessage({ t: "ready" });
// Warm the engine while no exec waits: compile the default build at once, and if the
// worker is still idle shortly after, run it once (a sandbox whose prepared context is
// thrown away), so the first exec starts warm. An exec that arrives first warms it itself.
void compileVariant(getVariant()).catch(() => {});
setTimeout(() => {
  if (running.size === 0 && sandboxes.size === 0) void warmUp();
}, 25);

async function warmUp(): Promise<void> {
  try {
    const sandbox = await Sandbox.create(getVariant(), DEFAULT_MEMORY_BYTES);
    if (running.size === 0) sandbox.prepare();
    sandbox.dispose();
  } catch {
    // The first exec reports any engine failure itself.
  }
}

function busy(runtime: number): boolean {
  for (const r of running.values()) if (r.runtime === runtime) return true;
  return false;
}

function drop(runtime: number): void {
  sandboxes.get(runtime)?.dispose();
  sandboxes.delete(runtime);
}

async function run(m: Extract<ToWorker, { t: "exec" }>): Promise<void> {
  const { job, runtime, config, stopSlot } = m;
  const me: Running = { runtime, stopped: false };
  running.set(job, me);
  try {
    const variant = getVariant(config.variant);
    let sandbox = sandboxes.get(runtime);
    if (!sandbox || sandbox.broken || !sandbox.alive) {
      sandbox?.dispose();
      sandbox = await Sandbox.create(variant, config.memoryLimitBytes);
      sandboxes.set(runtime, sandbox);
    }
    const rt: ExecLimits = {
      memoryLimitBytes: config.memoryLimitBytes,
      cpuTimeLimitMs: config.cpuTimeLimitMs,
      wallTimeLimitMs: config.wallTimeLimitMs,
      timingMitigation: config.timingMitigation,
      payloadLimits: config.payloadLimits,
      maxOutputBytes: config.maxOutputBytes,
      opBudgets: config.opBudgets,
      maxTimers: config.maxTimers,
      variant,
      bindings: { shape: config.bindingShape },
    };
    const ex: ResolvedExecOptions = {
      filePath: config.filePath,
      cwd: config.cwd,
      env: new Map(),
      stdin: "",
      cpuTimeLimitMs: config.cpuTimeLimitMs,
      wallTimeLimitMs: config.wallTimeLimitMs,
      timingMitigation: config.timingMitigation,
      onStdio: [],
      ...(config.startEpochMs !== undefined ? { startEpochMs: config.startEpochMs } : {}),
    };
    const hooks: ExecutionHooks = {
      onGuestEnter: (left) => wire.setRunning(job, epochNow() + Math.max(0, left)),
      onGuestLeave: () => wire.setRunning(0, 0),
      stopRequested: () => wire.stopRequested(job, stopSlot),
      hostWaitMs: () => wire.waitedMs,
      ...(config.wallDeadlineEpochMs !== undefined ? { wallDeadlineEpochMs: config.wallDeadlineEpochMs } : {}),
    };
    const host = guestThreadHost(wire, job, config, (facts) => {
      me.facts = facts;
    });
    const perfOrigin = config.perfOriginEpochMs - performance.timeOrigin;
    const execution = new Execution(sandbox, rt, ex, OPS, perfOrigin, host, hooks);
    me.execution = execution;
    if (me.stopped) execution.terminate();
    const outcome = await execution.start(m.kind, m.code);
    const { stdout: _o, stderr: _e, ...result } = outcome;
    port.postMessage({ t: "result", job, outcome: result });
    if (sandbox.broken) drop(runtime);
    else prepareSoon(runtime, sandbox);
  } catch (e) {
    drop(runtime);
    port.postMessage({ t: "failed", job, message: (e as Error)?.message ?? String(e) });
  } finally {
    wire.forgetPending(job);
    running.delete(job);
  }
}

/** Prepares the runtime's next context once this thread is idle (see Sandbox.prepare). */
function prepareSoon(runtime: number, sandbox: Sandbox): void {
  setImmediate(() => {
    if (!busy(runtime) && sandboxes.get(runtime) === sandbox) sandbox.prepare();
  });
}
