/**
 * The `stream` builtin: the `readable-stream@4` npm port (Node 18's own stream code,
 * bundled into this unit). Its requires of `events`, `buffer`, `string_decoder/` and
 * `process/` resolve to the sandbox's builtins (rollup.config.mjs `unitExternals`), so
 * a sandbox Readable is an instance of the sandbox's EventEmitter and carries its Buffers.
 *
 * `require("stream")` is the legacy `Stream` constructor carrying every export, as in
 * Node (`require("stream").Stream === require("stream")`). What differs from Node 20 is
 * adjusted below.
 */
import "./dispose-symbol.js";
// @ts-expect-error the port ships no types; a bare specifier bundles it.
import Port from "readable-stream/lib/stream.js";
import { invalidArgType } from "../_lib/errors.js";
import { requireBuiltin } from "../module/guest.js";

type Fn = (this: any, ...args: unknown[]) => unknown;
type Ctor = { prototype: Record<string, Fn> };
const Stream = Port as Record<string, unknown> & { Writable: Ctor; Duplex: Ctor };
const { Buffer } = requireBuiltin("buffer") as { Buffer: { from(b: ArrayBufferLike, o: number, l: number): unknown } };

// Node 20 takes any TypedArray or DataView as a chunk, not only a Uint8Array.
Stream._isUint8Array = (v: unknown) => ArrayBuffer.isView(v);
Stream._isArrayBufferView = (v: unknown) => ArrayBuffer.isView(v);
Stream._uint8ArrayToBuffer = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

// ...and says so when a chunk is of another type (the port names Node 18's list).
for (const C of [Stream.Writable, Stream.Duplex]) {
  const write = C.prototype.write!;
  C.prototype.write = {
    write(this: { _writableState?: { objectMode?: boolean } }, chunk: unknown, ...rest: unknown[]) {
      const state = this._writableState;
      if (state && !state.objectMode && chunk !== null && typeof chunk !== "string" && !ArrayBuffer.isView(chunk)) {
        throw invalidArgType("chunk", "of type string or an instance of Buffer, TypedArray, or DataView", chunk);
      }
      return Reflect.apply(write, this, [chunk, ...rest]);
    },
  }.write;
}

export default Stream;
