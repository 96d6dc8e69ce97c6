/**
 * The WHATWG URL parser (https://url.spec.whatwg.org/#concept-basic-url-parser), written
 * from the spec's state machine: special schemes, host parsing (domains, IPv4 in
 * decimal/hex/octal parts, IPv6 with compression), the percent-encode sets, dot-segment
 * normalisation and opaque paths. Percent-encode sets follow Node 20 (Ada): `^` and `|`
 * stay literal in paths.
 *
 * Domain-to-ASCII is an approximation of UTS #46: labels are NFC-normalised and
 * lower-cased, full-width dots become ".", and non-ASCII labels are Punycode-encoded.
 * The full IDNA mapping table (and its validity checks) is not carried: it would cost
 * more parse time than the rest of the parser.
 */
import { utf8Decode, utf8Encode } from "../_lib/encoding.js";

export interface UrlRecord {
  scheme: string;
  username: string;
  password: string;
  /** Serialized host: a domain, "1.2.3.4", "[::1]", an opaque host, "" or null. */
  host: string | null;
  port: number | null;
  /** A list of segments, or a string for an opaque path. */
  path: string[] | string;
  query: string | null;
  fragment: string | null;
}

export const FAILURE = null;

export const enum State {
  SchemeStart, Scheme, NoScheme, SpecialRelativeOrAuthority, PathOrAuthority, Relative, RelativeSlash,
  SpecialAuthoritySlashes, SpecialAuthorityIgnoreSlashes, Authority, Host, Hostname, Port, File, FileSlash,
  FileHost, PathStart, Path, OpaquePath, Query, Fragment,
}

export const SPECIAL: Record<string, number | null> = { ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };
export const isSpecialScheme = (s: string) => Object.prototype.hasOwnProperty.call(SPECIAL, s);

