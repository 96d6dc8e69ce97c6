/**
 * Node 20 has `Symbol.dispose` (`Symbol(nodejs.dispose)`); QuickJS may not. The stream port
 * keys its disposables with `Symbol.dispose || Symbol('Symbol.dispose')` while the
 * sandbox's `events.addAbortListener` uses `Symbol.dispose ?? Symbol.for("nodejs.dispose")`;
 * without one shared symbol `addAbortSignal` gets a disposable it cannot dispose. Defined
 * here, imported before the port, so both sides agree whichever loads first.
 */
const S = Symbol as unknown as Record<string, symbol | undefined>;
if (typeof S.dispose !== "symbol") Object.defineProperty(Symbol, "dispose", { value: Symbol.for("nodejs.dispose") });
if (typeof S.asyncDispose !== "symbol") Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("nodejs.asyncDispose") });
export {};
