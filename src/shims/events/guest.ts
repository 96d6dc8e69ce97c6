/**
 * The `events` builtin: EventEmitter (the same function `process` is built on, from
 * _lib/emitter) plus Node 20's module-level helpers — `once` and `on` (with
 * AbortSignal), `getEventListeners`, `getMaxListeners`, `setMaxListeners`,
 * `addAbortListener` — working on EventEmitters and EventTargets alike.
 *
 * Own code rather than the events@3 port: that port lacks captureRejections,
 * errorMonitor, `on`, AbortSignal support and Node's error/warning shapes, and process
 * must be an EventEmitter without loading this module.
 */
import { EventEmitter, listenerCount as _listenerCount } from "../_lib/emitter.js";
import { invalidArgType, notSupported } from "../_lib/errors.js";
import { validateAbortSignal, validateFunction, validateNumber, validateObject } from "../_lib/validators.js";
import { lazy } from "../module/guest.js";

type EventTargetUnit = typeof import("../_lib/event-target.js");
const eventTarget = lazy<EventTargetUnit>("quicksand:internal/event-target");

type Emitter = InstanceType<typeof EventEmitter>;
type EventTarget = import("../_lib/event-target.js").EventTarget;
type AbortSignal = import("../_lib/abort.js").AbortSignal;
type EventListener = (e: any) => unknown;
const kDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for("nodejs.dispose");
type AnyTarget = Emitter | (EventTarget & Record<PropertyKey, unknown>);
type Listener = (...args: any[]) => unknown;

