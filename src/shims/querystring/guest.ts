/**
 * The `querystring` builtin, after Node's lib/querystring.js: `+` as space, lenient
 * percent-decoding (bad escapes stay as written), `maxKeys`, repeated keys as arrays,
 * null-prototype results, and Node's escape set.
 */
import { nodeError } from "../_lib/errors.js";

type Decode = (s: string) => string;
type Encode = (s: string) => string;

const HEX = "0123456789ABCDEF";
/** Characters Node's querystring.escape leaves as they are. */
const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;

function qsEscape(str: unknown): string {
  let s: string;
  if (typeof str !== "string") s = typeof str === "object" ? String(str) : `${str as string}`;
  else s = str;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch.charCodeAt(0) < 0x80 && UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw nodeError("ERR_INVALID_URI", "URI malformed", URIError as ErrorConstructor);
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    const bytes = c < 0x80 ? [c] : c < 0x800 ? [0xc0 | (c >> 6), 0x80 | (c & 63)]
      : c < 0x10000 ? [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)]
      : [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)];
    for (const b of bytes) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

const hexValue = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);

/** Percent-decodes into bytes, keeping malformed escapes literally (Node's unescapeBuffer). */
function unescapeBytes(s: string, decodeSpaces = false): Uint8Array {
  const text = new (globalThis as any).TextEncoder().encode(s) as Uint8Array;
  const out = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const b = text[i]!;
    if (b === 0x2b && decodeSpaces) out[n++] = 0x20;
    else if (b === 0x25 && i + 2 < text.length + 0 && hexValue(text[i + 1]!) >= 0 && hexValue(text[i + 2]!) >= 0) {
      out[n++] = hexValue(text[i + 1]!) * 16 + hexValue(text[i + 2]!);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

function unescapeBuffer(s: unknown, decodeSpaces?: boolean): unknown {
  const { Buffer } = globalThis as any;
  return Buffer.from(unescapeBytes(`${s as string}`, decodeSpaces));
}

function qsUnescape(s: string, decodeSpaces?: boolean): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return new (globalThis as any).TextDecoder().decode(unescapeBytes(s, decodeSpaces));
  }
}

function decodeStr(s: string, decoder: Decode): string {
  try {
    return decoder(s);
  } catch {
    return querystring.unescape(s, true);
  }
}

function parse(qs: unknown, sep?: unknown, eq?: unknown, options?: { maxKeys?: unknown; decodeURIComponent?: unknown }) {
  const obj: Record<string, string | string[]> = Object.create(null);
  if (typeof qs !== "string" || qs.length === 0) return obj;
  const sepStr = sep ? String(sep) : "&";
  const eqStr = eq ? String(eq) : "=";
  let maxKeys = 1000;
  if (options && typeof options.maxKeys === "number") maxKeys = options.maxKeys > 0 ? options.maxKeys : 0;
  const decode = (options && typeof options.decodeURIComponent === "function" ? options.decodeURIComponent : querystring.unescape) as Decode;
  let chunks = qs.split(sepStr);
  if (maxKeys > 0) chunks = chunks.slice(0, maxKeys);
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    const idx = chunk.indexOf(eqStr);
    const rawKey = idx >= 0 ? chunk.slice(0, idx) : chunk;
    const rawValue = idx >= 0 ? chunk.slice(idx + eqStr.length) : "";
    const key = decodeStr(rawKey.replace(/\+/g, "%20"), decode);
    const value = decodeStr(rawValue.replace(/\+/g, "%20"), decode);
    const cur = obj[key];
    if (cur === undefined) obj[key] = value;
    else if (Array.isArray(cur)) cur.push(value);
    else obj[key] = [cur, value];
  }
  return obj;
}

function stringifyPrimitive(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return `${v}`;
  if (typeof v === "bigint") return `${v}`;
  if (typeof v === "boolean") return v ? "true" : "false";
  return "";
}

function encodeStringified(v: unknown, encode: Encode): string {
  if (typeof v === "string") return v.length ? encode(v) : "";
  if (typeof v === "number" && Number.isFinite(v)) return Math.abs(v) < 1e21 ? `${v}` : encode(`${v}`);
  if (typeof v === "bigint") return `${v}`;
  if (typeof v === "boolean") return v ? "true" : "false";
  return "";
}

function stringify(obj: unknown, sep?: unknown, eq?: unknown, options?: { encodeURIComponent?: unknown }): string {
  const s = (sep as string) || "&";
  const e = (eq as string) || "=";
  const encode = (options && typeof options.encodeURIComponent === "function" ? options.encodeURIComponent : querystring.escape) as Encode;
  const convert = encode === qsEscape ? encodeStringified : (v: unknown, enc: Encode) => enc(stringifyPrimitive(v));
  if (obj === null || typeof obj !== "object") return "";
  let fields = "";
  for (const k of Object.keys(obj)) {
    const v = (obj as Record<string, unknown>)[k];
    const ks = convert(k, encode) + e;
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      if (fields) fields += s;
      for (let j = 0; j < v.length; ++j) {
        if (j) fields += s;
        fields += ks + convert(v[j], encode);
      }
    } else {
      if (fields) fields += s;
      fields += ks + convert(v, encode);
    }
  }
  return fields;
}

const querystring = {
  unescapeBuffer,
  unescape: qsUnescape as (s: string, decodeSpaces?: boolean) => string,
  escape: qsEscape,
  stringify,
  encode: stringify,
  parse,
  decode: parse,
};

export default querystring;
