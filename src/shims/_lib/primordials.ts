/**
 * Built-ins captured when the bootstrap runs, before any guest code can replace them,
 * in the manner of Deno's `primordials`. The bridge internals use these, so a guest
 * script that patches `Map.prototype.get` cannot derail how promises of async ops are
 * settled. (This is fidelity, not security: the host trusts nothing in the guest realm.)
 * Kept short on purpose: every capture is parse and run cost on each exec.
 */
const { apply } = Reflect;
const uncurry = <A extends unknown[], R>(fn: (...args: A) => R) =>
  (self: unknown, ...args: A): R => apply(fn, self, args);

export const ReflectApply = apply;
export const ObjectDefineProperty = Object.defineProperty;
export const $Promise = Promise;
export const $Map = Map;
export const $Error = Error;
export const $TypeError = TypeError;
export const $RangeError = RangeError;
export const MapPrototypeGet = uncurry(Map.prototype.get as (k: unknown) => unknown);
export const MapPrototypeSet = uncurry(Map.prototype.set as (k: unknown, v: unknown) => Map<unknown, unknown>);
export const MapPrototypeDelete = uncurry(Map.prototype.delete as (k: unknown) => boolean);
/** `ArrayBuffer.prototype.byteLength`'s getter: throws unless `this` is a real ArrayBuffer. */
export const ArrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;

