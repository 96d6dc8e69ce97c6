/**
 * Node's EventEmitter (lib/events.js semantics: listener storage in `_events`, `once`
 * wrappers with `.listener`, 'newListener'/'removeListener', errorMonitor,
 * captureRejections, the max-listeners warning, ERR_UNHANDLED_ERROR). It lives in its
 * own small unit so that `process` is a real EventEmitter without loading the `events`
 * builtin, which adds the module-level helpers (once, on, EventTarget support).
 *
 * It is a plain function, not a class: old-style code calls `EventEmitter.call(this)`.
 */
import { invalidArgType, nodeError } from "./errors.js";
import { lazy } from "../module/guest.js";

/** Node's validateNumber(n, name, 0), inline: process loads this unit, keep it lean. */
function validateNonNegative(n: unknown, name: string): asserts n is number {
  if (typeof n !== "number") throw invalidArgType(name, "of type number", n);
  if (n < 0 || Number.isNaN(n)) {
    throw nodeError("ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be >= 0. Received ${String(n)}`);
  }
}

type Listener = ((...args: any[]) => unknown) & { listener?: Listener };
type Events = Record<string | symbol, Listener | (Listener[] & { warned?: boolean }) | undefined>;

export interface EventEmitter {
  _events: Events;
  _eventsCount: number;
  _maxListeners: number | undefined;
  [key: symbol]: unknown;
  on(type: string | symbol, listener: Listener): this;
  addListener(type: string | symbol, listener: Listener): this;
  prependListener(type: string | symbol, listener: Listener): this;
  once(type: string | symbol, listener: Listener): this;
  prependOnceListener(type: string | symbol, listener: Listener): this;
  off(type: string | symbol, listener: Listener): this;
  removeListener(type: string | symbol, listener: Listener): this;
  removeAllListeners(type?: string | symbol): this;
  emit(type: string | symbol, ...args: unknown[]): boolean;
  listeners(type: string | symbol): Listener[];
  rawListeners(type: string | symbol): Listener[];
  listenerCount(type: string | symbol, listener?: Listener): number;
  eventNames(): (string | symbol)[];
  setMaxListeners(n: number): this;
  getMaxListeners(): number;
}

const inspectUnit = lazy<typeof import("./inspect.js")>("quicksand:internal/inspect");

export const kCapture = Symbol("kCapture");
export const kShapeMode = Symbol("shapeMode");
export const errorMonitor = Symbol("events.errorMonitor");
export const captureRejectionSymbol = Symbol.for("nodejs.rejection");

let defaultMaxListeners = 10;
let captureRejectionsDefault = false;

function checkListener(listener: unknown): asserts listener is Listener {
  if (typeof listener !== "function") throw invalidArgType("listener", "of type function", listener);
}

export const EventEmitter = function EventEmitter(this: EventEmitter, opts?: { captureRejections?: unknown }) {
  (EventEmitter as unknown as { init: (o?: unknown) => void }).init.call(this, opts);
} as unknown as {
  new (opts?: { captureRejections?: boolean }): EventEmitter;
  (this: EventEmitter, opts?: { captureRejections?: boolean }): void;
  prototype: EventEmitter;
  [key: string]: unknown;
};

const proto = EventEmitter.prototype as EventEmitter;
proto._events = undefined as unknown as Events;
proto._eventsCount = 0;
proto._maxListeners = undefined;
Object.defineProperty(proto, kCapture, { value: false, writable: true, enumerable: false });

EventEmitter.init = function init(this: EventEmitter, opts?: { captureRejections?: unknown }) {
  if (this._events === undefined || this._events === (Object.getPrototypeOf(this) as EventEmitter)._events) {
    this._events = Object.create(null);
    this._eventsCount = 0;
    this[kShapeMode] = false;
  } else {
    this[kShapeMode] = true;
  }
  this._maxListeners = this._maxListeners || undefined;
  if (opts?.captureRejections) {
    if (typeof opts.captureRejections !== "boolean") throw invalidArgType("options.captureRejections", "of type boolean", opts.captureRejections);
    this[kCapture] = Boolean(opts.captureRejections);
  } else {
    this[kCapture] = captureRejectionsDefault;
  }
};

Object.defineProperty(EventEmitter, "defaultMaxListeners", {
  enumerable: true,
  get: () => defaultMaxListeners,
  set(n: unknown) {
    validateNonNegative(n, "defaultMaxListeners");
    defaultMaxListeners = n;
  },
});
Object.defineProperty(EventEmitter, "captureRejections", {
  enumerable: true,
  get: () => captureRejectionsDefault,
  set(v: unknown) {
    if (typeof v !== "boolean") throw invalidArgType("EventEmitter.captureRejections", "of type boolean", v);
    captureRejectionsDefault = v;
  },
});
Object.defineProperty(EventEmitter, "errorMonitor", { value: errorMonitor, writable: false, enumerable: true });
Object.defineProperty(EventEmitter, "captureRejectionSymbol", { value: captureRejectionSymbol, writable: false, enumerable: true });

proto.setMaxListeners = function setMaxListeners(n: unknown) {
  validateNonNegative(n, "setMaxListeners");
  this._maxListeners = n;
  return this;
};

function getMaxListeners(that: EventEmitter): number {
  return that._maxListeners === undefined ? defaultMaxListeners : that._maxListeners;
}
proto.getMaxListeners = function (this: EventEmitter) {
  return getMaxListeners(this);
};
Object.defineProperty(proto.getMaxListeners, "name", { value: "getMaxListeners" });

function addCatch(that: EventEmitter, promise: unknown, type: string | symbol, args: unknown[]): void {
  if (!that[kCapture]) return;
  try {
    const then = (promise as { then?: unknown }).then;
    if (typeof then === "function") {
      then.call(promise, undefined, (err: unknown) => {
        (globalThis as any).process.nextTick(emitUnhandledRejectionOrErr, that, err, type, args);
      });
    }
  } catch (err) {
    that.emit("error", err);
  }
}

function emitUnhandledRejectionOrErr(ee: EventEmitter, err: unknown, type: string | symbol, args: unknown[]): void {
  const handler = ee[captureRejectionSymbol];
  if (typeof handler === "function") {
    handler.call(ee, err, type, ...args);
    return;
  }
  const prev = ee[kCapture];
  try {
    ee[kCapture] = false;
    ee.emit("error", err);
  } finally {
    ee[kCapture] = prev;
  }
}

proto.emit = function emit(type: string | symbol, ...args: unknown[]) {
  let doError = type === "error";
  const events = this._events;
  if (events !== undefined) {
    if (doError && events[errorMonitor] !== undefined) this.emit(errorMonitor, ...args);
    doError = doError && events.error === undefined;
  } else if (!doError) {
    return false;
  }
  if (doError) {
    const er = args.length > 0 ? args[0] : undefined;
    if (er instanceof Error) throw er; // Unhandled 'error' event
    let shown: string;
    try {
      shown = inspectUnit().inspect(er);
    } catch {
      shown = String(er);
    }
    const err = nodeError("ERR_UNHANDLED_ERROR", `Unhandled error. (${shown})`);
    (err as Error & { context?: unknown }).context = er;
    throw err;
  }
  const handler = events[type];
  if (handler === undefined) return false;
  if (typeof handler === "function") {
    const result = Reflect.apply(handler, this, args);
    if (result !== undefined && result !== null) addCatch(this, result, type, args);
  } else {
    const listeners = handler.slice();
    for (let i = 0; i < listeners.length; ++i) {
      const result = Reflect.apply(listeners[i]!, this, args);
      if (result !== undefined && result !== null) addCatch(this, result, type, args);
    }
  }
  return true;
};

function addListener(target: EventEmitter, type: string | symbol, listener: unknown, prepend: boolean): EventEmitter {
  checkListener(listener);
  let events = target._events;
  let existing: Events[string];
  if (events === undefined) {
    events = target._events = Object.create(null);
    target._eventsCount = 0;
  } else {
    if (events.newListener !== undefined) {
      target.emit("newListener", type, listener.listener ?? listener);
      events = target._events;
    }
    existing = events[type];
  }
  if (existing === undefined) {
    events[type] = listener;
    ++target._eventsCount;
    return target;
  }
  let list: Listener[] & { warned?: boolean };
  if (typeof existing === "function") list = events[type] = prepend ? [listener, existing] : [existing, listener];
  else {
    list = existing;
    if (prepend) list.unshift(listener);
    else list.push(listener);
  }
  const m = getMaxListeners(target);
  if (m > 0 && list.length > m && !list.warned) {
    list.warned = true;
    const name = (target.constructor as { name?: string } | undefined)?.name || "Object";
    const w = new Error(
      `Possible EventEmitter memory leak detected. ${list.length} ${String(type)} listeners added to [${name}]. Use emitter.setMaxListeners() to increase limit`,
    );
    Object.assign(w, { name: "MaxListenersExceededWarning", emitter: target, type, count: list.length });
    (globalThis as any).process.emitWarning(w);
  }
  return target;
}

proto.addListener = function addListener_(this: EventEmitter, type: string | symbol, listener: Listener) {
  return addListener(this, type, listener, false);
} as EventEmitter["addListener"];
Object.defineProperty(proto.addListener, "name", { value: "addListener" });
proto.on = proto.addListener;
proto.prependListener = function prependListener(this: EventEmitter, type: string | symbol, listener: Listener) {
  return addListener(this, type, listener, true);
} as EventEmitter["prependListener"];

interface OnceState {
  fired: boolean;
  wrapFn: Listener | undefined;
  target: EventEmitter;
  type: string | symbol;
  listener: Listener;
}

function onceWrapper(this: OnceState, ...args: unknown[]): unknown {
  if (this.fired) return undefined;
  this.target.removeListener(this.type, this.wrapFn!);
  this.fired = true;
  return Reflect.apply(this.listener, this.target, args);
}

function onceWrap(target: EventEmitter, type: string | symbol, listener: Listener): Listener {
  const state: OnceState = { fired: false, wrapFn: undefined, target, type, listener };
  const wrapped = onceWrapper.bind(state) as Listener;
  wrapped.listener = listener;
  state.wrapFn = wrapped;
  return wrapped;
}

proto.once = function once(type: string | symbol, listener: Listener) {
  checkListener(listener);
  this.on(type, onceWrap(this, type, listener));
  return this;
};
proto.prependOnceListener = function prependOnceListener(type: string | symbol, listener: Listener) {
  checkListener(listener);
  this.prependListener(type, onceWrap(this, type, listener));
  return this;
};

proto.removeListener = function removeListener(type: string | symbol, listener: Listener) {
  checkListener(listener);
  const events = this._events;
  if (events === undefined) return this;
  const list = events[type];
  if (list === undefined) return this;
  if (list === listener || (typeof list === "function" && list.listener === listener)) {
    this._eventsCount -= 1;
    if (this[kShapeMode]) events[type] = undefined;
    else if (this._eventsCount === 0) this._events = Object.create(null);
    else {
      delete events[type];
      if (events.removeListener) this.emit("removeListener", type, (list as Listener).listener || listener);
    }
  } else if (typeof list !== "function") {
    let position = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i]!.listener === listener) {
        position = i;
        break;
      }
    }
    if (position < 0) return this;
    list.splice(position, 1);
    if (list.length === 1) events[type] = list[0];
    if (events.removeListener !== undefined) this.emit("removeListener", type, listener);
  }
  return this;
};
proto.off = proto.removeListener;

