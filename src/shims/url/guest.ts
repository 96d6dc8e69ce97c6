/**
 * The `url` builtin: the WHATWG classes (from the url unit, shared with the globals) and
 * Node's legacy API — `url.parse`/`format`/`resolve`/`resolveObject` (Node's own
 * non-standard algorithm, behaviour for behaviour), plus the file URL and domain helpers.
 */
import { invalidArgType, nodeError } from "../_lib/errors.js";
import { URL, URLSearchParams, urlRecord } from "./whatwg.js";
import { lazy } from "../module/guest.js";
import { domainToASCII as toASCII, domainToUnicode as toUnicode, parseHost, serializeURL } from "./parser.js";

// querystring and path load only when parse(…, true)/format(query)/pathToFileURL need them.
type Qs = { parse(s: string): Record<string, unknown>; stringify(o: object): string };
const qsUnit = lazy<Qs>("node:querystring");
const pathUnit = lazy<{ resolve(p: string): string }>("node:path");

const SLASHED = new Set(["http", "http:", "https", "https:", "ftp", "ftp:", "gopher", "gopher:", "file", "file:", "ws", "ws:", "wss", "wss:"]);
const HOSTLESS = new Set(["javascript", "javascript:"]);
const UNSAFE = HOSTLESS;
const SIMPLE_PATH = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/;
const PROTOCOL = /^[a-z0-9.+-]+:/i;
const PORT = /:[0-9]*$/;
const HOST_END_OR_BAD = new Set("\t\n\r \"%';<>\\^`{|}");
const AUTO_ESCAPE: Record<string, string> = {
  "\t": "%09", "\n": "%0A", "\r": "%0D", " ": "%20", '"': "%22", "'": "%27", "<": "%3C", ">": "%3E",
  "\\": "%5C", "^": "%5E", "`": "%60", "{": "%7B", "|": "%7C", "}": "%7D",
};
const FORBIDDEN_HOST = /[\0\t\n\r #%/:<>?@[\\\]^|]/;
const FORBIDDEN_HOST_V6 = /[\0\t\n\r #%/<>?@\\^|]/;
const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;

type Query = string | Record<string, unknown> | null;

class Url {
  protocol: string | null = null;
  slashes: boolean | null = null;
  auth: string | null = null;
  host: string | null = null;
  port: string | null = null;
  hostname: string | null = null;
  hash: string | null = null;
  search: string | null = null;
  query: Query = null;
  pathname: string | null = null;
  path: string | null = null;
  href: string | null = null;

  parse(url: string, parseQueryString?: boolean, slashesDenoteHost?: boolean): this {
    if (typeof url !== "string") throw invalidArgType("url", "of type string", url);
    // Trim whitespace; before the query/hash, backslashes become slashes (as browsers do).
    let start = 0;
    let end = url.length;
    while (start < end && isWs(url.charCodeAt(start))) start++;
    while (end > start && isWs(url.charCodeAt(end - 1))) end--;
    let rest = "";
    let split = false;
    let hasHash = false;
    for (let i = start; i < end; i++) {
      const ch = url[i]!;
      if (!split) {
        if (ch === "#") hasHash = split = true;
        else if (ch === "?") split = true;
        rest += ch === "\\" ? "/" : ch;
      } else {
        if (ch === "#") hasHash = true;
        rest += ch;
      }
    }

    if (!slashesDenoteHost && !hasHash) {
      const simple = SIMPLE_PATH.exec(rest);
      if (simple) {
        this.path = rest;
        this.href = rest;
        this.pathname = simple[1]!;
        if (simple[2]) {
          this.search = simple[2];
          this.query = parseQueryString ? qsUnit().parse(this.search.slice(1)) : this.search.slice(1);
        } else if (parseQueryString) {
          this.search = null;
          this.query = Object.create(null);
        }
        return this;
      }
    }

    let lowerProto: string | undefined;
    const protoMatch = PROTOCOL.exec(rest);
    if (protoMatch) {
      lowerProto = protoMatch[0].toLowerCase();
      this.protocol = lowerProto;
      rest = rest.slice(protoMatch[0].length);
    }

    let slashes = false;
    if (slashesDenoteHost || protoMatch || /^\/\/[^@/]+@[^@/]+/.test(rest)) {
      slashes = rest.startsWith("//");
      if (slashes && !(lowerProto && HOSTLESS.has(lowerProto))) {
        rest = rest.slice(2);
        this.slashes = true;
      }
    }

    if (!(lowerProto && HOSTLESS.has(lowerProto)) && (slashes || (protoMatch && !SLASHED.has(protoMatch[0])))) {
      // The host ends at the first / ? #; an @ moves the start past the credentials.
      let hostEnd = -1;
      let atSign = -1;
      let nonHost = -1;
      for (let i = 0; i < rest.length; i++) {
        const ch = rest[i]!;
        if (HOST_END_OR_BAD.has(ch)) {
          if (nonHost === -1) nonHost = i;
        } else if (ch === "#" || ch === "/" || ch === "?") {
          if (nonHost === -1) nonHost = i;
          hostEnd = i;
        } else if (ch === "@") {
          atSign = i;
          nonHost = -1;
        }
        if (hostEnd !== -1) break;
      }
      let from = 0;
      if (atSign !== -1) {
        this.auth = decodeURIComponent(rest.slice(0, atSign));
        from = atSign + 1;
      }
      if (nonHost === -1) {
        this.host = rest.slice(from);
        rest = "";
      } else {
        this.host = rest.slice(from, nonHost);
        rest = rest.slice(nonHost);
      }
      this.parseHost();
      if (typeof this.hostname !== "string") this.hostname = "";
      const hostname: string = this.hostname;
      const ipv6 = hostname.startsWith("[") && hostname.endsWith("]");
      if (!ipv6) {
        for (let i = 0; i < hostname.length; i++) {
          const ch = hostname[i];
          if (ch === "/" || ch === "\\" || ch === "#" || ch === "?" || ch === ":") {
            this.hostname = hostname.slice(0, i);
            rest = `/${hostname.slice(i)}${rest}`;
            break;
          }
        }
      }
      this.hostname = this.hostname.length > 255 ? "" : this.hostname.toLowerCase();
      if (this.hostname !== "") {
        if (ipv6) {
          if (FORBIDDEN_HOST_V6.test(this.hostname)) throw nodeError("ERR_INVALID_URL", "Invalid URL", TypeError);
        } else {
          this.hostname = toASCII(this.hostname) ?? "";
          if (FORBIDDEN_HOST.test(this.hostname)) {
            const err = nodeError("ERR_INVALID_URL", "Invalid URL", TypeError) as Error & { input: string };
            err.input = url;
            throw err;
          }
        }
      }
      this.host = this.hostname + (this.port ? ":" + this.port : "");
      if (ipv6) {
        this.hostname = this.hostname.slice(1, -1);
        if (rest[0] !== "/") rest = "/" + rest;
      }
    }

    if (!(lowerProto && UNSAFE.has(lowerProto))) rest = rest.replace(/[\t\n\r "'<>\\^`{|}]/g, (c) => AUTO_ESCAPE[c]!);

    let questionIdx = -1;
    let hashIdx = -1;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "#") {
        this.hash = rest.slice(i);
        hashIdx = i;
        break;
      } else if (rest[i] === "?" && questionIdx === -1) questionIdx = i;
    }
    if (questionIdx !== -1) {
      const stop = hashIdx === -1 ? rest.length : hashIdx;
      this.search = rest.slice(questionIdx, stop);
      this.query = rest.slice(questionIdx + 1, stop);
      if (parseQueryString) this.query = qsUnit().parse(this.query);
    } else if (parseQueryString) {
      this.search = null;
      this.query = Object.create(null);
    }
    const first = questionIdx !== -1 && (hashIdx === -1 || questionIdx < hashIdx) ? questionIdx : hashIdx;
    if (first === -1) {
      if (rest.length > 0) this.pathname = rest;
    } else if (first > 0) this.pathname = rest.slice(0, first);
    if (lowerProto && SLASHED.has(lowerProto) && this.hostname && !this.pathname) this.pathname = "/";
    if (this.pathname || this.search) this.path = (this.pathname || "") + (this.search || "");
    this.href = this.format();
    return this;
  }

  parseHost(): void {
    let host = this.host!;
    const m = PORT.exec(host);
    if (m) {
      if (m[0] !== ":") this.port = m[0].slice(1);
      host = host.slice(0, host.length - m[0].length);
    }
    if (host) this.hostname = host;
  }

  format(): string {
    let auth = this.auth || "";
    if (auth) auth = encodeURIComponent(auth).replace(/%3A/gi, ":") + "@";
    let protocol = this.protocol || "";
    let pathname = this.pathname || "";
    let hash = this.hash || "";
    let host = "";
    let query = "";
    if (this.host) host = auth + this.host;
    else if (this.hostname) {
      const h = this.hostname;
      host = auth + (h.includes(":") && !(h.startsWith("[") && h.endsWith("]")) ? `[${h}]` : h);
      if (this.port) host += ":" + this.port;
    }
    if (this.query !== null && typeof this.query === "object") query = qsUnit().stringify(this.query as Record<string, string>);
    let search = this.search || (query && "?" + query) || "";
    if (protocol && !protocol.endsWith(":")) protocol += ":";
    pathname = pathname.replace(/[#?]/g, (c) => (c === "#" ? "%23" : "%3F"));
    if (this.slashes || SLASHED.has(protocol)) {
      if (this.slashes || host) {
        if (pathname && pathname[0] !== "/") pathname = "/" + pathname;
        host = "//" + host;
      } else if (protocol.length >= 4 && protocol.slice(0, 4).toLowerCase() === "file") host = "//";
    }
    search = search.replace(/#/g, "%23");
    if (hash && hash[0] !== "#") hash = "#" + hash;
    if (search && search[0] !== "?") search = "?" + search;
    return protocol + host + pathname + search + hash;
  }

  resolve(relative: string): string {
    return this.resolveObject(urlParse(relative, false, true)).format();
  }

  resolveObject(rel: string | Url): Url {
    const relative = typeof rel === "string" ? urlParse(rel, false, true) : rel;
    const result = new Url();
    Object.assign(result, this);
    result.hash = relative.hash;
    if (relative.href === "") {
      result.href = result.format();
      return result;
    }
    // `//host/path`: everything but the protocol comes from the relative URL.
    if (relative.slashes && !relative.protocol) {
      for (const k of Object.keys(relative)) if (k !== "protocol") (result as unknown as Record<string, unknown>)[k] = (relative as unknown as Record<string, unknown>)[k];
      if (result.protocol && SLASHED.has(result.protocol) && result.hostname && !result.pathname) result.path = result.pathname = "/";
      result.href = result.format();
      return result;
    }
    if (relative.protocol && relative.protocol !== result.protocol) {
      if (!SLASHED.has(relative.protocol)) {
        Object.assign(result, relative);
        result.href = result.format();
        return result;
      }
      result.protocol = relative.protocol;
      if (!relative.host && !/^file:?$/.test(relative.protocol) && !HOSTLESS.has(relative.protocol)) {
        const relPath = (relative.pathname || "").split("/");
        while (relPath.length && !(relative.host = relPath.shift()!));
        if (!relative.host) relative.host = "";
        if (!relative.hostname) relative.hostname = "";
        if (relPath[0] !== "") relPath.unshift("");
        if (relPath.length < 2) relPath.unshift("");
        result.pathname = relPath.join("/");
      } else result.pathname = relative.pathname;
      result.search = relative.search;
      result.query = relative.query;
      result.host = relative.host || "";
      result.auth = relative.auth;
      result.hostname = relative.hostname || relative.host;
      result.port = relative.port;
      if (result.pathname || result.search) result.path = (result.pathname || "") + (result.search || "");
      result.slashes = result.slashes || relative.slashes;
      result.href = result.format();
      return result;
    }

    const isSourceAbs = !!result.pathname && result.pathname[0] === "/";
    const isRelAbs = !!relative.host || (!!relative.pathname && relative.pathname[0] === "/");
    let mustEndAbs: boolean = isRelAbs || isSourceAbs || (!!result.host && !!relative.pathname);
    const removeAllDots = mustEndAbs;
    let srcPath: (string | undefined)[] = (result.pathname && result.pathname.split("/")) || [];
    const relPath: (string | undefined)[] = (relative.pathname && relative.pathname.split("/")) || [];
    const noLeadingSlashes = !!result.protocol && !SLASHED.has(result.protocol);

    // Non-slashed URLs (mailto:, …): `..` may climb into the host, so the host joins the path.
    if (noLeadingSlashes) {
      result.hostname = "";
      result.port = null;
      if (result.host) {
        if (srcPath[0] === "") srcPath[0] = result.host;
        else srcPath.unshift(result.host);
      }
      result.host = "";
      if (relative.protocol) {
        relative.hostname = null;
        relative.port = null;
        if (relative.host) {
          if (relPath[0] === "") relPath[0] = relative.host;
          else relPath.unshift(relative.host);
        }
        relative.host = null;
      }
      mustEndAbs = mustEndAbs && (relPath[0] === "" || srcPath[0] === "");
    }

    if (isRelAbs) {
      if (relative.host || relative.host === "") {
        if (result.host !== relative.host) result.auth = null;
        result.host = relative.host;
        result.port = relative.port;
      }
      if (relative.hostname || relative.hostname === "") {
        if (result.hostname !== relative.hostname) result.auth = null;
        result.hostname = relative.hostname;
      }
      result.search = relative.search;
      result.query = relative.query;
      srcPath = relPath;
    } else if (relPath.length) {
      srcPath.pop();
      srcPath = srcPath.concat(relPath);
      result.search = relative.search;
      result.query = relative.query;
    } else if (relative.search !== null && relative.search !== undefined) {
      if (noLeadingSlashes) {
        result.hostname = result.host = srcPath.shift() ?? null;
        splitAuthInHost(result);
      }
      result.search = relative.search;
      result.query = relative.query;
      if (result.pathname !== null || result.search !== null) result.path = (result.pathname ? result.pathname : "") + (result.search ? result.search : "");
      result.href = result.format();
      return result;
    }

    if (!srcPath.length) {
      result.pathname = null;
      result.path = result.search ? "/" + result.search : null;
      result.href = result.format();
      return result;
    }

    // A path ending in . or .. (or empty) keeps a trailing slash.
    let last = srcPath[srcPath.length - 1];
    const hasTrailingSlash = ((!!result.host || !!relative.host || srcPath.length > 1) && (last === "." || last === "..")) || last === "";
    let up = 0;
    for (let i = srcPath.length - 1; i >= 0; i--) {
      last = srcPath[i];
      if (last === ".") srcPath.splice(i, 1);
      else if (last === "..") {
        srcPath.splice(i, 1);
        up++;
      } else if (up) {
        srcPath.splice(i, 1);
        up--;
      }
    }
    if (!mustEndAbs && !removeAllDots) while (up--) srcPath.unshift("..");
    if (mustEndAbs && srcPath[0] !== "" && (!srcPath[0] || srcPath[0][0] !== "/")) srcPath.unshift("");
    if (hasTrailingSlash && srcPath.join("/").slice(-1) !== "/") srcPath.push("");
    const isAbsolute = srcPath[0] === "" || (!!srcPath[0] && srcPath[0][0] === "/");
    if (noLeadingSlashes) {
      result.hostname = result.host = isAbsolute ? "" : srcPath.length ? srcPath.shift() ?? null : "";
      splitAuthInHost(result);
    }
    mustEndAbs = mustEndAbs || (!!result.host && srcPath.length > 0);
    if (mustEndAbs && !isAbsolute) srcPath.unshift("");
    if (srcPath.length > 0) result.pathname = srcPath.join("/");
    else {
      result.pathname = null;
      result.path = null;
    }
    if (result.pathname !== null || result.search !== null) result.path = (result.pathname ? result.pathname : "") + (result.search ? result.search : "");
    result.auth = relative.auth || result.auth;
    result.slashes = result.slashes || relative.slashes;
    result.href = result.format();
    return result;
  }
}

/** `mailto:a@b` style: credentials can end up in the host while resolving. */
function splitAuthInHost(result: Url): void {
  const parts = result.host && result.host.indexOf("@") > 0 ? result.host.split("@") : null;
  if (parts) {
    result.auth = parts.shift()!;
    result.host = result.hostname = parts.shift()!;
  }
}

function urlParse(url: unknown, parseQueryString?: boolean, slashesDenoteHost?: boolean): Url {
  if (url instanceof Url) return url;
  const u = new Url();
  u.parse(url as string, parseQueryString, slashesDenoteHost);
  return u;
}

function urlFormat(obj: unknown, options?: { fragment?: boolean; unicode?: boolean; search?: boolean; auth?: boolean }): string {
  if (typeof obj === "string") return urlParse(obj).format();
  if (typeof obj !== "object" || obj === null) throw invalidArgType("urlObject", "one of type object or string", obj);
  if (obj instanceof URL) {
    if (options !== undefined && (typeof options !== "object" || options === null)) throw invalidArgType("options", "of type object", options);
    const r = { ...urlRecord(obj) };
    if (options?.auth === false) {
      r.username = "";
      r.password = "";
    }
    if (options?.fragment === false) r.fragment = null;
    if (options?.search === false) r.query = null;
    if (options?.unicode === true && r.host) r.host = toUnicode(r.host);
    return serializeURL(r);
  }
  return Url.prototype.format.call(obj as Url);
}

function urlResolve(source: string, relative: string): string {
  return urlParse(source, false, true).resolve(relative);
}

function urlResolveObject(source: unknown, relative: string | Url): Url | string {
  if (!source) return relative;
  return urlParse(source, false, true).resolveObject(relative);
}

function fileURLToPath(p: unknown): string {
  let u: URL;
  if (typeof p === "string") u = new URL(p);
  else if (p instanceof URL) u = p;
  else throw invalidArgType("path", "of type string or an instance of URL", p);
  if (u.protocol !== "file:") throw nodeError("ERR_INVALID_URL_SCHEME", "The URL must be of scheme file", TypeError);
  if (u.hostname !== "") throw nodeError("ERR_INVALID_FILE_URL_HOST", `File URL host must be "localhost" or empty on linux`, TypeError);
  const pathname = u.pathname;
  if (/%2f/i.test(pathname)) throw nodeError("ERR_INVALID_FILE_URL_PATH", "File URL path must not include encoded / characters", TypeError);
  return decodeURIComponent(pathname);
}

const PATH_ESCAPES: Record<string, string> = { "%": "%25", "\\": "%5C", "\n": "%0A", "\r": "%0D", "\t": "%09" };

function pathToFileURL(filepath: string): URL {
  if (typeof filepath !== "string") throw invalidArgType("path", "of type string", filepath);
  let resolved = pathUnit().resolve(filepath);
  if (filepath.endsWith("/") && !resolved.endsWith("/")) resolved += "/";
  const out = new URL("file://");
  out.pathname = resolved.replace(/[%\\\n\r\t]/g, (c: string) => PATH_ESCAPES[c]!);
  return out;
}

function domainToASCII(domain: unknown): string {
  if (arguments.length < 1) throw nodeError("ERR_MISSING_ARGS", 'The "domain" argument must be specified', TypeError);
  const host = parseHost(`${domain}`, false);
  return host ?? "";
}

function domainToUnicode(domain: unknown): string {
  if (arguments.length < 1) throw nodeError("ERR_MISSING_ARGS", 'The "domain" argument must be specified', TypeError);
  const host = parseHost(`${domain}`, false);
  return host === null ? "" : toUnicode(host);
}

function urlToHttpOptions(url: URL): Record<string, unknown> {
  const options: Record<string, unknown> = {
    __proto__: null,
    ...url,
    protocol: url.protocol,
    hostname: typeof url.hostname === "string" && url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ""}${url.search || ""}`,
    href: url.href,
  };
  if (url.port !== "") options.port = Number(url.port);
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}

export default {
  Url,
  parse: urlParse,
  resolve: urlResolve,
  resolveObject: urlResolveObject,
  format: urlFormat,
  URL,
  URLSearchParams,
  domainToASCII,
  domainToUnicode,
  pathToFileURL,
  fileURLToPath,
  urlToHttpOptions,
};