// --- percent-encode sets (as predicates on a code point) ---
const c0 = (c: number) => c < 0x20 || c > 0x7e;
export const C0_SET = c0;
export const FRAGMENT_SET = (c: number) => c0(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
export const QUERY_SET = (c: number) => c0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
export const SPECIAL_QUERY_SET = (c: number) => QUERY_SET(c) || c === 0x27;
export const PATH_SET = (c: number) => QUERY_SET(c) || c === 0x3f || c === 0x60 || c === 0x7b || c === 0x7d;
export const USERINFO_SET = (c: number) =>
  PATH_SET(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 || (c >= 0x5b && c <= 0x5e) || c === 0x7c;
export const COMPONENT_SET = (c: number) => USERINFO_SET(c) || (c >= 0x24 && c <= 0x26) || c === 0x2b || c === 0x2c;
export const FORM_SET = (c: number) => COMPONENT_SET(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7e;

const HEX = "0123456789ABCDEF";
const pctByte = (b: number) => "%" + HEX[b >> 4] + HEX[b & 15];

/** UTF-8 percent-encodes one code point (a string of one code point) if the set says so. */
export function encodeCodePoint(cp: string, set: (c: number) => boolean): string {
  const c = cp.codePointAt(0)!;
  if (!set(c)) return cp;
  let out = "";
  for (const b of utf8Encode(cp)) out += pctByte(b);
  return out;
}

export function percentEncodeString(s: string, set: (c: number) => boolean, spaceAsPlus = false): string {
  let out = "";
  for (const b of utf8Encode(s)) {
    if (spaceAsPlus && b === 0x20) out += "+";
    else out += set(b) ? pctByte(b) : String.fromCharCode(b);
  }
  return out;
}

const hexVal = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);

/** Percent-decodes bytes (invalid escapes stay as they are). */
export function percentDecodeBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length && hexVal(bytes[i + 1]!) >= 0 && hexVal(bytes[i + 2]!) >= 0) {
      out[n++] = hexVal(bytes[i + 1]!) * 16 + hexVal(bytes[i + 2]!);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

export const percentDecodeString = (s: string) => utf8Decode(percentDecodeBytes(utf8Encode(s)));

// --- character classes ---
const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

const isWindowsDriveLetter = (s: string) => s.length === 2 && isAlpha(s[0]) && (s[1] === ":" || s[1] === "|");
const isNormalizedWindowsDriveLetter = (s: string) => s.length === 2 && isAlpha(s[0]) && s[1] === ":";
function startsWithWindowsDriveLetter(cps: string[], p: number): boolean {
  if (cps.length - p < 2 || !isAlpha(cps[p]) || (cps[p + 1] !== ":" && cps[p + 1] !== "|")) return false;
  if (cps.length - p === 2) return true;
  const c = cps[p + 2];
  return c === "/" || c === "\\" || c === "?" || c === "#";
}
const isSingleDot = (s: string) => s === "." || s.toLowerCase() === "%2e";
const isDoubleDot = (s: string) => {
  const l = s.toLowerCase();
  return l === ".." || l === ".%2e" || l === "%2e." || l === "%2e%2e";
};

// --- hosts ---
const FORBIDDEN_HOST = /[\u0000\t\n\r #/:<>?@[\\\]^|]/;
const FORBIDDEN_DOMAIN = /[\u0000-\u001f #%/:<>?@[\\\]^|\u007f]/;

function parseIPv4Number(s: string): number | null {
  if (s === "") return null;
  let radix = 10;
  if (s.length >= 2 && (s[1] === "x" || s[1] === "X") && s[0] === "0") {
    s = s.slice(2);
    radix = 16;
  } else if (s.length >= 2 && s[0] === "0") {
    s = s.slice(1);
    radix = 8;
  }
  if (s === "") return 0;
  const ok = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9A-Fa-f]+$/ : /^[0-7]+$/;
  return ok.test(s) ? parseInt(s, radix) : null;
}

function endsInANumber(input: string): boolean {
  const parts = input.split(".");
  if (parts[parts.length - 1] === "") {
    if (parts.length === 1) return false;
    parts.pop();
  }
  const last = parts[parts.length - 1]!;
  if (last !== "" && /^[0-9]+$/.test(last)) return true;
  return parseIPv4Number(last) !== null;
}

function parseIPv4(input: string): number | null {
  const parts = input.split(".");
  if (parts[parts.length - 1] === "" && parts.length > 1) parts.pop();
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  for (let i = 0; i < numbers.length - 1; i++) if (numbers[i]! > 255) return null;
  const last = numbers[numbers.length - 1]!;
  if (last >= 256 ** (5 - numbers.length)) return null;
  let ipv4 = last;
  for (let i = 0; i < numbers.length - 1; i++) ipv4 += numbers[i]! * 256 ** (3 - i);
  return ipv4;
}

const serializeIPv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

function parseIPv6(input: string): number[] | null {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress: number | null = null;
  let p = 0;
  const cps = Array.from(input);
  if (cps[p] === ":") {
    if (cps[p + 1] !== ":") return null;
    p += 2;
    compress = ++pieceIndex;
  }
  while (cps[p] !== undefined) {
    if (pieceIndex === 8) return null;
    if (cps[p] === ":") {
      if (compress !== null) return null;
      p++;
      compress = ++pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && isHexDigit(cps[p])) {
      value = value * 16 + parseInt(cps[p]!, 16);
      p++;
      length++;
    }
    if (cps[p] === ".") {
      if (length === 0) return null;
      p -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (cps[p] !== undefined) {
        let piece: number | null = null;
        if (numbersSeen > 0) {
          if (cps[p] === "." && numbersSeen < 4) p++;
          else return null;
        }
        if (!isDigit(cps[p])) return null;
        while (isDigit(cps[p])) {
          const n = Number(cps[p]);
          if (piece === null) piece = n;
          else if (piece === 0) return null;
          else piece = piece * 10 + n;
          if (piece > 255) return null;
          p++;
        }
        address[pieceIndex] = address[pieceIndex]! * 0x100 + piece!;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (cps[p] === ":") {
      p++;
      if (cps[p] === undefined) return null;
    } else if (cps[p] !== undefined) return null;
    address[pieceIndex++] = value;
  }
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const t = address[compress + swaps - 1]!;
      address[compress + swaps - 1] = address[pieceIndex]!;
      address[pieceIndex] = t;
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) return null;
  return address;
}

function serializeIPv6(a: number[]): string {
  // The first longest run of two or more zero pieces is compressed to "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (a[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && a[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += i === 0 ? "::" : ":";
      i += bestLen - 1;
      continue;
    }
    out += a[i]!.toString(16);
    if (i < 7) out += ":";
  }
  return out;
}

// --- domain to ASCII (see the module note) ---
const BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700;
function adapt(delta: number, numPoints: number, first: boolean): number {
  delta = first ? Math.floor(delta / DAMP) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((BASE - TMIN) * TMAX) >> 1) {
    delta = Math.floor(delta / (BASE - TMIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - TMIN + 1) * delta) / (delta + SKEW));
}
const digit = (d: number) => String.fromCharCode(d < 26 ? d + 97 : d + 22);

/** RFC 3492 Punycode encoding of one label. */
export function punycodeEncode(label: string): string {
  const cps = Array.from(label, (c) => c.codePointAt(0)!);
  let out = cps.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join("");
  const basic = out.length;
  let h = basic;
  if (basic > 0) out += "-";
  let n = 0x80, delta = 0, bias = 72;
  while (h < cps.length) {
    const m = Math.min(...cps.filter((c) => c >= n));
    delta += (m - n) * (h + 1);
    n = m;
    for (const c of cps) {
      if (c < n) delta++;
      if (c === n) {
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
          if (q < t) break;
          out += digit(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        out += digit(q);
        bias = adapt(delta, h + 1, h === basic);
        delta = 0;
        h++;
      }
    }
    delta++;
    n++;
  }
  return out;
}

/** RFC 3492 Punycode decoding of one label (null when malformed). */
export function punycodeDecode(input: string): string | null {
  const cps: number[] = [];
  const b = input.lastIndexOf("-");
  for (let i = 0; i < Math.max(b, 0); i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x80) return null;
    cps.push(c);
  }
  let n = 0x80, i = 0, bias = 72;
  for (let idx = b > 0 ? b + 1 : 0; idx < input.length; ) {
    const oldi = i;
    for (let w = 1, k = BASE; ; k += BASE) {
      if (idx >= input.length) return null;
      const c = input.charCodeAt(idx++);
      const d = c - 48 < 10 ? c - 22 : c - 65 < 26 ? c - 65 : c - 97 < 26 ? c - 97 : BASE;
      if (d >= BASE) return null;
      i += d * w;
      const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
      if (d < t) break;
      w *= BASE - t;
    }
    bias = adapt(i - oldi, cps.length + 1, oldi === 0);
    n += Math.floor(i / (cps.length + 1));
    i %= cps.length + 1;
    if (n > 0x10ffff) return null;
    cps.splice(i++, 0, n);
  }
  return String.fromCodePoint(...cps);
}

const ASCII = /^[\x00-\x7f]*$/;
export function domainToASCII(domain: string): string | null {
  const mapped = ASCII.test(domain)
    ? domain.toLowerCase()
    : domain.normalize("NFC").toLowerCase().replace(/[\u3002\uff0e\uff61]/g, ".").replace(/[\u00ad\u200b\ufeff]/g, "");
  const labels: string[] = [];
  for (const l of mapped.split(".")) {
    // An "xn--" label must already be valid Punycode of a non-ASCII label.
    if (l.startsWith("xn--") && (!ASCII.test(l) || punycodeDecode(l.slice(4)) === null)) return null;
    labels.push(ASCII.test(l) ? l : "xn--" + punycodeEncode(l));
  }
  return labels.join(".");
}

export function domainToUnicode(domain: string): string {
  return domain
    .toLowerCase()
    .split(".")
    .map((l) => (l.startsWith("xn--") ? punycodeDecode(l.slice(4)) ?? l : l))
    .join(".");
}

export function parseHost(input: string, isOpaque: boolean): string | null {
  if (input.startsWith("[")) {
    if (!input.endsWith("]")) return null;
    const a = parseIPv6(input.slice(1, -1));
    return a === null ? null : `[${serializeIPv6(a)}]`;
  }
  if (isOpaque) {
    if (FORBIDDEN_HOST.test(input)) return null;
    let out = "";
    for (const cp of input) out += encodeCodePoint(cp, C0_SET);
    return out;
  }
  const domain = percentDecodeString(input);
  const ascii = domainToASCII(domain);
  if (ascii === null || ascii === "" || FORBIDDEN_DOMAIN.test(ascii)) return null;
  if (endsInANumber(ascii)) {
    const v4 = parseIPv4(ascii);
    return v4 === null ? null : serializeIPv4(v4);
  }
  return ascii;
}

// --- the state machine ---
const hasCredentials = (u: UrlRecord) => u.username !== "" || u.password !== "";

function shortenPath(url: UrlRecord): void {
  const path = url.path as string[];
  if (url.scheme === "file" && path.length === 1 && isNormalizedWindowsDriveLetter(path[0]!)) return;
  path.pop();
}

export function newRecord(): UrlRecord {
  return { scheme: "", username: "", password: "", host: null, port: null, path: [], query: null, fragment: null };
}

/**
 * The basic URL parser. Returns the record, or null on failure. With a state override
 * (the setters), `url` is changed in place and the return value only says success.
 */
export function basicParse(input: string, base: UrlRecord | null, url?: UrlRecord, override?: State): UrlRecord | null {
  if (!url) {
    url = newRecord();
    input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
  }
  input = input.replace(/[\t\n\r]/g, "");
  let state = override ?? State.SchemeStart;
  let buffer = "";
  let atSignSeen = false;
  let insideBrackets = false;
  let passwordTokenSeen = false;
  const cps = Array.from(input);
  let p = 0;
  for (;;) {
    const c = cps[p];
    const special = isSpecialScheme(url.scheme);
    switch (state) {
      case State.SchemeStart:
        if (isAlpha(c)) {
          buffer += c!.toLowerCase();
          state = State.Scheme;
        } else if (override === undefined) {
          state = State.NoScheme;
          p--;
        } else return null;
        break;
      case State.Scheme:
        if (c !== undefined && /^[A-Za-z0-9+\-.]$/.test(c)) buffer += c.toLowerCase();
        else if (c === ":") {
          if (override !== undefined) {
            if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return url;
            if ((hasCredentials(url) || url.port !== null) && buffer === "file") return url;
            if (url.scheme === "file" && url.host === "") return url;
          }
          url.scheme = buffer;
          if (override !== undefined) {
            if (url.port === SPECIAL[url.scheme]) url.port = null;
            return url;
          }
          buffer = "";
          if (url.scheme === "file") state = State.File;
          else if (isSpecialScheme(url.scheme) && base && base.scheme === url.scheme) state = State.SpecialRelativeOrAuthority;
          else if (isSpecialScheme(url.scheme)) state = State.SpecialAuthoritySlashes;
          else if (cps[p + 1] === "/") {
            state = State.PathOrAuthority;
            p++;
          } else {
            url.path = "";
            state = State.OpaquePath;
          }
        } else if (override === undefined) {
          buffer = "";
          state = State.NoScheme;
          p = -1;
        } else return null;
        break;
      case State.NoScheme:
        if (!base || (typeof base.path === "string" && c !== "#")) return null;
        if (typeof base.path === "string" && c === "#") {
          url.scheme = base.scheme;
          url.path = base.path;
          url.query = base.query;
          url.fragment = "";
          state = State.Fragment;
        } else {
          state = base.scheme !== "file" ? State.Relative : State.File;
          p--;
        }
        break;
      case State.SpecialRelativeOrAuthority:
        if (c === "/" && cps[p + 1] === "/") {
          state = State.SpecialAuthorityIgnoreSlashes;
          p++;
        } else {
          state = State.Relative;
          p--;
        }
        break;
      case State.PathOrAuthority:
        if (c === "/") state = State.Authority;
        else {
          state = State.Path;
          p--;
        }
        break;
      case State.Relative:
        url.scheme = base!.scheme;
        if (c === "/" || (isSpecialScheme(url.scheme) && c === "\\")) state = State.RelativeSlash;
        else {
          url.username = base!.username;
          url.password = base!.password;
          url.host = base!.host;
          url.port = base!.port;
          url.path = (base!.path as string[]).slice();
          url.query = base!.query;
          if (c === "?") {
            url.query = "";
            state = State.Query;
          } else if (c === "#") {
            url.fragment = "";
            state = State.Fragment;
          } else if (c !== undefined) {
            url.query = null;
            shortenPath(url);
            state = State.Path;
            p--;
          }
        }
        break;
      case State.RelativeSlash:
        if (special && (c === "/" || c === "\\")) state = State.SpecialAuthorityIgnoreSlashes;
        else if (c === "/") state = State.Authority;
        else {
          url.username = base!.username;
          url.password = base!.password;
          url.host = base!.host;
          url.port = base!.port;
          state = State.Path;
          p--;
        }
        break;
      case State.SpecialAuthoritySlashes:
        state = State.SpecialAuthorityIgnoreSlashes;
        if (c === "/" && cps[p + 1] === "/") p++;
        else p--;
        break;
      case State.SpecialAuthorityIgnoreSlashes:
        if (c !== "/" && c !== "\\") {
          state = State.Authority;
          p--;
        }
        break;
      case State.Authority:
        if (c === "@") {
          if (atSignSeen) buffer = "%40" + buffer;
          atSignSeen = true;
          for (const cp of buffer) {
            if (cp === ":" && !passwordTokenSeen) {
              passwordTokenSeen = true;
              continue;
            }
            const enc = encodeCodePoint(cp, USERINFO_SET);
            if (passwordTokenSeen) url.password += enc;
            else url.username += enc;
          }
          buffer = "";
        } else if (c === undefined || c === "/" || c === "?" || c === "#" || (special && c === "\\")) {
          if (atSignSeen && buffer === "") return null;
          p -= Array.from(buffer).length + 1;
          buffer = "";
          state = State.Host;
        } else buffer += c;
        break;
      case State.Host:
      case State.Hostname:
        if (override !== undefined && url.scheme === "file") {
          p--;
          state = State.FileHost;
        } else if (c === ":" && !insideBrackets) {
          if (buffer === "") return null;
          if (override === State.Hostname) return null;
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = "";
          state = State.Port;
        } else if (c === undefined || c === "/" || c === "?" || c === "#" || (special && c === "\\")) {
          p--;
          if (special && buffer === "") return null;
          if (override !== undefined && buffer === "" && (hasCredentials(url) || url.port !== null)) return null;
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = "";
          state = State.PathStart;
          if (override !== undefined) return url;
        } else {
          if (c === "[") insideBrackets = true;
          if (c === "]") insideBrackets = false;
          buffer += c;
        }
        break;
      case State.Port:
        if (isDigit(c)) buffer += c;
        else if (c === undefined || c === "/" || c === "?" || c === "#" || (special && c === "\\") || override !== undefined) {
          if (buffer !== "") {
            const port = Number(buffer);
            if (port > 65535) return null;
            url.port = SPECIAL[url.scheme] === port ? null : port;
            buffer = "";
            if (override !== undefined) return url;
          }
          if (override !== undefined) return null;
          state = State.PathStart;
          p--;
        } else return null;
        break;
      case State.File:
        url.scheme = "file";
        url.host = "";
        if (c === "/" || c === "\\") state = State.FileSlash;
        else if (base && base.scheme === "file") {
          url.host = base.host;
          url.path = (base.path as string[]).slice();
          url.query = base.query;
          if (c === "?") {
            url.query = "";
            state = State.Query;
          } else if (c === "#") {
            url.fragment = "";
            state = State.Fragment;
          } else if (c !== undefined) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(cps, p)) shortenPath(url);
            else url.path = [];
            state = State.Path;
            p--;
          }
        } else {
          state = State.Path;
          p--;
        }
        break;
      case State.FileSlash:
        if (c === "/" || c === "\\") state = State.FileHost;
        else {
          if (base && base.scheme === "file") {
            url.host = base.host;
            const bp = base.path as string[];
            if (!startsWithWindowsDriveLetter(cps, p) && bp.length > 0 && isNormalizedWindowsDriveLetter(bp[0]!)) (url.path as string[]).push(bp[0]!);
          }
          state = State.Path;
          p--;
        }
        break;
      case State.FileHost:
        if (c === undefined || c === "/" || c === "\\" || c === "?" || c === "#") {
          p--;
          if (override === undefined && isWindowsDriveLetter(buffer)) state = State.Path;
          else if (buffer === "") {
            url.host = "";
            if (override !== undefined) return url;
            state = State.PathStart;
          } else {
            let host = parseHost(buffer, !special);
            if (host === null) return null;
            if (host === "localhost") host = "";
            url.host = host;
            if (override !== undefined) return url;
            buffer = "";
            state = State.PathStart;
          }
        } else buffer += c;
        break;
      case State.PathStart:
        if (special) {
          state = State.Path;
          if (c !== "/" && c !== "\\") p--;
        } else if (override === undefined && c === "?") {
          url.query = "";
          state = State.Query;
        } else if (override === undefined && c === "#") {
          url.fragment = "";
          state = State.Fragment;
        } else if (c !== undefined) {
          state = State.Path;
          if (c !== "/") p--;
        } else if (override !== undefined && url.host === null) (url.path as string[]).push("");
        break;
      case State.Path: {
        const slash = c === "/" || (special && c === "\\");
        if (c === undefined || slash || (override === undefined && (c === "?" || c === "#"))) {
          const path = url.path as string[];
          if (isDoubleDot(buffer)) {
            shortenPath(url);
            if (!slash) path.push("");
          } else if (isSingleDot(buffer) && !slash) path.push("");
          else if (!isSingleDot(buffer)) {
            if (url.scheme === "file" && path.length === 0 && isWindowsDriveLetter(buffer)) buffer = buffer[0] + ":";
            path.push(buffer);
          }
          buffer = "";
          if (c === "?") {
            url.query = "";
            state = State.Query;
          }
          if (c === "#") {
            url.fragment = "";
            state = State.Fragment;
          }
        } else buffer += encodeCodePoint(c, PATH_SET);
        break;
      }
      case State.OpaquePath:
        if (c === "?") {
          url.query = "";
          state = State.Query;
        } else if (c === "#") {
          url.fragment = "";
          state = State.Fragment;
        } else if (c !== undefined) url.path += encodeCodePoint(c, C0_SET);
        break;
      case State.Query:
        if ((override === undefined && c === "#") || c === undefined) {
          url.query += percentEncodeString(buffer.toWellFormed(), special ? SPECIAL_QUERY_SET : QUERY_SET);
          buffer = "";
          if (c === "#") {
            url.fragment = "";
            state = State.Fragment;
          }
        } else buffer += c;
        break;
      case State.Fragment:
        if (c !== undefined) url.fragment += encodeCodePoint(c, FRAGMENT_SET);
        break;
    }
    if (p >= cps.length) break;
    p++;
  }
  return url;
}