proto.removeAllListeners = function removeAllListeners(type?: string | symbol) {
  const events = this._events;
  if (events === undefined) return this;
  if (events.removeListener === undefined) {
    if (arguments.length === 0) {
      this._events = Object.create(null);
      this._eventsCount = 0;
    } else if (events[type!] !== undefined) {
      if (--this._eventsCount === 0) this._events = Object.create(null);
      else delete events[type!];
    }
    this[kShapeMode] = false;
    return this;
  }
  if (arguments.length === 0) {
    for (const key of Reflect.ownKeys(events)) {
      if (key === "removeListener") continue;
      this.removeAllListeners(key);
    }
    this.removeAllListeners("removeListener");
    this._events = Object.create(null);
    this._eventsCount = 0;
    this[kShapeMode] = false;
    return this;
  }
  const listeners = events[type!];
  if (typeof listeners === "function") this.removeListener(type!, listeners);
  else if (listeners !== undefined) {
    for (let i = listeners.length - 1; i >= 0; i--) this.removeListener(type!, listeners[i]!);
  }
  return this;
};

function listenersOf(target: EventEmitter, type: string | symbol, unwrap: boolean): Listener[] {
  const events = target._events;
  if (events === undefined) return [];
  const l = events[type];
  if (l === undefined) return [];
  if (typeof l === "function") return unwrap ? [l.listener || l] : [l];
  return unwrap ? l.map((x) => x.listener || x) : l.slice();
}