class AbortError extends Error {
  code = "ABORT_ERR";
  constructor(message = "The operation was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
}

const isEmitterLike = (v: unknown): v is Emitter => typeof (v as { on?: unknown })?.on === "function";
const isTarget = (v: unknown): boolean =>
  typeof (v as { addEventListener?: unknown })?.addEventListener === "function";

function addAgnostic(target: unknown, name: string | symbol, listener: Listener, flags: { once?: boolean } = {}): void {
  if (isEmitterLike(target)) {
    if (flags.once) target.once(name, listener);
    else target.on(name, listener);
  } else if (isTarget(target)) {
    (target as EventTarget).addEventListener(name as string, listener as EventListener, flags);
  } else {
    throw invalidArgType("emitter", "an instance of EventEmitter or EventTarget", target);
  }
}

function removeAgnostic(target: unknown, name: string | symbol, listener: Listener): void {
  if (typeof (target as Emitter)?.removeListener === "function") (target as Emitter).removeListener(name, listener);
  else if (typeof (target as EventTarget)?.removeEventListener === "function") {
    (target as EventTarget).removeEventListener(name as string, listener as EventListener);
  } else {
    throw invalidArgType("emitter", "an instance of EventEmitter or EventTarget", target);
  }
}

async function once(emitter: unknown, name: string | symbol, options: unknown = {}): Promise<unknown[]> {
  validateObject(options, "options");
  const signal = (options as { signal?: AbortSignal }).signal;
  validateAbortSignal(signal, "options.signal");
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  return new Promise((resolve, reject) => {
    const errorListener = (err: unknown) => {
      removeAgnostic(emitter, name, resolver);
      if (signal != null) removeAgnostic(signal, "abort", abortListener);
      reject(err);
    };
    const resolver = (...args: unknown[]) => {
      if (typeof (emitter as Emitter).removeListener === "function") (emitter as Emitter).removeListener("error", errorListener);
      if (signal != null) removeAgnostic(signal, "abort", abortListener);
      resolve(args);
    };
    addAgnostic(emitter, name, resolver, { once: true });
    if (name !== "error" && typeof (emitter as Emitter).once === "function") (emitter as Emitter).once("error", errorListener);
    function abortListener() {
      removeAgnostic(emitter, name, resolver);
      if (isEmitterLike(emitter)) removeAgnostic(emitter, "error", errorListener);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    }
    if (signal != null) addAgnostic(signal, "abort", abortListener, { once: true });
  });
}

function on(emitter: unknown, event: string | symbol, options: unknown = {}): AsyncIterableIterator<unknown[]> {
  validateObject(options, "options");
  const o = options as { signal?: AbortSignal; close?: (string | symbol)[] };
  const signal = o.signal;
  validateAbortSignal(signal, "options.signal");
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });

  const unconsumedEvents: unknown[][] = [];
  const unconsumedPromises: { resolve: (r: IteratorResult<unknown[]>) => void; reject: (e: unknown) => void }[] = [];
  let error: unknown = null;
  let finished = false;

  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
  const iterator = Object.setPrototypeOf(
    {
      next(): Promise<IteratorResult<unknown[]>> {
        const value = unconsumedEvents.shift();
        if (value) return Promise.resolve({ value, done: false });
        if (error) {
          const p = Promise.reject(error);
          error = null;
          return p;
        }
        if (finished) return closeHandler();
        return new Promise((resolve, reject) => unconsumedPromises.push({ resolve, reject }));
      },
      return(): Promise<IteratorResult<unknown[]>> {
        return closeHandler();
      },
      throw(err: unknown): void {
        if (!err || !(err instanceof Error)) throw invalidArgType("EventEmitter.AsyncIterator", "an instance of Error", err);
        errorHandler(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    },
    AsyncIteratorPrototype,
  ) as AsyncIterableIterator<unknown[]>;

  const eventListener = (...args: unknown[]) => {
    const p = unconsumedPromises.shift();
    if (p) p.resolve({ value: args, done: false });
    else unconsumedEvents.push(args);
  };
  addAgnostic(emitter, event, eventListener);
  if (event !== "error" && isEmitterLike(emitter)) emitter.on("error", errorHandler);
  const closeEvents = o.close ?? [];
  for (const c of closeEvents) addAgnostic(emitter, c, closeHandler);
  if (signal) addAgnostic(signal, "abort", abortListener, { once: true });
  return iterator;

  function abortListener() {
    errorHandler(new AbortError(undefined, { cause: signal?.reason }));
  }
  function errorHandler(err: unknown) {
    const p = unconsumedPromises.shift();
    if (p) p.reject(err);
    else error = err;
    void closeHandler();
  }
  function closeHandler(): Promise<IteratorResult<unknown[]>> {
    if (signal) removeAgnostic(signal, "abort", abortListener);
    removeAgnostic(emitter, event, eventListener);
    if (isEmitterLike(emitter)) removeAgnostic(emitter, "error", errorHandler);
    for (const c of closeEvents) removeAgnostic(emitter, c, closeHandler);
    finished = true;
    const done = { value: undefined, done: true } as IteratorResult<unknown[]>;
    while (unconsumedPromises.length) unconsumedPromises.shift()!.resolve(done);
    return Promise.resolve(done);
  }
}

function getEventListeners(emitterOrTarget: unknown, type: string | symbol): unknown[] {
  if (typeof (emitterOrTarget as Emitter)?.listeners === "function") return (emitterOrTarget as Emitter).listeners(type);
  const et = eventTarget();
  if (et.isEventTarget(emitterOrTarget)) return et.eventTargetListeners(emitterOrTarget, type as string);
  throw invalidArgType("emitter", "an instance of EventEmitter or EventTarget", emitterOrTarget);
}

function getMaxListeners(emitterOrTarget: unknown): number {
  if (typeof (emitterOrTarget as Emitter)?.getMaxListeners === "function") return (emitterOrTarget as Emitter).getMaxListeners();
  const et = eventTarget();
  if (et.isEventTarget(emitterOrTarget)) return (emitterOrTarget as unknown as Record<symbol, number>)[et.kMaxEventTargetListeners]!;
  throw invalidArgType("emitter", "an instance of EventEmitter or EventTarget", emitterOrTarget);
}

function setMaxListeners(n: unknown = EventEmitter.defaultMaxListeners, ...eventTargets: unknown[]): void {
  validateNumber(n, "setMaxListeners", 0);
  if (eventTargets.length === 0) {
    EventEmitter.defaultMaxListeners = n;
    eventTarget().setDefaultMaxTargetListeners(n);
    return;
  }
  for (const target of eventTargets as AnyTarget[]) {
    const et = eventTarget();
    if (et.isEventTarget(target)) (target as unknown as Record<symbol, number>)[et.kMaxEventTargetListeners] = n;
    else if (typeof (target as Emitter)?.setMaxListeners === "function") (target as Emitter).setMaxListeners(n);
    else throw invalidArgType("eventTargets", "an instance of EventEmitter or EventTarget", target);
  }
}

function addAbortListener(signal: unknown, listener: unknown): Record<symbol, () => void> {
  if (signal === undefined) throw invalidArgType("signal", "an instance of AbortSignal", signal);
  validateAbortSignal(signal, "signal");
  validateFunction(listener, "listener");
  const s = signal as AbortSignal;
  let removed = false;
  if (s.aborted) (globalThis as any).queueMicrotask(() => listener());
  else s.addEventListener("abort", listener as EventListener, { once: true });
  const dispose = () => {
    if (removed) return;
    removed = true;
    s.removeEventListener("abort", listener as EventListener);
  };
  return { [kDispose]: dispose };
}

const E = EventEmitter as unknown as Record<string, unknown>;
E.once = once;
E.on = on;
E.getEventListeners = getEventListeners;
E.getMaxListeners = getMaxListeners;
E.setMaxListeners = setMaxListeners;
E.addAbortListener = addAbortListener;
void _listenerCount;
// Needs async_hooks' AsyncResource, which the sandbox does not have: say so on use.
Object.defineProperty(E, "EventEmitterAsyncResource", {
  enumerable: true,
  configurable: true,
  get() {
    throw notSupported("events.EventEmitterAsyncResource");
  },
});

export default EventEmitter;
