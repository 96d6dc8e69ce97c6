/**
 * WHATWG `TextEncoder`/`TextDecoder` (globals and `util` exports) and the UTF-8 helpers
 * other units share. The decoder follows the Encoding Standard's UTF-8 algorithm, so
 * invalid input is replaced (or rejected when `fatal`) exactly where Node does it.
 * Decodes utf-8, utf-16le and latin1 (Node, like the standard, calls that
 * windows-1252, but decodes it as latin1).
 */
import { invalidArgType, nodeError } from "./errors.js";

const UTF8_LABELS = ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"];
const UTF16LE_LABELS = ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"];
const LATIN1_LABELS = [
  "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100", "iso8859-1",
  "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252",
];
const ENCODINGS = new Map<string, string>();
for (const l of UTF8_LABELS) ENCODINGS.set(l, "utf-8");
for (const l of UTF16LE_LABELS) ENCODINGS.set(l, "utf-16le");
for (const l of LATIN1_LABELS) ENCODINGS.set(l, "windows-1252");

const customInspect = Symbol.for("nodejs.util.inspect.custom");

/** UTF-8 bytes of a string; lone surrogates become U+FFFD, as in Buffer.from(s). */
export function utf8Encode(str: string): Uint8Array {
  const out = new Uint8Array(str.length * 3);
  const written = encodeInto(str, out).written;
  return out.slice(0, written);
}

function encodeInto(str: string, dest: Uint8Array): { read: number; written: number } {
  let w = 0;
  let r = 0;
  const cap = dest.length;
  for (; r < str.length; r++) {
    let c = str.charCodeAt(r);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = str.charCodeAt(r + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x80) {
      if (w + 1 > cap) break;
      dest[w++] = c;
    } else if (c < 0x800) {
      if (w + 2 > cap) break;
      dest[w++] = 0xc0 | (c >> 6);
      dest[w++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      if (w + 3 > cap) break;
      dest[w++] = 0xe0 | (c >> 12);
      dest[w++] = 0x80 | ((c >> 6) & 63);
      dest[w++] = 0x80 | (c & 63);
    } else {
      if (w + 4 > cap) break;
      dest[w++] = 0xf0 | (c >> 18);
      dest[w++] = 0x80 | ((c >> 12) & 63);
      dest[w++] = 0x80 | ((c >> 6) & 63);
      dest[w++] = 0x80 | (c & 63);
    }
    r += units - 1;
  }
  return { read: r, written: w };
}

/** Collects UTF-16 code units and turns them into a string in chunks. */
class StringSink {
  parts: string[] = [];
  units: number[] = [];
  push(cp: number): void {
    if (cp > 0xffff) {
      cp -= 0x10000;
      this.units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      this.units.push(cp);
    }
    if (this.units.length >= 8192) this.flush();
  }
  flush(): void {
    if (this.units.length) this.parts.push(String.fromCharCode.apply(null, this.units));
    this.units = [];
  }
  result(): string {
    this.flush();
    return this.parts.join("");
  }
}

/** The Encoding Standard's UTF-8 decoder, resumable across `stream: true` calls. */
class Utf8State {
  needed = 0;
  seen = 0;
  cp = 0;
  lower = 0x80;
  upper = 0xbf;
  reset(): void {
    this.needed = this.seen = this.cp = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }
  /** Returns false on an error when `fatal` (the caller throws). */
  decode(bytes: Uint8Array, sink: StringSink, fatal: boolean, flush: boolean): boolean {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.needed === 0) {
        if (b <= 0x7f) sink.push(b);
        else if (b >= 0xc2 && b <= 0xdf) {
          this.needed = 1;
          this.cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) this.lower = 0xa0;
          if (b === 0xed) this.upper = 0x9f;
          this.needed = 2;
          this.cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) this.lower = 0x90;
          if (b === 0xf4) this.upper = 0x8f;
          this.needed = 3;
          this.cp = b & 0x7;
        } else {
          if (fatal) return false;
          sink.push(0xfffd);
        }
        continue;
      }
      if (b < this.lower || b > this.upper) {
        this.reset();
        if (fatal) return false;
        sink.push(0xfffd);
        i--; // the byte starts over
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.cp = (this.cp << 6) | (b & 0x3f);
      if (++this.seen === this.needed) {
        sink.push(this.cp);
        this.reset();
      }
    }
    if (flush && this.needed !== 0) {
      this.reset();
      if (fatal) return false;
      sink.push(0xfffd);
    }
    return true;
  }
}

export function utf8Decode(bytes: Uint8Array): string {
  const sink = new StringSink();
  new Utf8State().decode(bytes, sink, false, true);
  return sink.result();
}

