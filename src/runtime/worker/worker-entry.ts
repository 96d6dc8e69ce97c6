/**
 * A sandbox worker: the thread a WorkerPool runs guest code on. It keeps one Sandbox
 * (WebAssembly instance) per runtime that runs here, and runs one exec at a time with
 * the same Execution as in-process, over a guest-thread host (guest-thread-host.ts).
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { OPS } from "../../shims/index.js";
import { getVariant } from "../../wasm/variants.js";
import { Execution, type ExecLimits, type ExecutionHooks } from "../execution.js";
import type { SandboxFacts } from "../exec-host.js";
import type { ResolvedExecOptions } from "../options.js";
import { Sandbox } from "../sandbox.js";
import { epochNow, GuestThreadWire, guestThreadHost } from "./guest-thread-host.js";
import type { ToWorker } from "./protocol.js";

interface WorkerData {
  control: SharedArrayBuffer;
  syncPort: MessagePort;
}

const port = parentPort!;
const data = workerData as WorkerData;
const wire = new GuestThreadWire(port, data.syncPort, data.control);
const sandboxes = new Map<number, Sandbox>();
let current: { job: number; runtime: number; execution?: Execution; facts?: SandboxFacts; stopped: boolean } | undefined;

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "exec":
      void run(m);
      return;
    case "done":
      if (current?.job === m.job) wire.settle(m);
      return;
    case "exit":
      if (current?.job === m.job) current.facts?.exit(m.code);
      return;
    case "stop":
      if (current?.job === m.job) {
        current.stopped = true;
        current.execution?.terminate();
      }
      return;
    case "drop":
      if (current?.runtime !== m.runtime) drop(m.runtime);
      return;
  }
});
port.postMessage({ t: "ready" });

function drop(runtime: number): void {
  sandboxes.get(runtime)?.dispose();
  sandboxes.delete(runtime);
}

async function run(m: Extract<ToWorker, { t: "exec" }>): Promise<void> {
  const { job, runtime, config } = m;
  current = { job, runtime, stopped: false };
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
      timingMitigation: config.timingMitigation,
      payloadLimits: config.payloadLimits,
      maxOutputBytes: config.maxOutputBytes,
      opBudgets: config.opBudgets,
      maxTimers: config.maxTimers,
      variant,
    };
    const ex: ResolvedExecOptions = {
      filePath: config.filePath,
      cwd: config.cwd,
      env: new Map(),
      stdin: "",
      cpuTimeLimitMs: config.cpuTimeLimitMs,
      timingMitigation: config.timingMitigation,
      onStdio: [],
    };
    const hooks: ExecutionHooks = {
      onGuestEnter: (left) => wire.setDeadline(epochNow() + Math.max(0, left)),
      onGuestLeave: () => wire.setDeadline(0),
      stopRequested: () => wire.stopRequested(job),
    };
    const host = guestThreadHost(wire, job, config, (facts) => {
      if (current?.job === job) current.facts = facts;
    });
    const perfOrigin = config.perfOriginEpochMs - performance.timeOrigin;
    const execution = new Execution(sandbox, rt, ex, OPS, perfOrigin, host, hooks);
    current.execution = execution;
    if (current.stopped) execution.terminate();
    const outcome = await execution.start(m.kind, m.code);
    wire.setDeadline(0);
    const { stdout: _o, stderr: _e, ...result } = outcome;
    port.postMessage({ t: "result", job, outcome: result });
    if (sandbox.broken) drop(runtime);
    else prepareSoon(runtime, sandbox);
  } catch (e) {
    wire.setDeadline(0);
    drop(runtime);
    port.postMessage({ t: "failed", job, message: (e as Error)?.message ?? String(e) });
  } finally {
    wire.forgetPending();
    current = undefined;
  }
}

/** Prepares the runtime's next context once this thread is idle (see Sandbox.prepare). */
function prepareSoon(runtime: number, sandbox: Sandbox): void {
  setImmediate(() => {
    if (!current && sandboxes.get(runtime) === sandbox) sandbox.prepare();
  });
}
