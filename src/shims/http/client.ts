/**
 * Node's `http`/`https` client inside the sandbox: `ClientRequest` (a Writable) and
 * `IncomingMessage` (a Readable) over the host's request ops. The request starts on the
 * first write or on end(): headers then body chunks cross as ArrayBuffers
 * (`fetch.write`), and the response body is pulled chunk by chunk (`fetch.read`) as the
 * Readable is read, so backpressure reaches the server. Every request passes the
 * `network` permission (`op: "http"`) and the adapter's SSRF checks on the host.
 */
import { callOp, callOpAsync, toArrayBuffer } from "../_lib/host.js";
import { invalidArgType, nodeError } from "../_lib/errors.js";
import { requireBuiltin } from "../module/guest.js";

type AnyFn = (...args: any[]) => any;
interface StreamModule {
  Readable: new (o?: object) => any;
  Writable: new (o?: object) => any;
}
const stream = () => requireBuiltin("stream") as StreamModule;
const BufferCtor = () => (requireBuiltin("buffer") as { Buffer: { from(a: ArrayBuffer): Uint8Array; from(s: string, e?: string): Uint8Array; isBuffer(v: unknown): boolean } }).Buffer;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers Node keeps only the first of when repeated (lib/_http_incoming.js). */
const SINGLE = new Set(["age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host", "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards", "proxy-authorization", "referer", "retry-after", "server", "user-agent"]);

export const METHODS = ["ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK", "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS", "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE"];

export const STATUS_CODES: Record<number, string> = {
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints", 200: "OK", 201: "Created", 202: "Accepted",
  203: "Non-Authoritative Information", 204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
  208: "Already Reported", 226: "IM Used", 300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
  304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
  402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
  407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required",
  412: "Precondition Failed", 413: "Payload Too Large", 414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
  417: "Expectation Failed", 418: "I'm a Teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
  424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
  431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons", 500: "Internal Server Error", 501: "Not Implemented",
  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
  507: "Insufficient Storage", 508: "Loop Detected", 509: "Bandwidth Limit Exceeded", 510: "Not Extended", 511: "Network Authentication Required",
};

interface Head {
  status: number;
  statusText: string;
  url: string;
  rawHeaders: string[];
}

/** Node's `res.headers`: lowercase names; set-cookie an array; some headers keep their first value. */
export function headersObject(raw: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (name === "set-cookie") (out[name] = (prev as string[] | undefined) ?? []).push(value);
    else if (prev === undefined) out[name] = value;
    else if (!SINGLE.has(name)) out[name] = `${prev}, ${value}`;
  }
  return out;
}

/** Builds the IncomingMessage class on first use (the stream builtin loads then). */
let IncomingMessageClass: (new (head: Head, read: () => Promise<ArrayBuffer | null>, cancel: () => void) => any) | undefined;
export function incomingMessageClass() {
  if (IncomingMessageClass) return IncomingMessageClass;
  const { Readable } = stream();
  class IncomingMessage extends Readable {
    statusCode: number;
    statusMessage: string;
    headers: Record<string, string | string[]>;
    rawHeaders: string[];
    trailers: Record<string, string> = {};
    rawTrailers: string[] = [];
    httpVersion = "1.1";
    httpVersionMajor = 1;
    httpVersionMinor = 1;
    complete = false;
    aborted = false;
    url = "";
    method: string | null = null;
    socket: null = null;
    #read: () => Promise<ArrayBuffer | null>;
    #cancel: () => void;
    #reading = false;
    constructor(head: Head, read: () => Promise<ArrayBuffer | null>, cancel: () => void) {
      super();
      this.statusCode = head.status;
      this.statusMessage = head.statusText;
      this.rawHeaders = head.rawHeaders;
      this.headers = headersObject(head.rawHeaders);
      this.#read = read;
      this.#cancel = cancel;
    }
    get headersDistinct(): Record<string, string[]> {
      const out: Record<string, string[]> = {};
      for (let i = 0; i + 1 < this.rawHeaders.length; i += 2) (out[this.rawHeaders[i]!.toLowerCase()] ??= []).push(this.rawHeaders[i + 1]!);
      return out;
    }
    _read(): void {
      if (this.#reading) return;
      this.#reading = true;
      this.#read().then(
        (chunk) => {
          this.#reading = false;
          if (chunk === null) {
            this.complete = true;
            this.push(null);
          } else if (this.push(BufferCtor().from(chunk))) {
            this._read();
          }
        },
        (err) => {
          this.#reading = false;
          this.destroy(err);
        },
      );
    }
    _destroy(err: unknown, cb: (e?: unknown) => void): void {
      if (!this.complete) {
        this.aborted = true;
        this.emit("aborted");
        this.#cancel();
      }
      // As Node's IncomingMessage: an error is emitted only when someone listens for it.
      cb(this.listenerCount("error") > 0 ? err : undefined);
    }
    setTimeout(_ms: number, cb?: AnyFn): this {
      if (cb) this.once("timeout", cb);
      return this;
    }
  }
  IncomingMessageClass = IncomingMessage as never;
  return IncomingMessageClass!;
}

