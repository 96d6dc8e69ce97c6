/**
 * The bridge: the one road from guest code to the host. It gives the guest bootstrap two
 * host functions, `call(name, ...args)` for synchronous ops and `callAsync(name, ...args)`
 * for asynchronous ones, and for each call it
 *   1. looks the op up in the op table (nothing else is callable),
 *   2. decodes every argument once with the op's decoders (payload limits included),
 *   3. hands the op to its runner, which asks the permission gate for the op's requests
 *      and runs the implementation with the granted requests (here, or on the caller's
 *      thread in worker mode),
 *   4. encodes the result as a fresh guest value, or the failure as an error record.
 * Async results are queued and delivered by the event loop (see execution.ts), never
 * from an arbitrary host callback, so guest code only ever runs under the CPU budget.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { type DecodeCx, string as decodeString } from "./decoders.js";
import { encodeValue, GuestThrow, type EncodeCx } from "./encode.js";
import type { Op } from "./op.js";
import { OpError, type OpErrorRecord, toOpErrorRecord } from "./op-error.js";
import { failure, type OpRunner } from "./op-runner.js";

/**
 * Ops that do not count against maxOpCalls: loading quicksand's own guest units, which
 * the guest caches per exec and which the runtime itself needs (to report an error,
 * for one) even after a script has spent its budget. It is synchronous, so its cost is
 * charged to the guest's CPU time like all sync ops.
 */
const UNCOUNTED_OPS: ReadonlySet<string> = new Set(["module.loadUnit"]);

/** More arguments than any API passes: a guard against argument floods. */
const MAX_REST_ARGS = 1024;

export interface PayloadLimits {
  /** Largest string or byte argument one op call may carry from the guest. */
  requestBytes: number;
  /** Largest string or byte value one op result may carry to the guest. */
  responseBytes: number;
}

export interface Completion {
  id: number;
  error?: OpErrorRecord;
  value?: unknown;
}

/**
 * Per-run budgets on host-op calls. Sync calls spend guest CPU time (the host work runs
 * inside the guest's CPU accounting); async calls do not, and each one holds host memory
 * (its decoded arguments, then its result) until the guest takes the result. These
 * budgets bound that host work and memory, which the guest's own limits do not cover.
 */
export interface OpBudgets {
  /** Host-op calls (sync and async, failed ones included) one run may make. */
  maxOpCalls: number;
  /** Async op calls started and not yet delivered to the guest. */
  maxPendingOps: number;
  /** Bytes of arguments and results held on the host by async calls not yet delivered. */
  maxPendingBytes: number;
}

export const UNLIMITED_OP_BUDGETS: OpBudgets = Object.freeze({
  maxOpCalls: Infinity,
  maxPendingOps: Infinity,
  maxPendingBytes: Infinity,
});

export interface BridgeOptions {
  context: QuickJSContext;
  ops: ReadonlyMap<string, Op>;
  /** Serves ops after decoding: permission check and implementation (see op-runner.ts). */
  runner: OpRunner;
  /** Serves ops marked `local` (the same runner in-process; the guest thread's own in worker mode). */
  localRunner: OpRunner;
  limits: PayloadLimits;
  /** Intrinsic ArrayBuffer brand check captured before guest code ran. */
  isArrayBuffer: (h: QuickJSHandle) => boolean;
  /** Exact string reader (see DecodeCx.exactString). */
  exactString: (h: QuickJSHandle) => string;
  /** Exact string writer (see EncodeCx.exactString). */
  newExactString: (s: string) => QuickJSHandle;
  /** Called when an async op finishes; the loop delivers it. */
  onComplete: (c: Completion) => void;
  /** False once the exec has ended: late calls and results are dropped. */
  isLive: () => boolean;
  /** Per-run call budgets (default: unlimited). */
  budgets?: OpBudgets;
}

export class Bridge {
  private nextId = 1;
  private inFlight = 0;
  /** Op calls made this run (every call counts, failed ones too). */
  private calls = 0;
  /** Async calls started and not yet delivered: id -> host bytes held (args, then result). */
  private readonly held = new Map<number, number>();
  private heldBytes = 0;
  private readonly budgets: OpBudgets;
  private readonly decodeCx: DecodeCx;
  private readonly resultCx: EncodeCx;
  private readonly ownCodeCx: EncodeCx;

