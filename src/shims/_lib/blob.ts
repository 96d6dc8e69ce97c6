/**
 * `Blob` and `File` (globals, and `buffer.Blob`/`buffer.File`): immutable bytes held in
 * the guest. `stream()` needs the web streams global and says so when it is missing.
 */
import { nodeError, invalidArgType, describeReceived } from "./errors.js";
import { utf8Encode, utf8Decode } from "./encoding.js";

const kBytes = Symbol("kBytes");
const kType = Symbol("kType");
const customInspect = Symbol.for("nodejs.util.inspect.custom");

function bytesOf(part: unknown, endings: string): Uint8Array {
  if (part instanceof Blob) return part[kBytes];
  if (part instanceof ArrayBuffer) return new Uint8Array(part.slice(0));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength).slice();
  let s = `${part}`;
  if (endings === "native") s = s.replace(/\r\n|\r/g, "\n");
  return utf8Encode(s);
}

export class Blob {
  declare [kBytes]: Uint8Array;
  declare [kType]: string;
  constructor(sources: unknown = [], options: { type?: unknown; endings?: unknown } = {}) {
    if (sources === null || typeof sources !== "object" || typeof (sources as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
      throw nodeError("ERR_INVALID_ARG_TYPE", `The "sources" argument must be a sequence. Received ${describeReceived(sources)}`, TypeError);
    }
    if (options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
    const endings = `${options.endings ?? "transparent"}`;
    if (endings !== "transparent" && endings !== "native") {
      throw nodeError("ERR_INVALID_ARG_VALUE", `The property 'options.endings' must be one of: 'transparent', 'native'. Received '${endings}'`, TypeError);
    }
    const parts = Array.from(sources as Iterable<unknown>, (p) => bytesOf(p, endings));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    const type = `${options.type ?? ""}`;
    Object.defineProperty(this, kBytes, { value: out });
    Object.defineProperty(this, kType, { value: /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : "" });
  }
  get size(): number {
    return this[kBytes].length;
  }
  get type(): string {
    return this[kType];
  }
  slice(start = 0, end = this.size, contentType = ""): Blob {
    const size = this.size;
    const rel = (v: number) => (v < 0 ? Math.max(size + v, 0) : Math.min(v, size));
    const s = rel(Math.trunc(Number(start)) || 0);
    const e = rel(Math.trunc(Number(end)) || 0);
    return new Blob([this[kBytes].subarray(s, Math.max(s, e))], { type: contentType });
  }
  async text(): Promise<string> {
    return utf8Decode(this[kBytes]);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this[kBytes].slice().buffer;
  }
  async bytes(): Promise<Uint8Array> {
    return this[kBytes].slice();
  }
  stream(): unknown {
    const RS = (globalThis as { ReadableStream?: new (s: object) => unknown }).ReadableStream;
    if (typeof RS !== "function") throw nodeError("ERR_SANDBOX_NOT_SUPPORTED", "Blob.stream() needs web streams (ReadableStream), which this sandbox does not have");
    const bytes = this[kBytes].slice();
    return new RS({
      start(controller: { enqueue(c: Uint8Array): void; close(): void }) {
        if (bytes.length) controller.enqueue(bytes);
        controller.close();
      },
    });
  }
  [customInspect](depth: number, opts: object, inspect: (v: unknown, o: object) => string): string {
    if (depth < 0) return `[${this.constructor.name}]`;
    return `${this.constructor.name} ${inspect(this.inspectFields(), opts)}`;
  }
  protected inspectFields(): object {
    return { size: this.size, type: this.type };
  }
}
Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: "Blob", configurable: true });

const kName = Symbol("kName");
const kLastModified = Symbol("kLastModified");

export class File extends Blob {
  declare [kName]: string;
  declare [kLastModified]: number;
  constructor(fileBits: unknown, fileName: unknown, options: { type?: unknown; endings?: unknown; lastModified?: unknown } = {}) {
    if (arguments.length < 2) throw nodeError("ERR_MISSING_ARGS", 'The "fileBits" and "fileName" arguments must be specified', TypeError);
    super(fileBits, options);
    Object.defineProperty(this, kName, { value: `${fileName}` });
    Object.defineProperty(this, kLastModified, { value: options.lastModified === undefined ? Date.now() : Number(options.lastModified) });
  }
  get name(): string {
    return this[kName];
  }
  get lastModified(): number {
    return this[kLastModified];
  }
  protected override inspectFields(): object {
    return { size: this.size, type: this.type, name: this.name, lastModified: this.lastModified };
  }
}
Object.defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });
