/**
 * What crosses between the caller's thread and a sandbox worker. Messages go by
 * `postMessage` (structured clone); a synchronous call from the guest's thread waits on
 * the worker's control words (a SharedArrayBuffer) with `Atomics.wait` until the caller's
 * thread has posted the reply on the worker's sync port and notified it.
 *
 * Only plain data crosses: decoded op arguments, op results, error records, output text.
 */
import type { OpBudgets, PayloadLimits } from "../bridge/bridge.js";
import type { OpErrorRecord } from "../bridge/op-error.js";
import { GuestModule, GuestScript } from "../bridge/encode.js";
import type { OSConfig, ProcessConfig } from "../../driver/types.js";
import type { StdioChannel } from "../stdio.js";
import type { TimingMitigation } from "../options.js";
import type { WasmVariantName } from "../../wasm/variants.js";
import type { BindingShape } from "../bindings.js";

/** Most execs one worker may hold at once (WorkerPoolOptions.execsPerWorker). */
export const MAX_EXECS_PER_WORKER = 64;
/** Int32 slot: a reply to the pending synchronous call is ready. */
export const SYNC_FLAG = 0;
/** Int32 slot: the job whose guest code is running now (0: none). */
export const RUNNING_JOB = 1;
/** Int32 slots from here, one per exec the worker holds: the job id when the caller wants that exec stopped. */
export const STOP_BASE = 2;
/** Float64 slot (after the Int32 slots): when the running guest's CPU budget runs out, as epoch ms; 0 when no guest code runs. */
export const DEADLINE = Math.ceil(((STOP_BASE + MAX_EXECS_PER_WORKER) * 4) / 8);
export const CONTROL_BYTES = (DEADLINE + 1) * 8;

/** Everything the guest's thread needs to run one exec (the driver stays behind). */
export interface WorkerExecConfig {
  variant: WasmVariantName;
  memoryLimitBytes: number;
  cpuTimeLimitMs: number;
  wallTimeLimitMs: number;
  /** When the wall-clock limit runs out, as epoch ms: set when the exec starts on its worker. */
  wallDeadlineEpochMs?: number;
  timingMitigation: TimingMitigation;
  payloadLimits: PayloadLimits;
  opBudgets: OpBudgets;
  maxTimers: number;
  maxOutputBytes: number;
  processConfig: ProcessConfig;
  osConfig: OSConfig;
  filePath: string;
  cwd: string;
  /** The runtime's performance origin as epoch ms (the guest's performance.now() counts from it). */
  perfOriginEpochMs: number;
  /** The exec's start as epoch ms (the guest's frozen clock), set when the exec is handed to a worker. */
  startEpochMs?: number;
  /** The host bindings' shape; their functions stay on the caller's thread. */
  bindingShape: BindingShape;
}

export type ToWorker =
  | { t: "exec"; job: number; runtime: number; kind: "script" | "module"; code: string; config: WorkerExecConfig; stopSlot: number }
  | { t: "done"; job: number; id: number; value?: unknown; error?: OpErrorRecord }
  | { t: "exit"; job: number; code: number }
  | { t: "stop"; job: number }
  | { t: "drop"; runtime: number };

export type FromWorker =
  | { t: "ready" }
  | { t: "call"; job: number; id: number; name: string; args: unknown[]; sync: boolean }
  | { t: "stdio"; job: number; channel: StdioChannel; message: string }
  | { t: "result"; job: number; outcome: WorkerOutcome }
  | { t: "failed"; job: number; message: string };

export interface WorkerOutcome {
  code: number;
  errorMessage?: string;
  exportsJson?: string;
}

/** A reply to a synchronous call, on the sync port. */
export interface SyncReply {
  id: number;
  value?: unknown;
  error?: OpErrorRecord;
}

const TAG = "$quicksand";

/**
 * Op results that are not plain data — quicksand's own code to compile in the guest
 * (GuestScript, GuestModule) — travel tagged. Byte views are copied to their own bytes,
 * so no more of a host buffer than the view crosses.
 */
export function toWire(value: unknown, depth = 0): unknown {
  if (value instanceof GuestScript) return { [TAG]: "script", source: value.source, filename: value.filename, strict: value.strict };
  if (value instanceof GuestModule) return { [TAG]: "module", source: value.source, filename: value.filename };
  if (value instanceof Uint8Array) return value.byteLength === value.buffer.byteLength && value.constructor === Uint8Array ? value : new Uint8Array(value);
  if (depth > 64 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => toWire(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toWire(v, depth + 1);
  return out;
}

export function fromWire(value: unknown): unknown {
  if (value === null || typeof value !== "object" || !Object.hasOwn(value, TAG)) return value;
  const v = value as { [TAG]: string; source: string; filename: string; strict?: boolean };
  if (v[TAG] === "script") return new GuestScript(v.source, v.filename, v.strict);
  if (v[TAG] === "module") return new GuestModule(v.source, v.filename);
  return value;
}
