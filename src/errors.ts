/**
 * Errors quicksand throws to its callers (not to guest code). Each has a `name` and a
 * stable `code`, and is branded with `Symbol.for` so `instanceof` holds even when both
 * the ESM and the CommonJS build of quicksand are loaded in one process.
 */
function brand<T extends abstract new (...args: never[]) => Error>(cls: T, code: string): T {
  const sym = Symbol.for(`quicksand.error.${code}`);
  Object.defineProperty(cls.prototype, sym, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: (v: unknown) => typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[sym] === true,
  });
  return cls;
}

export class QuicksandError extends Error {
  readonly code: string = "ERR_QUICKSAND";
  constructor(message: string) {
    super(message);
    this.name = "QuicksandError";
  }
}

/** exec/run/terminate was called after dispose(). */
export const RuntimeDisposedError = brand(
  class RuntimeDisposedError extends QuicksandError {
    override readonly code = "ERR_QUICKSAND_DISPOSED";
    constructor(method: string) {
      super(`NodeRuntime.${method}() was called after dispose()`);
      this.name = "RuntimeDisposedError";
    }
  },
  "ERR_QUICKSAND_DISPOSED",
);

/** The QuickJS WebAssembly module could not be compiled or instantiated. */
export const EngineLoadError = brand(
  class EngineLoadError extends QuicksandError {
    override readonly code = "ERR_QUICKSAND_ENGINE_LOAD";
    constructor(cause: unknown) {
      super(`could not load the QuickJS WebAssembly engine: ${(cause as Error)?.message ?? String(cause)}`);
      this.name = "EngineLoadError";
      this.cause = cause;
    }
  },
  "ERR_QUICKSAND_ENGINE_LOAD",
);

/** A session step was asked for after the session closed (close(), process.exit(), a limit, or the runtime's dispose()). */
export const SessionClosedError = brand(
  class SessionClosedError extends QuicksandError {
    override readonly code = "ERR_QUICKSAND_SESSION_CLOSED";
    constructor(method: string, why: string) {
      super(`Session.${method}() was called after the session closed (${why})`);
      this.name = "SessionClosedError";
    }
  },
  "ERR_QUICKSAND_SESSION_CLOSED",
);

/** A feature quicksand does not offer (yet), named in the message. */
export const NotSupportedError = brand(
  class NotSupportedError extends QuicksandError {
    override readonly code = "ERR_QUICKSAND_NOT_SUPPORTED";
    constructor(message: string) {
      super(message);
      this.name = "NotSupportedError";
    }
  },
  "ERR_QUICKSAND_NOT_SUPPORTED",
);
