/**
 * The `string_decoder` builtin: the `string_decoder@1` npm port (Node's own former JS
 * implementation, bundled here; its Buffer is the sandbox's `buffer` builtin) with
 * Node 20's argument checks and `ERR_UNKNOWN_ENCODING` on top.
 */
// @ts-expect-error the port ships no types; the trailing slash bundles it.
import * as port from "string_decoder/";
import { invalidArgType, nodeError } from "../_lib/errors.js";

type Decoder = { write(b: unknown): string; end(b?: unknown): string; encoding: string };
const Port = (port as { StringDecoder: new (enc?: string) => Decoder }).StringDecoder;
const proto = Port.prototype as Decoder;

const KNOWN = /^(utf-?8|ucs-?2|utf-?16le|latin1|binary|base64|ascii|hex)$/i;

function StringDecoder(this: Decoder, encoding?: unknown) {
  if (encoding !== undefined && encoding !== null && encoding !== "" && (typeof encoding !== "string" || !KNOWN.test(encoding))) {
    throw nodeError("ERR_UNKNOWN_ENCODING", `Unknown encoding: ${String(encoding)}`, TypeError);
  }
  Reflect.apply(Port, this, [encoding ?? undefined]);
  checked.call(this, this.write, this.end);
}
StringDecoder.prototype = proto;
Object.defineProperty(proto, "constructor", { value: StringDecoder, writable: true, configurable: true });

// The port sets `write`/`end` per instance for some encodings, so checks wrap instances.
function checked(this: Decoder, write: (b: unknown) => string, end: (b?: unknown) => string) {
  this.write = function (buf: unknown) {
    if (typeof buf === "string") return buf;
    if (!ArrayBuffer.isView(buf)) throw invalidArgType("buf", "an instance of Buffer, TypedArray, or DataView", buf);
    return write.call(this, toBuffer(buf));
  };
  this.end = function (buf?: unknown) {
    if (buf !== undefined && typeof buf !== "string" && !ArrayBuffer.isView(buf)) {
      throw invalidArgType("buf", "an instance of Buffer, TypedArray, or DataView", buf);
    }
    const out = end.call(this, typeof buf === "string" || buf === undefined ? buf : toBuffer(buf));
    // Node's decoder starts over after end(); the port keeps the partial character.
    Object.assign(this, { lastNeed: 0, lastTotal: 0 });
    return out;
  };
}

/** The port reads Buffer methods; a plain Uint8Array/DataView becomes a Buffer view. */
function toBuffer(view: ArrayBufferView): unknown {
  const { Buffer } = globalThis as any;
  return Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

export default { StringDecoder };