proto.listeners = function listeners(type: string | symbol) {
  return listenersOf(this, type, true);
};
proto.rawListeners = function rawListeners(type: string | symbol) {
  return listenersOf(this, type, false);
};

export function listenerCount(this: EventEmitter, type: string | symbol, listener?: Listener): number {
  const events = this._events;
  if (events === undefined) return 0;
  const l = events[type];
  if (typeof l === "function") {
    if (listener != null) return listener === l || listener === l.listener ? 1 : 0;
    return 1;
  }
  if (l === undefined) return 0;
  if (listener != null) {
    let n = 0;
    for (const x of l) if (x === listener || x.listener === listener) n++;
    return n;
  }
  return l.length;
}
proto.listenerCount = listenerCount;

proto.eventNames = function eventNames() {
  return this._eventsCount > 0 ? Reflect.ownKeys(this._events) : [];
};

// Node's deprecated static form: EventEmitter.listenerCount(emitter, type).
EventEmitter.listenerCount = function (emitter: EventEmitter, type: string | symbol) {
  if (typeof emitter.listenerCount === "function") return emitter.listenerCount(type);
  return Reflect.apply(listenerCount, emitter, [type]);
};
EventEmitter.EventEmitter = EventEmitter;
EventEmitter.usingDomains = false;
