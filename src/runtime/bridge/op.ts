/**
 * An op is one host capability the guest may call: its name, the shape of its
 * arguments, the permission requests it needs, and its implementation(s). Every op is
 * declared with `defineOp` in the host half of a shim (`src/shims/<module>/host.ts`) and
 * reaches the guest only through the bridge, which decodes the arguments, asks the
 * permission callbacks and only then calls the implementation with what was granted.
 */
import type {
  ChildProcessAccessRequest,
  EnvAccessRequest,
  FsAccessRequest,
  NetworkAccessRequest,
  SystemDriver,
} from "../../driver/types.js";
import type { Decoder } from "./decoders.js";
import type { BindingFunction } from "../bindings.js";

/** A permission request an op needs granted before it runs. */
export type PermissionRequest =
  | { kind: "fs"; request: FsAccessRequest }
  | { kind: "network"; request: NetworkAccessRequest }
  | { kind: "childProcess"; request: ChildProcessAccessRequest }
  | { kind: "env"; request: EnvAccessRequest };

/**
 * Proof that requests were granted. Only the bridge can make one (the constructor
 * symbol is module-private), so an implementation that receives a `Granted` knows the
 * check ran, and it uses `granted.requests` — the exact values that were checked —
 * rather than re-deriving paths from raw guest input.
 */
const GRANT = Symbol("grant");
export class Granted {
  readonly requests: readonly PermissionRequest[];
  private constructor(token: symbol, requests: readonly PermissionRequest[]) {
    if (token !== GRANT) throw new TypeError("Granted can only be created by the bridge");
    this.requests = Object.freeze(requests.slice());
  }
  /** @internal used by the bridge after every request was allowed. */
  static create(requests: readonly PermissionRequest[]): Granted {
    return new Granted(GRANT, requests);
  }
  /** The path of the n-th fs request (the normalized absolute path that was checked). */
  fsPath(n = 0): string {
    const r = this.requests[n];
    if (!r || r.kind !== "fs") throw new Error(`op has no fs request #${n}`);
    return r.request.path;
  }
}

/** How a call is served: on the spot ("sync"), or with host work awaited ("async"). */
export type CallMode = "sync" | "async";

/** Per-exec state an op may read or change. The runtime provides it. */
export interface OpContext {
  readonly driver: SystemDriver;
  readonly exec: ExecState;
  /**
   * Asks the permission callbacks without failing: for filtering (e.g. env keys). A
   * callback that answers with a Promise counts as a denial here; use `allowedAsync`
   * in an op's async form to wait for it.
   */
  allowed(req: PermissionRequest): boolean;
  /** Like `allowed`, waiting for an async callback. */
  allowedAsync(req: PermissionRequest): Promise<boolean>;
  /** The runtime's host bindings by dotted path (on the thread that holds them). */
  readonly bindings?: ReadonlyMap<string, BindingFunction>;
}

export interface ExecState {
  cwd: string;
  readonly env: Map<string, string>;
  /** Writes guest output; returns false once the output budget is spent. */
  write(channel: "stdout" | "stderr", text: string): boolean;
  /** Requests process exit with a code; the loop stops at the next chance. */
  exit(code: number): void;
  /** Linear memory of the sandbox (rss/heapTotal) and what QuickJS has allocated (heapUsed). */
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number };
  /** The sandbox's hard memory limit in bytes (what `os.totalmem()` reports). */
  readonly memoryLimit: number;
  readonly stdin: string;
  /**
   * Under timing mitigation "freeze": the guest's wall clock, in epoch ms (what its
   * `Date.now()` answers). Absent when the guest has the real clocks. Host values the
   * guest sees that would tell the real time (file times) follow it.
   */
  readonly guestClockMs?: number;
  /**
   * Runs `fn` once when the exec ends, however it ends (normal end, exit, a limit,
   * termination, dispose): host work that outlives one op call — a child process — is
   * released here. Registered after the end, `fn` runs at once.
   */
  onEnd(fn: () => void): void;
}

type DecodedArgs<D extends readonly Decoder<unknown>[]> = { [K in keyof D]: D[K] extends Decoder<infer T> ? T : never };

export interface OpSpec<D extends readonly Decoder<unknown>[], R> {
  /** `<module>.<verb>`: what logs and errors show. */
  readonly name: string;
  /** Decoders for the positional arguments, in order. */
  readonly args: D;
  /** Decoder for any further arguments; they arrive as one array after the positional ones. */
  readonly rest?: Decoder<unknown>;
  /** The syscall name used in error messages (`open`, `stat`, ...). */
  readonly syscall?: string;
  /** The result is quicksand's own code (guest units), not guest data: no payload limit. */
  readonly ownCodeResult?: boolean;
  /**
   * The op touches nothing outside the sandbox: no capability, no permission, no host
   * state but the exec's own (output, exit, memory figures, its own hash table). In
   * worker mode it runs on the sandbox's own thread instead of crossing to the caller's.
   */
  readonly local?: boolean;
  /**
   * Builds the permission requests from decoded arguments. Absent: the op needs none.
   * `mode` says whether the call is served synchronously; only an "async" call may
   * answer with a Promise (to wait for a callback it consults, e.g. env filtering).
   */
  readonly permission?: (args: DecodedArgs<D>, cx: OpContext, mode: CallMode) => PermissionRequest[] | Promise<PermissionRequest[]>;
  readonly sync?: (cx: OpContext, args: DecodedArgs<D>, granted: Granted) => R;
  readonly async?: (cx: OpContext, args: DecodedArgs<D>, granted: Granted) => Promise<R>;
}

export interface Op {
  readonly name: string;
  readonly args: readonly Decoder<unknown>[];
  readonly rest?: Decoder<unknown>;
  readonly syscall?: string;
  readonly ownCodeResult?: boolean;
  readonly local?: boolean;
  readonly permission?: (args: unknown[], cx: OpContext, mode: CallMode) => PermissionRequest[] | Promise<PermissionRequest[]>;
  readonly sync?: (cx: OpContext, args: unknown[], granted: Granted) => unknown;
  readonly async?: (cx: OpContext, args: unknown[], granted: Granted) => Promise<unknown>;
}

export function defineOp<const D extends readonly Decoder<unknown>[], R>(spec: OpSpec<D, R>): Op {
  if (!/^[a-z][a-zA-Z0-9]*\.[a-zA-Z][a-zA-Z0-9]*$/.test(spec.name)) throw new Error(`bad op name ${spec.name}`);
  if (!spec.sync && !spec.async) throw new Error(`op ${spec.name} has no implementation`);
  if (spec.local && spec.permission) throw new Error(`op ${spec.name} is local but asks for permissions`);
  return Object.freeze(spec as unknown as Op);
}

/** The op table: one frozen map from name to op. */
export function opTable(...groups: readonly Op[][]): ReadonlyMap<string, Op> {
  const table = new Map<string, Op>();
  for (const op of groups.flat()) {
    if (table.has(op.name)) throw new Error(`duplicate op ${op.name}`);
    table.set(op.name, op);
  }
  return table;
}
