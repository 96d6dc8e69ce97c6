/**
 * The DOM `EventTarget`, `Event` and `CustomEvent` globals as Node implements them
 * (lib/internal/event_target.js): listener options once/capture/passive/signal,
 * `handleEvent` objects, a listener that throws reports an uncaught exception on the
 * next tick without stopping the others, the max-listeners warning, and Node's
 * `inspect` output. There is no tree, so dispatch is always at the target.
 */
import { invalidArgType, nodeError } from "./errors.js";
import { missingArgs, validateObject } from "./validators.js";
import { lazy } from "../module/guest.js";

const inspectUnit = lazy<typeof import("./inspect.js")>("quicksand:internal/inspect");
const customInspect = Symbol.for("nodejs.util.inspect.custom");
export const kMaxEventTargetListeners = Symbol("events.maxEventTargetListeners");
const kTrusted = Symbol("kTrusted");

const NONE = 0;
const AT_TARGET = 2;

interface EventState {
  type: string;
  bubbles: boolean;
  cancelable: boolean;
  composed: boolean;
  defaultPrevented: boolean;
  timeStamp: number;
  trusted: boolean;
  target: EventTarget | null;
  currentTarget: EventTarget | null;
  phase: number;
  stop: boolean;
  stopImmediate: boolean;
  dispatching: boolean;
  inPassive: boolean;
}

const eventState = new WeakMap<object, EventState>();

function stateOf(e: unknown, what = "Event"): EventState {
  const s = eventState.get(e as object);
  if (!s) throw nodeError("ERR_INVALID_THIS", `Value of "this" must be of type ${what}`, TypeError);
  return s;
}

function nestedInspect(self: object, fields: object, depth: number, options: { depth?: number | null }): string {
  const name = (self.constructor as { name?: string }).name ?? "Event";
  if (depth < 0) return name;
  const opts = { ...options, depth: Number.isInteger(options.depth) ? (options.depth as number) - 1 : options.depth };
  return `${name} ${inspectUnit().inspect(fields, opts as object)}`;
}

export class Event {
  static readonly NONE = 0;
  static readonly CAPTURING_PHASE = 1;
  static readonly AT_TARGET = 2;
  static readonly BUBBLING_PHASE = 3;

  constructor(type: unknown, options: unknown = undefined) {
    if (arguments.length === 0) throw missingArgs("type");
    if (options !== undefined) validateObject(options, "options", { allowArray: true, allowFunction: true, nullable: true });
    const o = (options ?? {}) as { bubbles?: unknown; cancelable?: unknown; composed?: unknown; [kTrusted]?: unknown };
    const now = (globalThis as { performance?: { now(): number } }).performance?.now() ?? 0;
    eventState.set(this, {
      type: `${type}`,
      bubbles: Boolean(o.bubbles),
      cancelable: Boolean(o.cancelable),
      composed: Boolean(o.composed),
      defaultPrevented: false,
      timeStamp: now,
      trusted: o[kTrusted] === true,
      target: null,
      currentTarget: null,
      phase: NONE,
      stop: false,
      stopImmediate: false,
      dispatching: false,
      inPassive: false,
    });
  }
  get type(): string {
    return stateOf(this).type;
  }
  get bubbles(): boolean {
    return stateOf(this).bubbles;
  }
  get cancelable(): boolean {
    return stateOf(this).cancelable;
  }
  get composed(): boolean {
    return stateOf(this).composed;
  }
  get defaultPrevented(): boolean {
    const s = stateOf(this);
    return s.cancelable && s.defaultPrevented;
  }
  get timeStamp(): number {
    return stateOf(this).timeStamp;
  }
  get isTrusted(): boolean {
    return stateOf(this).trusted;
  }
  get target(): EventTarget | null {
    return stateOf(this).target;
  }
  get currentTarget(): EventTarget | null {
    return stateOf(this).currentTarget;
  }
  get srcElement(): EventTarget | null {
    return stateOf(this).target;
  }
  get eventPhase(): number {
    return stateOf(this).phase;
  }
  get returnValue(): boolean {
    return !this.defaultPrevented;
  }
  get cancelBubble(): boolean {
    return stateOf(this).stop;
  }
  set cancelBubble(v: boolean) {
    if (v) stateOf(this).stop = true;
  }
  composedPath(): EventTarget[] {
    const s = stateOf(this);
    return s.dispatching && s.currentTarget ? [s.currentTarget] : [];
  }
  // Node does not enforce `passive` (it is only a hint there), so neither do we.
  preventDefault(): void {
    stateOf(this).defaultPrevented = true;
  }
  stopPropagation(): void {
    stateOf(this).stop = true;
  }
  stopImmediatePropagation(): void {
    const s = stateOf(this);
    s.stop = true;
    s.stopImmediate = true;
  }
  [customInspect](depth: number, options: { depth?: number | null }): string {
    const s = stateOf(this);
    return nestedInspect(this, { type: s.type, defaultPrevented: s.cancelable && s.defaultPrevented, cancelable: s.cancelable, timeStamp: s.timeStamp }, depth, options);
  }
}
for (const [k, v] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]] as const) {
  Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
}
Object.defineProperty(Event.prototype, Symbol.toStringTag, { value: "Event", configurable: true });

