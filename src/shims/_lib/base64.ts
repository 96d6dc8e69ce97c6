/**
 * The `atob`/`btoa` globals (also exported by `buffer`), written to Node 20's rules:
 * forgiving-base64 decoding with ASCII whitespace skipped, and a DOMException named
 * InvalidCharacterError for anything else. Kept apart from `buffer` so the globals do
 * not load the whole Buffer port.
 */
import { missingArgs } from "./validators.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const isWhitespace = (c: number) => c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
const invalid = (message = "Invalid character") => new DOMException(message, "InvalidCharacterError");

export function btoa(input: unknown): string {
  if (arguments.length === 0) throw missingArgs("input");
  const s = `${input}`;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) throw invalid();
  let out = "";
  let i = 0;
  for (; i + 2 < s.length; i += 3) {
    const n = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = s.length - i;
  if (rest === 1) {
    const n = s.charCodeAt(i) << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + "==";
  } else if (rest === 2) {
    const n = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + "=";
  }
  return out;
}

export function atob(input: unknown): string {
  if (arguments.length === 0) throw missingArgs("input");
  const s = `${input}`;
  let significant = 0;
  let equals = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isWhitespace(c)) continue;
    if (c === 0x3d) {
      significant++;
      equals++;
      if (equals > 2) throw invalid();
    } else if (c < 128 && DECODE[c]! >= 0) {
      significant++;
      if (equals) throw invalid(); // '=' only at the end
    } else {
      throw invalid();
    }
  }
  let remainder = significant % 4;
  if (!remainder) remainder = (significant - equals) % 4;
  else if (equals) throw invalid();
  if (remainder === 1) throw invalid("The string to be decoded is not correctly encoded.");
  let out = "";
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d) break;
    if (isWhitespace(c)) continue;
    acc = (acc << 6) | DECODE[c]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}
