/**
 * The guest's side of the bridge. `callOp` calls a synchronous host op; `callOpAsync`
 * starts an asynchronous one and returns a Promise the event loop settles later. These
 * two functions are the only way guest code reaches the host.
 */
import type * as Errors from "./errors.js";
import { lazy } from "../module/guest.js";
import { $Map, $Promise, MapPrototypeDelete, MapPrototypeGet, MapPrototypeSet, ReflectApply } from "./primordials.js";

type HostCall = (name: string, ...args: unknown[]) => unknown;
type HostCallAsync = (name: string, ...args: unknown[]) => number;

const errors = lazy<typeof Errors>("quicksand:internal/errors");
/** Op failures arrive as plain records (`$opError`); errors.ts turns them into Node errors. */
const fromOpError = (e: unknown): unknown =>
  typeof e === "object" && e !== null && (e as { $opError?: unknown }).$opError === true ? errors().fromOpError(e) : e;

let hostCall: HostCall;
let hostCallAsync: HostCallAsync;
const pending = new $Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

export function initHost(call: HostCall, callAsync: HostCallAsync): void {
  hostCall = call;
  hostCallAsync = callAsync;
}

export function callOp(name: string, ...args: unknown[]): unknown {
  try {
    return ReflectApply(hostCall, undefined, [name, ...args]);
  } catch (e) {
    throw fromOpError(e);
  }
}

export function callOpAsync(name: string, ...args: unknown[]): Promise<unknown> {
  const id = ReflectApply(hostCallAsync, undefined, [name, ...args]) as number;
  return new $Promise((resolve, reject) => {
    MapPrototypeSet(pending, id, { resolve, reject });
  });
}

/** Called by the host's event loop when an async op finishes. */
export function settle(id: number, error: unknown, value: unknown): void {
  const p = MapPrototypeGet(pending, id) as { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined;
  if (!p) return;
  MapPrototypeDelete(pending, id);
  if (error !== undefined) p.reject(fromOpError(error));
  else p.resolve(value);
}

/** Copies bytes into a standalone ArrayBuffer, the form byte arguments cross in. */
export function toArrayBuffer(view: ArrayBufferView | ArrayBuffer): ArrayBuffer {
  if (view instanceof ArrayBuffer) return view;
  const { buffer, byteOffset, byteLength } = view;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) return buffer;
  return (buffer as ArrayBuffer).slice(byteOffset, byteOffset + byteLength);
}