export interface RequestOptions {
  protocol?: string;
  host?: string;
  hostname?: string;
  port?: number | string;
  path?: string;
  method?: string;
  headers?: Record<string, unknown> | string[];
  auth?: string;
  timeout?: number;
  signal?: { aborted: boolean; reason?: unknown; addEventListener(t: string, f: AnyFn, o?: object): void };
  setHost?: boolean;
  [k: string]: unknown;
}

const URL_PARTS = /^(https?:)\/\/(?:([^@/?#]*)@)?(\[[^\]]+\]|[^:/?#]*)(?::(\d+))?([^#]*)/i;

/** Options from a URL string (parsed by the host's WHATWG parser) or a URL-like object. */
function urlToOptions(input: unknown): RequestOptions {
  const href = typeof input === "string" ? (callOp("fetch.parseUrl", input) as string | null) : String((input as { href: string }).href);
  if (href === null) throw nodeError("ERR_INVALID_URL", "Invalid URL");
  const m = URL_PARTS.exec(href);
  if (!m) {
    const proto = /^[a-z][a-z0-9+.-]*:/i.exec(href)?.[0] ?? href;
    throw nodeError("ERR_INVALID_PROTOCOL", `Protocol "${proto}" not supported. Expected "http:"`);
  }
  const o: RequestOptions = { protocol: m[1]!.toLowerCase(), hostname: m[3]!, path: m[5] || "/" };
  if (m[4]) o.port = Number(m[4]);
  if (m[2]) o.auth = decodeURIComponent(m[2]);
  return o;
}

function createClientRequestClass(defaultProtocol: "http:" | "https:") {
  const { Writable } = stream();
  class ClientRequest extends Writable {
    method: string;
    path: string;
    host: string;
    protocol: string;
    aborted = false;
    reusedSocket = false;
    maxHeadersCount: number | null = null;
    socket: null = null;
    res: unknown = null;
    #url: string;
    #headers = new Map<string, [string, string | string[]]>();
    #id: Promise<number> | undefined;
    #sent = false;
    #timer: unknown;
    #timeoutMs = 0;

    constructor(input: unknown, options?: unknown, cb?: AnyFn) {
      // Finishing the body must not destroy the request: the response is still to come.
      super({ decodeStrings: true, autoDestroy: false });
      let o: RequestOptions = {};
      if (typeof input === "string" || (input && typeof input === "object" && typeof (input as { href?: unknown }).href === "string")) {
        o = urlToOptions(input);
      } else if (input && typeof input === "object") {
        o = { ...(input as RequestOptions) };
      } else if (typeof input === "function") {
        cb = input as AnyFn;
      } else if (input !== undefined) {
        throw invalidArgType("options", "of type string or an instance of URL or Object", input);
      }
      if (typeof options === "function") cb = options as AnyFn;
      else if (options && typeof options === "object") o = { ...o, ...(options as RequestOptions) };
      const protocol = o.protocol ?? defaultProtocol;
      if (protocol !== defaultProtocol) {
        throw nodeError("ERR_INVALID_PROTOCOL", `Protocol "${protocol}" not supported. Expected "${defaultProtocol}"`);
      }
      const method = (o.method ?? "GET").toUpperCase();
      if (typeof method !== "string" || !TOKEN.test(method)) throw nodeError("ERR_INVALID_HTTP_TOKEN", `Method must be a valid HTTP token ["${String(o.method)}"]`);
      let hostname = o.hostname ?? (o.host ? String(o.host).replace(/:\d+$/, "") : "localhost");
      if (hostname.includes(":") && !hostname.startsWith("[")) hostname = `[${hostname}]`;
      const port = o.port !== undefined && o.port !== null && o.port !== "" ? Number(o.port) : protocol === "https:" ? 443 : 80;
      const path = o.path ?? "/";
      if (/[\u0000-\u0020]/.test(path)) throw nodeError("ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters");
      this.method = method;
      this.path = path;
      this.host = hostname.replace(/^\[|\]$/g, "");
      this.protocol = protocol;
      this.#url = `${protocol}//${hostname}:${port}${path.startsWith("/") ? path : "/" + path}`;
      const headers = o.headers;
      if (Array.isArray(headers)) {
        for (let i = 0; i + 1 < headers.length; i += 2) this.appendHeader(String(headers[i]), headers[i + 1] as string);
      } else if (headers && typeof headers === "object") {
        for (const [k, v] of Object.entries(headers)) if (v !== undefined) this.setHeader(k, v as string);
      }
      if (o.auth && !this.hasHeader("authorization")) {
        this.setHeader("Authorization", "Basic " + (BufferCtor().from(String(o.auth), "utf8") as unknown as { toString(e: string): string }).toString("base64"));
      }
      if (cb) this.once("response", cb);
      if (typeof o.timeout === "number") this.setTimeout(o.timeout);
      const signal = o.signal;
      if (signal) {
        const onAbort = () => this.destroy(Object.assign(new Error("The operation was aborted"), { name: "AbortError", code: "ABORT_ERR", cause: signal.reason }));
        if (signal.aborted) (globalThis as any).process.nextTick(onAbort);
        else signal.addEventListener("abort", onAbort, { once: true });
      }
    }

    setHeader(name: string, value: unknown): this {
      if (this.#sent) throw nodeError("ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client");
      if (typeof name !== "string" || !TOKEN.test(name)) throw nodeError("ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${String(name)}"]`);
      if (value === undefined) throw nodeError("ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "undefined" for header "${name}"`);
      const v = Array.isArray(value) ? value.map(String) : String(value);
      for (const item of Array.isArray(v) ? v : [v]) {
        if (/[\0\r\n]/.test(item)) throw nodeError("ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
      }
      this.#headers.set(name.toLowerCase(), [name, v]);
      return this;
    }
    appendHeader(name: string, value: unknown): this {
      const prev = this.#headers.get(name.toLowerCase());
      if (!prev) return this.setHeader(name, value);
      const list = ([] as string[]).concat(prev[1], Array.isArray(value) ? value.map(String) : String(value));
      return this.setHeader(prev[0], list);
    }
    getHeader(name: string): string | string[] | undefined {
      return this.#headers.get(String(name).toLowerCase())?.[1];
    }
    hasHeader(name: string): boolean {
      return this.#headers.has(String(name).toLowerCase());
    }
    removeHeader(name: string): void {
      if (this.#sent) throw nodeError("ERR_HTTP_HEADERS_SENT", "Cannot remove headers after they are sent to the client");
      this.#headers.delete(String(name).toLowerCase());
    }
    getHeaderNames(): string[] {
      return [...this.#headers.keys()];
    }
    getHeaders(): Record<string, string | string[]> {
      const out: Record<string, string | string[]> = Object.create(null);
      for (const [k, [, v]] of this.#headers) out[k] = v;
      return out;
    }
    getRawHeaderNames(): string[] {
      return [...this.#headers.values()].map(([n]) => n);
    }
    get headersSent(): boolean {
      return this.#sent;
    }
    flushHeaders(): void {
      this.#begin(true);
    }
    setTimeout(ms: number, cb?: AnyFn): this {
      if (cb) this.once("timeout", cb);
      this.#timeoutMs = ms;
      this.#armTimer();
      return this;
    }
    setNoDelay(): void {}
    setSocketKeepAlive(): void {}
    abort(): void {
      if (this.aborted) return;
      this.aborted = true;
      (globalThis as any).process.nextTick(() => this.emit("abort"));
      this.destroy();
    }

    #armTimer(): void {
      const g = globalThis as any;
      if (this.#timer) g.clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#timeoutMs > 0) this.#timer = g.setTimeout(() => this.emit("timeout"), this.#timeoutMs);
    }

    #pairs(): [string, string][] {
      const pairs: [string, string][] = [];
      for (const [, [name, v]] of this.#headers) for (const item of Array.isArray(v) ? v : [v]) pairs.push([name, item]);
      return pairs;
    }

    /** Starts the exchange: with the whole body (end() before any write) or streamed. */
    #begin(streaming: boolean, whole?: Uint8Array): Promise<number> {
      if (this.#id) return this.#id;
      this.#sent = true;
      const id = callOpAsync("http.start", this.#url, this.method, JSON.stringify(this.#pairs()), whole && whole.byteLength ? toArrayBuffer(whole) : undefined, streaming) as Promise<number>;
      this.#id = id;
      id.then(
        (n) => this.#awaitResponse(n),
        (err) => this.destroy(err),
      );
      return id;
    }

    #awaitResponse(id: number): void {
      (callOpAsync("fetch.response", id) as Promise<Head>).then(
        (head) => {
          if (this.destroyed) return;
          const IncomingMessage = incomingMessageClass();
          const res = new IncomingMessage(
            head,
            () => callOpAsync("fetch.read", id) as Promise<ArrayBuffer | null>,
            () => callOp("fetch.cancel", id),
          );
          res.req = this;
          this.res = res;
          const g = globalThis as any;
          res.once("end", () => {
            if (this.#timer) g.clearTimeout(this.#timer);
            this.emit("close");
          });
          if (this.#timer) g.clearTimeout(this.#timer);
          // With no 'response' listener, Node reads and discards the body.
          if (!this.emit("response", res)) res.resume();
        },
        (err) => this.destroy(err),
      );
    }

    _write(chunk: Uint8Array, _enc: string, cb: (e?: unknown) => void): void {
      this.#armTimer();
      this.#begin(true).then(
        (id) => (callOpAsync("fetch.write", id, toArrayBuffer(chunk)) as Promise<void>).then(() => cb(), cb),
        cb,
      );
    }

    _final(cb: (e?: unknown) => void): void {
      if (!this.#id) {
        this.#begin(false);
        cb();
        return;
      }
      this.#id.then((id) => {
        callOp("fetch.end", id);
        cb();
      }, cb);
    }

    _destroy(err: unknown, cb: (e?: unknown) => void): void {
      const g = globalThis as any;
      if (this.#timer) g.clearTimeout(this.#timer);
      this.#id?.then((id) => callOp("fetch.cancel", id), () => {});
      if (this.res && !(this.res as { complete: boolean }).complete) (this.res as { destroy(e?: unknown): void }).destroy(err ?? undefined);
      cb(err);
    }
  }
  return ClientRequest;
}

const classes = new Map<string, ReturnType<typeof createClientRequestClass>>();
export function clientRequestClass(protocol: "http:" | "https:") {
  let c = classes.get(protocol);
  if (!c) classes.set(protocol, (c = createClientRequestClass(protocol)));
  return c;
}

export function request(protocol: "http:" | "https:", input: unknown, options?: unknown, cb?: AnyFn): any {
  const ClientRequest = clientRequestClass(protocol);
  return new ClientRequest(input, options, cb);
}

export function get(protocol: "http:" | "https:", input: unknown, options?: unknown, cb?: AnyFn): any {
  const req = request(protocol, input, options, cb);
  req.end();
  return req;
}
