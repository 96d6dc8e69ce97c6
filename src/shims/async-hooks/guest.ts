/**
 * `async_hooks`: AsyncLocalStorage and AsyncResource.
 *
 * QuickJS has no promise or async hooks, so the context travels by wrapping: once this
 * module loads, callbacks given to setTimeout/setInterval/setImmediate, process.nextTick,
 * queueMicrotask and Promise.prototype.then/catch/finally run in the
 * context that was current when they were scheduled. LIMIT: an `await` inside an async
 * function resumes through the engine's own promise machinery, not `then`, so after an
 * `await` the store is the one current when the continuation happens to run, usually
 * none. Code that needs the store after an await should read it before the first await,
 * or chain with .then(). createHook and the async id functions are not supported.
 */
import { invalidArgType, notSupported } from "../_lib/errors.js";

type Frame = Map<AsyncLocalStorage, unknown> | undefined;
let current: Frame;

function bindFrame<F extends (...a: any[]) => any>(fn: F, frame: Frame = current): F {
  return function (this: unknown, ...args: unknown[]) {
    const prev = current;
    current = frame;
    try {
      return fn.apply(this, args);
    } finally {
      current = prev;
    }
  } as F;
}

let installed = false;
/** Wraps the schedulers once, so callbacks carry the context they were scheduled in. */
function install(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as Record<string, any>;
  for (const name of ["setTimeout", "setInterval", "setImmediate", "queueMicrotask"]) {
    const original = g[name];
    if (typeof original !== "function") continue;
    g[name] = { [name]: function (cb: unknown, ...rest: unknown[]) {
      return original.call(this, typeof cb === "function" ? bindFrame(cb as (...a: unknown[]) => unknown) : cb, ...rest);
    } }[name];
  }
  const proc = g.process;
  const nextTick = proc.nextTick;
  proc.nextTick = function (cb: unknown, ...rest: unknown[]) {
    return nextTick.call(this, typeof cb === "function" ? bindFrame(cb as (...a: unknown[]) => unknown) : cb, ...rest);
  };
  const then = Promise.prototype.then;
  Object.defineProperty(Promise.prototype, "then", {
    value: function then_(this: Promise<unknown>, onFulfilled?: unknown, onRejected?: unknown) {
      const f = typeof onFulfilled === "function" ? bindFrame(onFulfilled as (v: unknown) => unknown) : onFulfilled;
      const r = typeof onRejected === "function" ? bindFrame(onRejected as (v: unknown) => unknown) : onRejected;
      return then.call(this, f as never, r as never);
    },
    writable: true,
    configurable: true,
  });
  Object.defineProperty(Promise.prototype.then, "name", { value: "then" });
}

class AsyncLocalStorage {
  #enabled = false;
  constructor() {
    install();
  }
  static bind<F extends (...a: any[]) => any>(fn: F): F {
    if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
    return bindFrame(fn);
  }
  static snapshot(): <R>(fn: (...a: any[]) => R, ...args: any[]) => R {
    const frame = current;
    return (fn, ...args) => bindFrame(fn, frame)(...args);
  }
  getStore(): unknown {
    return this.#enabled && current ? current.get(this) : undefined;
  }
  run<R>(store: unknown, callback: (...a: any[]) => R, ...args: unknown[]): R {
    this.#enabled = true;
    const frame = new Map(current);
    frame.set(this, store);
    return bindFrame(callback, frame)(...args);
  }
  exit<R>(callback: (...a: any[]) => R, ...args: unknown[]): R {
    const frame = new Map(current);
    frame.delete(this);
    return bindFrame(callback, frame)(...args);
  }
  enterWith(store: unknown): void {
    this.#enabled = true;
    const frame = new Map(current);
    frame.set(this, store);
    current = frame;
  }
  disable(): void {
    this.#enabled = false;
    if (current?.has(this)) {
      current = new Map(current);
      current.delete(this);
    }
  }
}

class AsyncResource {
  #type: string;
  #frame: Frame;
  constructor(type: string, _options?: unknown) {
    if (typeof type !== "string") throw invalidArgType("type", "of type string", type);
    install();
    this.#type = type;
    this.#frame = current;
  }
  runInAsyncScope<R>(fn: (...a: any[]) => R, thisArg?: unknown, ...args: unknown[]): R {
    return bindFrame(fn, this.#frame).apply(thisArg, args);
  }
  bind<F extends (...a: any[]) => any>(fn: F, thisArg?: unknown): F {
    if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
    const frame = this.#frame;
    const bound = bindFrame(fn, frame);
    return (thisArg === undefined ? bound : bound.bind(thisArg)) as F;
  }
  static bind<F extends (...a: any[]) => any>(fn: F, type?: string, thisArg?: unknown): F {
    return new AsyncResource(type ?? (fn.name || "bound-anonymous-fn")).bind(fn, thisArg);
  }
  /** @internal the resource type (Node keeps it internal too). */
  get [Symbol.for("quicksand.asyncResourceType")](): string {
    return this.#type;
  }
  emitDestroy(): this {
    return this;
  }
  asyncId(): never {
    throw notSupported("AsyncResource.asyncId()");
  }
  triggerAsyncId(): never {
    throw notSupported("AsyncResource.triggerAsyncId()");
  }
}

const unsupported = (name: string) => () => {
  throw notSupported(`async_hooks.${name}()`);
};

export default {
  AsyncLocalStorage,
  AsyncResource,
  createHook: unsupported("createHook"),
  executionAsyncId: unsupported("executionAsyncId"),
  triggerAsyncId: unsupported("triggerAsyncId"),
  executionAsyncResource: unsupported("executionAsyncResource"),
  asyncWrapProviders: Object.freeze({}),
};
