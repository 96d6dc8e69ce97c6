/**
 * The `timers/promises` builtin: promise-returning setTimeout/setImmediate, the
 * setInterval async iterator and `scheduler.wait`/`yield`, with AbortSignal support
 * and Node's AbortError. Built on the sandbox's own timers.
 */
import { invalidArgType } from "../_lib/errors.js";
import { validateAbortSignal, validateBoolean, validateObject } from "../_lib/validators.js";

class AbortError extends Error {
  code = "ABORT_ERR";
  constructor(message = "The operation was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
}

type AbortSignal = import("../_lib/abort.js").AbortSignal;

interface Options {
  signal?: AbortSignal;
  ref?: boolean;
}

const g = globalThis as any;

function checkOptions(options: unknown): Options {
  validateObject(options, "options");
  const o = options as Options;
  validateAbortSignal(o.signal, "options.signal");
  if (o.ref !== undefined) validateBoolean(o.ref, "options.ref");
  return o;
}

function later<T>(start: (done: () => void) => { unref?(): void; ref?(): void }, stop: (h: unknown) => void, value: T, options: unknown): Promise<T> {
  let o: Options;
  try {
    o = checkOptions(options);
  } catch (e) {
    return Promise.reject(e);
  }
  const { signal, ref = true } = o;
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      stop(handle);
      reject(new AbortError(undefined, { cause: signal!.reason }));
    };
    const handle = start(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(value);
    });
    if (!ref) handle.unref?.();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function setTimeout<T = void>(delay?: number, value?: T, options: unknown = {}): Promise<T> {
  return later((done) => g.setTimeout(done, delay), (h) => g.clearTimeout(h), value as T, options);
}

function setImmediate<T = void>(value?: T, options: unknown = {}): Promise<T> {
  return later((done) => g.setImmediate(done), (h) => g.clearImmediate(h), value as T, options);
}

async function* setInterval<T = void>(delay?: number, value?: T, options: unknown = {}): AsyncGenerator<T> {
  const { signal, ref = true } = checkOptions(options);
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  let pending = 0;
  let wake: (() => void) | undefined;
  let aborted = false;
  const timer = g.setInterval(() => {
    pending++;
    wake?.();
  }, delay);
  if (!ref) timer.unref();
  const onAbort = () => {
    aborted = true;
    wake?.();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      if (pending === 0 && !aborted) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (aborted) throw new AbortError(undefined, { cause: signal!.reason });
      for (; pending > 0; pending--) yield value as T;
    }
  } finally {
    g.clearInterval(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

const scheduler = {
  wait(delay: number, options?: { signal?: AbortSignal }): Promise<void> {
    return setTimeout(delay, undefined, options ?? {});
  },
  yield(): Promise<void> {
    return setImmediate();
  },
};

void invalidArgType;
export default { setTimeout, setImmediate, setInterval, scheduler };