  constructor(private readonly o: BridgeOptions) {
    this.budgets = o.budgets ?? UNLIMITED_OP_BUDGETS;
    this.decodeCx = { context: o.context, maxBytes: o.limits.requestBytes, isArrayBuffer: o.isArrayBuffer, exactString: o.exactString };
    this.resultCx = { context: o.context, maxBytes: o.limits.responseBytes, exactString: o.newExactString };
    // Error records and quicksand's own code are not guest payload: no size limit.
    this.ownCodeCx = { context: o.context, maxBytes: Number.MAX_SAFE_INTEGER, exactString: o.newExactString };
  }

  /** Async ops started and not yet completed. */
  get pending(): number {
    return this.inFlight;
  }

  /** The synchronous entry point handed to the guest bootstrap. */
  newCallFunction(): QuickJSHandle {
    const { context } = this.o;
    return context.newFunction("call", (nameH, ...argHs) => {
      let op: Op | undefined;
      try {
        op = this.lookup(nameH);
        this.countCall(op);
        if (!this.o.isLive()) throw OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting");
        const args = this.decode(op, argHs);
        const result = this.runnerOf(op).runSync(op, args);
        return encodeValue(op.ownCodeResult ? this.ownCodeCx : this.resultCx, result);
      } catch (err) {
        if (err instanceof GuestThrow) return { error: err.handle };
        return { error: this.encodeError(failure(err, op, []).record) };
      }
    });
  }

  /** The asynchronous entry point: returns a call id; the result arrives via the loop. */
  newCallAsyncFunction(): QuickJSHandle {
    const { context } = this.o;
    return context.newFunction("callAsync", (nameH, ...argHs) => {
      const id = this.nextId++;
      let op: Op | undefined;
      let args: unknown[];
      let argBytes: number;
      try {
        op = this.lookup(nameH);
        this.countCall(op);
        if (!this.o.isLive()) throw OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting");
        if (this.held.size >= this.budgets.maxPendingOps) {
          throw budgetExceeded(`${this.budgets.maxPendingOps} asynchronous host operations in flight at once`);
        }
        // Arguments are borrowed handles: decode them now, before returning.
        args = this.decode(op, argHs);
        argBytes = hostBytes(args);
        if (this.heldBytes + argBytes > this.budgets.maxPendingBytes) {
          throw budgetExceeded(`${this.budgets.maxPendingBytes} bytes held on the host by asynchronous operations in flight`);
        }
      } catch (err) {
        this.finish({ id, error: failure(err, op, []).record });
        return context.newNumber(id);
      }
      this.inFlight++;
      this.held.set(id, argBytes);
      this.heldBytes += argBytes;
      // Count the op as done before announcing it: the loop, woken by finish(), must not
      // see it still pending and go back to sleep with nothing left to wake it.
      void this.runnerOf(op).runAsync(op, args).then(
        (value) => {
          this.inFlight--;
          // The arguments are released; the result is held until the guest takes it.
          this.hold(id, 0);
          const bytes = hostBytes(value);
          if (this.heldBytes + bytes > this.budgets.maxPendingBytes) {
            const what = `${this.budgets.maxPendingBytes} bytes held on the host by asynchronous operations in flight`;
            this.finish({ id, error: failure(budgetExceeded(what), op, []).record });
            return;
          }
          this.hold(id, bytes);
          this.finish({ id, value });
        },
        (err: unknown) => {
          this.inFlight--;
          this.hold(id, 0);
          this.finish({ id, error: failure(err, op, []).record });
        },
      );
      return context.newNumber(id);
    });
  }

  /**
   * An op call the runtime makes for the guest (the ES module loader's resolution and
   * reads, which QuickJS asks of the host): the same table, budget, liveness check and
   * runner as a guest's call, with arguments that are host values already. Throws
   * OpFailure.
   */
  callForGuest(name: string, args: unknown[]): unknown {
    let op: Op | undefined;
    try {
      op = this.forGuest(name);
      return this.runnerOf(op).runSync(op, args);
    } catch (err) {
      throw failure(err, op, []);
    }
  }