export function isUtf8(bytes: Uint8Array): boolean {
  return new Utf8State().decode(bytes, new StringSink(), true, true);
}

function toBytes(input: unknown): Uint8Array {
  if (input === undefined) return new Uint8Array(0);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer || Object.prototype.toString.call(input) === "[object SharedArrayBuffer]") {
    return new Uint8Array(input as ArrayBuffer);
  }
  throw invalidArgType("input", "an instance of ArrayBuffer or ArrayBufferView", input);
}

export class TextEncoder {
  get encoding(): string {
    return "utf-8";
  }
  encode(input: unknown = ""): Uint8Array {
    return utf8Encode(`${input}`);
  }
  encodeInto(src: unknown, dest: unknown): { read: number; written: number } {
    if (!(dest instanceof Uint8Array)) throw invalidArgType("dest", "an instance of Uint8Array", dest);
    return encodeInto(`${src}`, dest);
  }
  [customInspect](): string {
    return "{ encoding: 'utf-8' }";
  }
}
Object.defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: "TextEncoder", configurable: true });

export class TextDecoder {
  readonly #encoding: string;
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  #utf8 = new Utf8State();
  #pending: number[] = [];
  #bomSeen = false;

  constructor(label: unknown = "utf-8", options: unknown = {}) {
    const key = `${label}`.trim().toLowerCase();
    const encoding = ENCODINGS.get(key);
    if (encoding === undefined) {
      throw nodeError("ERR_ENCODING_NOT_SUPPORTED", `The "${label}" encoding is not supported`, RangeError);
    }
    if (options !== undefined && options !== null && typeof options !== "object") {
      throw invalidArgType("options", "of type object", options);
    }
    const o = (options ?? {}) as { fatal?: unknown; ignoreBOM?: unknown };
    this.#encoding = encoding;
    this.#fatal = Boolean(o.fatal);
    this.#ignoreBOM = Boolean(o.ignoreBOM);
  }
  get encoding(): string {
    return this.#encoding;
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }

  decode(input?: unknown, options: unknown = {}): string {
    const bytes = toBytes(input);
    const stream = Boolean((options as { stream?: unknown } | null)?.stream);
    const sink = new StringSink();
    if (this.#encoding === "utf-8") {
      if (!this.#utf8.decode(bytes, sink, this.#fatal, !stream)) {
        this.#utf8.reset();
        throw nodeError("ERR_ENCODING_INVALID_ENCODED_DATA", "The encoded data was not valid for encoding utf-8", TypeError);
      }
    } else if (this.#encoding === "utf-16le") {
      this.#decodeUtf16(bytes, sink, stream);
    } else {
      for (let i = 0; i < bytes.length; i++) sink.push(bytes[i]!);
    }
    let out = sink.result();
    if (!this.#ignoreBOM && !this.#bomSeen && out.length > 0) {
      this.#bomSeen = true;
      if (this.#encoding !== "windows-1252" && out.charCodeAt(0) === 0xfeff) out = out.slice(1);
    }
    if (!stream) this.#bomSeen = false;
    return out;
  }

  #decodeUtf16(bytes: Uint8Array, sink: StringSink, stream: boolean): void {
    const all = this.#pending.length ? Uint8Array.from([...this.#pending, ...bytes]) : bytes;
    this.#pending = [];
    let i = 0;
    let lead = -1;
    for (; i + 1 < all.length; i += 2) {
      const unit = all[i]! | (all[i + 1]! << 8);
      if (lead !== -1) {
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          sink.push(0x10000 + ((lead - 0xd800) << 10) + (unit - 0xdc00));
          lead = -1;
          continue;
        }
        this.#utf16Error(sink);
        lead = -1;
      }
      if (unit >= 0xd800 && unit <= 0xdbff) lead = unit;
      else if (unit >= 0xdc00 && unit <= 0xdfff) this.#utf16Error(sink);
      else sink.push(unit);
    }
    if (stream) {
      if (lead !== -1) this.#pending.push(lead & 0xff, lead >> 8);
      for (; i < all.length; i++) this.#pending.push(all[i]!);
      return;
    }
    if (lead !== -1 || i < all.length) this.#utf16Error(sink);
  }

  #utf16Error(sink: StringSink): void {
    if (this.#fatal) throw nodeError("ERR_ENCODING_INVALID_ENCODED_DATA", "The encoded data was not valid for encoding utf-16le", TypeError);
    sink.push(0xfffd);
  }

  [customInspect](): string {
    return `TextDecoder { encoding: '${this.#encoding}', fatal: ${this.#fatal}, ignoreBOM: ${this.#ignoreBOM} }`;
  }
}
Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: "TextDecoder", configurable: true });