export class CustomEvent<T = unknown> extends Event {
  readonly #detail: T | null;
  constructor(type: unknown, options: { detail?: T } | undefined = undefined) {
    if (arguments.length === 0) throw missingArgs("type");
    super(type, options);
    this.#detail = options?.detail ?? null;
  }
  get detail(): T | null {
    return this.#detail;
  }
}
Object.defineProperty(CustomEvent.prototype, Symbol.toStringTag, { value: "CustomEvent", configurable: true });

interface Registration {
  listener: unknown;
  capture: boolean;
  once: boolean;
  passive: boolean;
  removed: boolean;
  abortCleanup?: () => void;
}

const listenersOf = new WeakMap<object, Map<string, Registration[]>>();

function registry(target: object): Map<string, Registration[]> {
  let m = listenersOf.get(target);
  if (!m) {
    m = new Map();
    listenersOf.set(target, m);
  }
  return m;
}

function parseOptions(options: unknown): { capture: boolean; once: boolean; passive: boolean; signal: unknown } {
  if (typeof options === "boolean") return { capture: options, once: false, passive: false, signal: undefined };
  if (options === undefined || options === null) return { capture: false, once: false, passive: false, signal: undefined };
  validateObject(options, "options", { allowArray: true, allowFunction: true });
  const o = options as { capture?: unknown; once?: unknown; passive?: unknown; signal?: unknown };
  return { capture: Boolean(o.capture), once: Boolean(o.once), passive: Boolean(o.passive), signal: o.signal };
}

function emitUncaught(err: unknown): void {
  (globalThis as any).process.nextTick(() => {
    throw err;
  });
}

export function isEventTarget(v: unknown): v is EventTarget {
  return typeof v === "object" && v !== null && listenersOf.has(v);
}

export class EventTarget {
  constructor() {
    registry(this);
    (this as Record<symbol, unknown>)[kMaxEventTargetListeners] = defaultMaxTargetListeners;
  }

  addEventListener(type: unknown, listener: unknown, options: unknown = undefined): void {
    if (!isEventTarget(this)) throw nodeError("ERR_INVALID_THIS", 'Value of "this" must be of type EventTarget', TypeError);
    if (arguments.length < 2) throw missingArgs("type", "listener");
    const { capture, once, passive, signal } = parseOptions(options);
    if (listener === null || listener === undefined) {
      const w = new Error(`addEventListener called with ${String(listener)} which has no effect.`);
      w.name = "AddEventListenerArgumentTypeWarning";
      (globalThis as any).process.emitWarning(w);
      return;
    }
    if (typeof listener !== "function" && typeof listener !== "object") throw invalidArgType("listener", "an instance of EventListener", listener);
    if (signal !== undefined && (signal === null || typeof signal !== "object" || !("aborted" in signal))) {
      throw invalidArgType("options.signal", "an instance of AbortSignal", signal);
    }
    if ((signal as { aborted?: boolean } | undefined)?.aborted) return;
    const key = `${type}`;
    const map = registry(this);
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    if (list.some((r) => r.listener === listener && r.capture === capture)) return;
    const reg: Registration = { listener, capture, once, passive, removed: false };
    list.push(reg);
    const max = (this as Record<symbol, unknown>)[kMaxEventTargetListeners] as number;
    if (max > 0 && list.length > max && !(list as { warned?: boolean }).warned) {
      (list as { warned?: boolean }).warned = true;
      const w = new Error(
        `Possible EventTarget memory leak detected. ${list.length} ${key} listeners added to ${this.constructor.name}. Use events.setMaxListeners() to increase limit`,
      );
      w.name = "MaxListenersExceededWarning";
      (globalThis as any).process.emitWarning(w);
    }
    if (signal !== undefined) {
      const onAbort = () => this.removeEventListener(key, listener, { capture });
      const target = signal as unknown as EventTarget;
      target.addEventListener("abort", onAbort, { once: true });
      reg.abortCleanup = () => target.removeEventListener("abort", onAbort);
    }
  }