  /** As callForGuest, with the op's host work awaited (its async form). Rejects with OpFailure. */
  async callForGuestAsync(name: string, args: unknown[]): Promise<unknown> {
    let op: Op | undefined;
    try {
      op = this.forGuest(name);
      return await this.runnerOf(op).runAsync(op, args);
    } catch (err) {
      throw failure(err, op, []);
    }
  }

  private forGuest(name: string): Op {
    const op = this.o.ops.get(name);
    if (!op) throw OpError.node("ERR_SANDBOX_UNKNOWN_OP", `unknown operation ${JSON.stringify(name)}`);
    this.countCall(op);
    if (!this.o.isLive()) throw OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting");
    return op;
  }

  private runnerOf(op: Op): OpRunner {
    return op.local ? this.o.localRunner : this.o.runner;
  }

  /** Encodes an async op's result for delivery (payload limit included). */
  encodeResult(value: unknown): QuickJSHandle {
    return encodeValue(this.resultCx, value);
  }

  /** Builds the record the guest's error helper recognises (`$opError: true`). */
  encodeError(record: OpErrorRecord): QuickJSHandle {
    return encodeValue(this.ownCodeCx, { $opError: true, ...stripUndefined(record) });
  }

  recordOf(err: unknown): OpErrorRecord {
    return toOpErrorRecord(err);
  }

  /**
   * The loop has handed an async call's outcome to the guest (or dropped it): its slot
   * and bytes are free again. Calls that failed before starting hold neither.
   */
  delivered(c: Completion): void {
    const bytes = this.held.get(c.id);
    if (bytes === undefined) return;
    this.held.delete(c.id);
    this.heldBytes -= bytes;
  }

  private hold(id: number, bytes: number): void {
    this.heldBytes += bytes - (this.held.get(id) ?? 0);
    this.held.set(id, bytes);
  }

  private countCall(op: Op): void {
    if (UNCOUNTED_OPS.has(op.name)) return;
    if (++this.calls > this.budgets.maxOpCalls) {
      throw budgetExceeded(`${this.budgets.maxOpCalls} host operation calls per run`);
    }
  }

  private finish(c: Completion): void {
    if (this.o.isLive()) this.o.onComplete(c);
  }

  private lookup(nameH: QuickJSHandle | undefined): Op {
    if (!nameH) throw OpError.node("ERR_INVALID_ARG_TYPE", "missing op name");
    const name = decodeString({ ...this.decodeCx, maxBytes: 64 }, nameH, "op");
    const op = this.o.ops.get(name);
    if (!op) throw OpError.node("ERR_SANDBOX_UNKNOWN_OP", `unknown operation ${JSON.stringify(name)}`);
    return op;
  }

  private decode(op: Op, argHs: QuickJSHandle[]): unknown[] {
    const fixed = op.args.length;
    if (argHs.length > fixed && !op.rest) {
      throw OpError.node("ERR_INVALID_ARG_VALUE", `${op.name} takes ${fixed} arguments, got ${argHs.length}`);
    }
    if (argHs.length > MAX_REST_ARGS) throw OpError.node("ERR_INVALID_ARG_VALUE", `${op.name}: too many arguments`);
    const args = op.args.map((dec, i) => dec(this.decodeCx, argHs[i] ?? this.o.context.undefined, `arg${i}`));
    if (op.rest) {
      const rest = op.rest;
      args.push(argHs.slice(fixed).map((h, i) => rest(this.decodeCx, h, `arg${fixed + i}`)));
    }
    return args;
  }
}


function budgetExceeded(what: string): OpError {
  return OpError.node("ERR_SANDBOX_BUDGET_EXCEEDED", `the sandbox's resource budget of ${what} is spent`);
}

/**
 * Roughly the host memory a decoded argument list or a result holds: string and byte
 * lengths, plus a little per value. It bounds, it does not measure exactly.
 */
function hostBytes(v: unknown, depth = 0): number {
  if (typeof v === "string") return 16 + v.length * 2;
  if (v === null || typeof v !== "object" || depth > 64) return 16;
  if (v instanceof Uint8Array) return 16 + v.byteLength;
  let n = 16;
  if (Array.isArray(v)) for (const item of v) n += hostBytes(item, depth + 1);
  else for (const key of Object.keys(v)) n += key.length * 2 + hostBytes((v as Record<string, unknown>)[key], depth + 1);
  return n;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
