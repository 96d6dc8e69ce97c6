/**
 * `AbortController` and `AbortSignal` (globals), after Node's
 * lib/internal/abort_controller.js: `AbortSignal.abort/timeout/any`, `throwIfAborted`,
 * the `onabort` handler, DOMException reasons, and Node's inspect output. A timeout
 * signal's timer is unref'ed, so it never keeps the sandbox's event loop alive.
 */
import { invalidArgType, nodeError } from "./errors.js";
import { validateInteger } from "./validators.js";
import { EventTarget, defineEventHandler, trustedEvent } from "./event-target.js";
import { lazy } from "../module/guest.js";

const inspectUnit = lazy<typeof import("./inspect.js")>("quicksand:internal/inspect");
const customInspect = Symbol.for("nodejs.util.inspect.custom");
const kCreate = Symbol("kCreate");

interface SignalState {
  aborted: boolean;
  reason: unknown;
}
const signals = new WeakMap<object, SignalState>();

function stateOf(s: unknown): SignalState {
  const st = signals.get(s as object);
  if (!st) throw nodeError("ERR_INVALID_THIS", 'Value of "this" must be of type AbortSignal', TypeError);
  return st;
}

function inspectWith(self: object, fields: object, depth: number, options: { depth?: number | null }): string {
  const name = (self.constructor as { name?: string }).name ?? "AbortSignal";
  if (depth < 0) return name;
  const opts = { ...options, depth: options.depth === null || options.depth === undefined ? options.depth : options.depth - 1 };
  return `${name} ${inspectUnit().inspect(fields, opts as object)}`;
}

export class AbortSignal extends EventTarget {
  constructor(token?: unknown) {
    if (token !== kCreate) throw nodeError("ERR_ILLEGAL_CONSTRUCTOR", "Illegal constructor", TypeError);
    super();
    signals.set(this, { aborted: false, reason: undefined });
  }
  get aborted(): boolean {
    return stateOf(this).aborted;
  }
  get reason(): unknown {
    return stateOf(this).reason;
  }
  throwIfAborted(): void {
    const s = stateOf(this);
    if (s.aborted) throw s.reason;
  }

  static abort(reason: unknown = new DOMException("This operation was aborted", "AbortError")): AbortSignal {
    const signal = new AbortSignal(kCreate);
    const s = stateOf(signal);
    s.aborted = true;
    s.reason = reason;
    return signal;
  }

  static timeout(delay: unknown): AbortSignal {
    validateInteger(delay, "delay", 0, 4294967295);
    const signal = new AbortSignal(kCreate);
    const timer = (globalThis as any).setTimeout(() => {
      abortSignal(signal, new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    }, delay);
    timer.unref?.();
    return signal;
  }

  static any(list: unknown): AbortSignal {
    if (list === null || typeof list !== "object" || typeof (list as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw invalidArgType("signals", "an instance of Array", list);
    }
    const sources = [...(list as Iterable<unknown>)];
    sources.forEach((s, i) => {
      if (!signals.has(s as object)) throw invalidArgType(`signals[${i}]`, "an instance of AbortSignal", s);
    });
    const result = new AbortSignal(kCreate);
    for (const s of sources as AbortSignal[]) {
      if (s.aborted) {
        const st = stateOf(result);
        st.aborted = true;
        st.reason = s.reason;
        return result;
      }
    }
    for (const s of sources as AbortSignal[]) {
      s.addEventListener("abort", () => abortSignal(result, s.reason), { once: true });
    }
    return result;
  }

  [customInspect](depth: number, options: { depth?: number | null }): string {
    return inspectWith(this, { aborted: this.aborted }, depth, options);
  }
}
defineEventHandler(AbortSignal.prototype, "abort");
Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: "AbortSignal", configurable: true });

/** Runs the abort steps: mark, then fire a trusted 'abort' event (once). */
export function abortSignal(signal: AbortSignal, reason: unknown): void {
  const s = stateOf(signal);
  if (s.aborted) return;
  s.aborted = true;
  s.reason = reason;
  signal.dispatchEvent(trustedEvent("abort"));
}

export class AbortController {
  readonly #signal = new AbortSignal(kCreate);
  get signal(): AbortSignal {
    return this.#signal;
  }
  abort(reason: unknown = new DOMException("This operation was aborted", "AbortError")): void {
    abortSignal(this.#signal, reason);
  }
  [customInspect](depth: number, options: { depth?: number | null }): string {
    return inspectWith(this, { signal: this.#signal }, depth, options);
  }
}
Object.defineProperty(AbortController.prototype, Symbol.toStringTag, { value: "AbortController", configurable: true });