  removeEventListener(type: unknown, listener: unknown, options: unknown = undefined): void {
    if (!isEventTarget(this)) throw nodeError("ERR_INVALID_THIS", 'Value of "this" must be of type EventTarget', TypeError);
    if (arguments.length < 2) throw missingArgs("type", "listener");
    const capture = typeof options === "boolean" ? options : Boolean((options as { capture?: unknown } | null | undefined)?.capture);
    const key = `${type}`;
    const map = registry(this);
    const list = map.get(key);
    if (!list) return;
    const i = list.findIndex((r) => r.listener === listener && r.capture === capture);
    if (i < 0) return;
    const [reg] = list.splice(i, 1);
    reg!.removed = true;
    reg!.abortCleanup?.();
    if (list.length === 0) map.delete(key);
  }

  dispatchEvent(event: unknown): boolean {
    if (!isEventTarget(this)) throw nodeError("ERR_INVALID_THIS", 'Value of "this" must be of type EventTarget', TypeError);
    if (arguments.length < 1) throw missingArgs("event");
    if (!(event instanceof Event)) throw invalidArgType("event", "an instance of Event", event);
    const s = stateOf(event);
    if (s.dispatching) throw nodeError("ERR_EVENT_RECURSION", `The event "${s.type}" is already being dispatched`);
    s.dispatching = true;
    s.target = this;
    s.currentTarget = this;
    s.phase = AT_TARGET;
    const list = registry(this).get(s.type);
    try {
      if (list) {
        for (const reg of list.slice()) {
          if (reg.removed) continue;
          if (reg.once) this.removeEventListener(s.type, reg.listener, { capture: reg.capture });
          s.inPassive = reg.passive;
          try {
            let result: unknown;
            if (typeof reg.listener === "function") result = Reflect.apply(reg.listener, this, [event]);
            else {
              const handle = (reg.listener as { handleEvent?: unknown }).handleEvent;
              if (typeof handle === "function") result = Reflect.apply(handle, reg.listener, [event]);
              else throw invalidArgType("listener.handleEvent", "of type function", handle);
            }
            if (result !== undefined && result !== null && typeof (result as { then?: unknown }).then === "function") {
              (result as Promise<unknown>).then(undefined, emitUncaught);
            }
          } catch (err) {
            emitUncaught(err);
          }
          s.inPassive = false;
          if (s.stopImmediate) break;
        }
      }
    } finally {
      s.dispatching = false;
      s.currentTarget = null;
      s.phase = NONE;
    }
    return !event.defaultPrevented;
  }

  [customInspect](depth: number, options: { depth?: number | null }): string {
    return nestedInspect(this, {}, depth, options);
  }
}
Object.defineProperty(EventTarget.prototype, Symbol.toStringTag, { value: "EventTarget", configurable: true });

export let defaultMaxTargetListeners = 10;
export function setDefaultMaxTargetListeners(n: number): void {
  defaultMaxTargetListeners = n;
}

/** The listener functions (or objects) registered for `type`, for events.getEventListeners. */
export function eventTargetListeners(target: object, type: string): unknown[] {
  return (registry(target).get(`${type}`) ?? []).map((r) => r.listener);
}

/** `on<type>` attribute handlers (`signal.onabort = fn`), as DOM event handler IDL attributes. */
export function defineEventHandler(proto: object, type: string): void {
  const handlers = new WeakMap<object, { fn: unknown; wrapper: (e: Event) => unknown }>();
  Object.defineProperty(proto, `on${type}`, {
    enumerable: true,
    configurable: true,
    get(this: object) {
      return handlers.get(this)?.fn ?? null;
    },
    set(this: EventTarget, fn: unknown) {
      const current = handlers.get(this);
      if (current) {
        this.removeEventListener(type, current.wrapper);
        handlers.delete(this);
      }
      if (typeof fn === "function" || (typeof fn === "object" && fn !== null)) {
        const wrapper = function (this: unknown, e: Event) {
          return typeof fn === "function" ? Reflect.apply(fn, this, [e]) : undefined;
        };
        handlers.set(this, { fn, wrapper });
        this.addEventListener(type, wrapper);
      }
    },
  });
}

/** Makes an Event marked trusted (events the platform itself fires, e.g. 'abort'). */
export function trustedEvent(type: string): Event {
  return new Event(type, { [kTrusted]: true } as object);
}