export function serializePath(url: UrlRecord): string {
  if (typeof url.path === "string") return url.path;
  let out = "";
  for (const seg of url.path) out += "/" + seg;
  return out;
}

export function serializeURL(url: UrlRecord, excludeFragment = false): string {
  let out = url.scheme + ":";
  if (url.host !== null) {
    out += "//";
    if (hasCredentials(url)) {
      out += url.username;
      if (url.password !== "") out += ":" + url.password;
      out += "@";
    }
    out += url.host;
    if (url.port !== null) out += ":" + url.port;
  } else if (typeof url.path !== "string" && url.path.length > 1 && url.path[0] === "") out += "/.";
  out += serializePath(url);
  if (url.query !== null) out += "?" + url.query;
  if (!excludeFragment && url.fragment !== null) out += "#" + url.fragment;
  return out;
}

export function serializeOrigin(url: UrlRecord): string {
  if (url.scheme === "blob") {
    const inner = basicParse(serializePath(url), null);
    return inner && (inner.scheme === "http" || inner.scheme === "https") ? serializeOrigin(inner) : "null";
  }
  if (url.scheme === "file" || !isSpecialScheme(url.scheme)) return "null";
  return `${url.scheme}://${url.host}${url.port === null ? "" : ":" + url.port}`;
}

/** application/x-www-form-urlencoded parsing. */
export function parseFormUrlencoded(input: string): [string, string][] {
  const out: [string, string][] = [];
  for (const seq of input.split("&")) {
    if (seq === "") continue;
    const eq = seq.indexOf("=");
    const name = eq === -1 ? seq : seq.slice(0, eq);
    const value = eq === -1 ? "" : seq.slice(eq + 1);
    out.push([percentDecodeString(name.replace(/\+/g, " ")), percentDecodeString(value.replace(/\+/g, " "))]);
  }
  return out;
}

export function serializeFormUrlencoded(list: [string, string][]): string {
  return list.map(([n, v]) => `${percentEncodeString(n, FORM_SET, true)}=${percentEncodeString(v, FORM_SET, true)}`).join("&");
}
