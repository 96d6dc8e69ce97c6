/**
 * Node's `http.Server` and `http.ServerResponse` inside the sandbox, serving real requests
 * that reach the host's loopback. `listen` asks the host to bind (op `http.listen`,
 * behind the `network` permission with `op: "listen"`); the server then pulls requests one
 * at a time (`http.accept`), each arriving as an `IncomingMessage` whose body is pulled
 * as it is read (`http.readBody`), and answers through a `ServerResponse` (a Writable:
 * head, then body chunks, then end). While a server listens its pending accept keeps the
 * exec alive, as a listening socket keeps Node running; `server.close()` ends that.
 */
import { callOp, callOpAsync, toArrayBuffer } from "../_lib/host.js";
import { invalidArgType, nodeError, notSupported } from "../_lib/errors.js";
import { incomingMessageClass, STATUS_CODES } from "./client.js";
import { requireBuiltin } from "../module/guest.js";

type AnyFn = (...args: any[]) => any;
type Ctor = new (...args: any[]) => any;
interface BufferStatic {
  byteLength(s: string, e?: string): number;
}

const stream = () => requireBuiltin("stream") as { Writable: Ctor };
const events = () => requireBuiltin("events") as { EventEmitter: Ctor };
const BufferCtor = () => (requireBuiltin("buffer") as { Buffer: BufferStatic }).Buffer;
const nextTick = (fn: AnyFn, ...args: unknown[]) => (globalThis as any).process.nextTick(fn, ...args);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

interface AcceptedHead {
  type: "request";
  id: number;
  method: string;
  url: string;
  rawHeaders: string[];
  httpVersion: string;
  remoteAddress: string;
  remotePort: number;
}

/** A client left before its response ended. */
interface Gone {
  type: "gone";
  id: number;
}

interface Bound {
  id: number;
  address: string;
  port: number;
  family: "IPv4" | "IPv6";
}

function validateHeaderName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !TOKEN.test(name)) throw nodeError("ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${String(name)}"]`);
}

function headerValue(name: string, value: unknown): string | string[] {
  if (value === undefined) throw nodeError("ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "undefined" for header "${name}"`);
  const v = Array.isArray(value) ? value.map(String) : String(value);
  for (const item of Array.isArray(v) ? v : [v]) {
    if (BAD_VALUE.test(item)) throw nodeError("ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
  }
  return v;
}

// ---------------------------------------------------------------------------
// The socket a request arrived on, as far as the guest can know it
// ---------------------------------------------------------------------------

let SocketInfoClass: Ctor | undefined;
/**
 * What `req.socket` tells about the connection: the client's and the server's addresses.
 * It is not a `net.Socket` (the sandbox has no raw sockets): it carries no data, and
 * `destroy()` drops the request's connection.
 */
function socketInfoClass(): Ctor {
  if (SocketInfoClass) return SocketInfoClass;
  const { EventEmitter } = events();
  class Socket extends EventEmitter {
    remoteAddress: string;
    remotePort: number;
    remoteFamily: string;
    localAddress: string;
    localPort: number;
    encrypted = false;
    destroyed = false;
    // Read by on-finished (Express) to tell a live connection from a closed one.
    readable = true;
    writable = true;
    #requestId: number;
    constructor(head: AcceptedHead, local: Bound) {
      super();
      this.remoteAddress = head.remoteAddress;
      this.remotePort = head.remotePort;
      this.remoteFamily = head.remoteAddress.includes(":") ? "IPv6" : "IPv4";
      this.localAddress = local.address;
      this.localPort = local.port;
      this.#requestId = head.id;
    }
    address(): { address: string; family: string; port: number } {
      return { address: this.localAddress, family: this.localAddress.includes(":") ? "IPv6" : "IPv4", port: this.localPort };
    }
    destroy(): this {
      if (this.destroyed) return this;
      this.destroyed = true;
      this.readable = this.writable = false;
      callOp("http.destroy", this.#requestId);
      nextTick(() => this.emit("close", false));
      return this;
    }
    // Connection tuning belongs to the host's server; accepted for compatibility.
    setTimeout(_ms: number, cb?: AnyFn): this {
      if (cb) this.once("timeout", cb);
      return this;
    }
    setNoDelay(): this {
      return this;
    }
    setKeepAlive(): this {
      return this;
    }
  }
  return (SocketInfoClass = Socket);
}

// ---------------------------------------------------------------------------
// ServerResponse
// ---------------------------------------------------------------------------

let ServerResponseClass: Ctor | undefined;
export function serverResponseClass(): Ctor {
  if (ServerResponseClass) return ServerResponseClass;
  const { Writable } = stream();
  class ServerResponse extends Writable {
    statusCode = 200;
    statusMessage: string | undefined = undefined;
    sendDate = true;
    chunkedEncoding = false;
    useChunkedEncodingByDefault = true;
    shouldKeepAlive = true;
    strictContentLength = false;
    req: any;
    socket: any;
    #id: number;
    #headers = new Map<string, [string, string | string[]]>();
    #headSent = false;
    #wrote = false;
    /** The client is gone: further body bytes are dropped, as Node drops writes to a closed socket. */
    #gone = false;

    constructor(req: any) {
      // The response head and each chunk go to the host in order; end() only after all.
      super({ decodeStrings: true });
      this.req = req;
      this.socket = req?.socket ?? null;
      this.#id = req?.[kRequestId] ?? 0;
    }

    get connection(): any {
      return this.socket;
    }
    get headersSent(): boolean {
      return this.#headSent;
    }
    get finished(): boolean {
      return this.writableEnded;
    }

    setHeader(name: string, value: unknown): this {
      if (this.#headSent) throw nodeError("ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client");
      validateHeaderName(name);
      this.#headers.set(name.toLowerCase(), [name, headerValue(name, value)]);
      return this;
    }
    appendHeader(name: string, value: unknown): this {
      const prev = this.#headers.get(String(name).toLowerCase());
      if (!prev) return this.setHeader(name, value);
      return this.setHeader(prev[0], ([] as string[]).concat(prev[1], Array.isArray(value) ? value.map(String) : String(value)));
    }
    setHeaders(headers: { forEach(fn: (v: unknown, k: string) => void): void }): this {
      if (!headers || typeof headers.forEach !== "function") throw invalidArgType("headers", "an instance of Headers or Map", headers);
      headers.forEach((v, k) => this.setHeader(k, v));
      return this;
    }
    getHeader(name: string): string | string[] | undefined {
      return this.#headers.get(String(name).toLowerCase())?.[1];
    }
    hasHeader(name: string): boolean {
      return this.#headers.has(String(name).toLowerCase());
    }
    removeHeader(name: string): void {
      if (this.#headSent) throw nodeError("ERR_HTTP_HEADERS_SENT", "Cannot remove headers after they are sent to the client");
      this.#headers.delete(String(name).toLowerCase());
    }
    getHeaderNames(): string[] {
      return [...this.#headers.keys()];
    }
    getRawHeaderNames(): string[] {
      return [...this.#headers.values()].map(([n]) => n);
    }
    getHeaders(): Record<string, string | string[]> {
      const out: Record<string, string | string[]> = Object.create(null);
      for (const [k, [, v]] of this.#headers) out[k] = v;
      return out;
    }

    writeHead(statusCode: number, reason?: unknown, headers?: unknown): this {
      if (this.#headSent) throw nodeError("ERR_HTTP_HEADERS_SENT", "Cannot write headers after they are sent to the client");
      if (typeof reason !== "string") {
        headers = reason;
        reason = undefined;
      }
      const code = Number(statusCode) | 0;
      if (!(code >= 100 && code <= 999)) throw nodeError("ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${String(statusCode)}`);
      this.statusCode = code;
      if (reason !== undefined) {
        if (BAD_VALUE.test(reason as string)) throw nodeError("ERR_INVALID_CHAR", "Invalid character in statusMessage");
        this.statusMessage = reason as string;
      }
      if (Array.isArray(headers)) {
        if (headers.length && Array.isArray(headers[0])) {
          for (const [k, v] of headers as [string, unknown][]) this.appendHeader(k, v);
        } else {
          if (headers.length % 2 !== 0) throw nodeError("ERR_INVALID_ARG_VALUE", "The argument 'headers' is invalid.");
          for (let i = 0; i < headers.length; i += 2) this.removeHeader(String(headers[i]));
          for (let i = 0; i < headers.length; i += 2) this.appendHeader(String(headers[i]), headers[i + 1]);
        }
      } else if (headers && typeof headers === "object") {
        for (const [k, v] of Object.entries(headers)) if (v !== undefined) this.setHeader(k, v);
      }
      this.#sendHead();
      return this;
    }

    flushHeaders(): void {
      if (!this.#headSent) this.#sendHead();
    }

    /** Whether this response may carry a body (not for HEAD, 204 and 304), as Node decides. */
    #hasBody(): boolean {
      return this.req?.method !== "HEAD" && this.statusCode !== 204 && this.statusCode !== 304;
    }

    #sendHead(): void {
      if (this.#headSent) return;
      const code = this.statusCode;
      if (!(Number.isInteger(code) && code >= 100 && code <= 999)) throw nodeError("ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${String(code)}`);
      this.statusMessage ??= STATUS_CODES[code] ?? "unknown";
      const pairs: [string, string][] = [];
      for (const [, [name, v]] of this.#headers) for (const item of Array.isArray(v) ? v : [v]) pairs.push([name, item]);
      this.#headSent = true;
      this.chunkedEncoding = this.#hasBody() && !this.#hasHeaderNamed("content-length");
      if (!callOp("http.respond", this.#id, code, this.statusMessage, JSON.stringify(pairs))) this.#gone = true;
    }

    #hasHeaderNamed(name: string): boolean {
      return this.#headers.has(name);
    }

    write(chunk: unknown, encoding?: unknown, cb?: AnyFn): boolean {
      if (!this.#headSent && !this.writableEnded) this.#sendHead();
      this.#wrote = true;
      return super.write(chunk, encoding, cb);
    }

    end(chunk?: unknown, encoding?: unknown, cb?: AnyFn): this {
      if (typeof chunk === "function") {
        cb = chunk as AnyFn;
        chunk = undefined;
      } else if (typeof encoding === "function") {
        cb = encoding as AnyFn;
        encoding = undefined;
      }
      if (this.writableEnded) {
        // As Node's response: a second end() is ignored (its callback hears why).
        if (cb) nextTick(cb, nodeError("ERR_STREAM_ALREADY_FINISHED", "Cannot call end after a stream was finished"));
        return this;
      }
      if (!this.#headSent) {
        // A body given whole to end(): Node sends its length instead of chunking it.
        if (!this.#wrote && this.#hasBody() && !this.#hasHeaderNamed("content-length") && !this.#hasHeaderNamed("transfer-encoding")) {
          const length =
            chunk === undefined || chunk === null
              ? 0
              : typeof chunk === "string"
                ? BufferCtor().byteLength(chunk, typeof encoding === "string" ? encoding : "utf8")
                : ArrayBuffer.isView(chunk)
                  ? chunk.byteLength
                  : undefined;
          if (length !== undefined) this.setHeader("Content-Length", String(length));
        }
        this.#sendHead();
      }
      if (chunk === undefined || chunk === null) return super.end(cb);
      return super.end(chunk, encoding, cb);
    }

    _write(chunk: Uint8Array, _enc: string, cb: (e?: unknown) => void): void {
      if (this.#gone || chunk.byteLength === 0) return cb();
      (callOpAsync("http.writeBody", this.#id, toArrayBuffer(chunk)) as Promise<boolean>).then(
        (ok) => {
          cb();
          if (!ok) {
            // The client is gone: close as Node's response does when its socket closes.
            this.#gone = true;
            this.destroy();
          }
        },
        cb,
      );
    }

    _final(cb: (e?: unknown) => void): void {
      try {
        if (!this.#gone) callOp("http.endResponse", this.#id);
        cb();
      } catch (e) {
        cb(e);
      }
    }

    /** Node's response does not emit 'error' when destroyed: the connection just closes. */
    destroy(_err?: unknown): this {
      if (!this.writableFinished) callOp("http.destroy", this.#id);
      return super.destroy();
    }

    setTimeout(_ms: number, cb?: AnyFn): this {
      if (cb) this.once("timeout", cb);
      return this;
    }
    addTrailers(): never {
      throw notSupported("response.addTrailers()");
    }
    writeContinue(): never {
      throw notSupported("response.writeContinue()");
    }
    writeProcessing(): never {
      throw notSupported("response.writeProcessing()");
    }
    writeEarlyHints(): never {
      throw notSupported("response.writeEarlyHints()");
    }
  }
  return (ServerResponseClass = ServerResponse);
}

/** Where an IncomingMessage made by the server keeps its request id (not enumerable). */
const kRequestId = Symbol("requestId");

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

interface ListenArgs {
  port: number;
  host: string;
  cb: AnyFn | undefined;
}

function validatePort(port: unknown, name = "options.port"): number {
  if (port === undefined || port === null) return 0;
  const n = typeof port === "string" && port.trim() !== "" ? Number(port) : port;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535) {
    const shown = typeof port === "string" ? `'${port}'` : typeof port === "number" ? String(port) : `type ${typeof port} (${String(port)})`;
    throw nodeError("ERR_SOCKET_BAD_PORT", `${name} should be >= 0 and < 65536. Received ${typeof port === "number" ? "type number (" + shown + ")" : shown}.`, RangeError);
  }
  return n;
}

/** Node's overloads: listen(port, host, backlog, cb), listen({ port, host }, cb), listen(cb). */
function listenArgs(args: unknown[]): ListenArgs {
  const cb = typeof args[args.length - 1] === "function" ? (args.pop() as AnyFn) : undefined;
  const first = args[0];
  if (first !== null && typeof first === "object") {
    const o = first as { port?: unknown; host?: unknown; path?: unknown };
    if (o.path !== undefined) throw notSupported("listening on a path (IPC socket)");
    if (o.host !== undefined && typeof o.host !== "string") throw invalidArgType("options.host", "of type string", o.host);
    return { port: validatePort(o.port), host: (o.host as string | undefined) ?? "", cb };
  }
  if (typeof first === "string" && first !== "" && !/^\d+$/.test(first.trim())) throw notSupported("listening on a path (IPC socket)");
  const host = typeof args[1] === "string" ? args[1] : "";
  return { port: validatePort(first), host, cb };
}

let ServerClass: Ctor | undefined;
export function serverClass(): Ctor {
  if (ServerClass) return ServerClass;
  const { EventEmitter } = events();
  class Server extends EventEmitter {
    timeout = 0;
    keepAliveTimeout = 5000;
    headersTimeout = 60000;
    requestTimeout = 300000;
    maxHeadersCount: number | null = null;
    maxRequestsPerSocket = 0;
    #state: "idle" | "starting" | "listening" | "closing" = "idle";
    #bound: Bound | undefined;
    /** Exchanges not yet over, by request id: closeAllConnections drops them, a client leaving closes them. */
    #open = new Map<number, { req: any; res: any }>();

    constructor(options?: unknown, requestListener?: AnyFn) {
      super();
      if (typeof options === "function") {
        requestListener = options as AnyFn;
      } else if (options !== undefined && options !== null && typeof options !== "object") {
        throw invalidArgType("options", "of type object", options);
      }
      if (requestListener) this.on("request", requestListener);
    }

    get listening(): boolean {
      return this.#state === "listening";
    }

    listen(...args: unknown[]): this {
      const { port, host, cb } = listenArgs(args);
      if (this.#state !== "idle") throw nodeError("ERR_SERVER_ALREADY_LISTEN", "Listen method has been called more than once without closing.");
      if (cb) this.once("listening", cb);
      this.#state = "starting";
      (callOpAsync("http.listen", port, host) as Promise<Bound>).then(
        (bound) => {
          this.#bound = bound;
          if (this.#state !== "starting") {
            // close() came while binding: close at once.
            this.#closeBound();
            return;
          }
          this.#state = "listening";
          this.#acceptLoop(bound);
          this.emit("listening");
        },
        (err) => {
          this.#state = "idle";
          // Its own callback, as in Node: an 'error' nobody listens for is an uncaught exception.
          nextTick(() => this.emit("error", err));
        },
      );
      return this;
    }

    address(): { address: string; family: string; port: number } | null {
      const b = this.#bound;
      return b && this.#state === "listening" ? { address: b.address, family: b.family, port: b.port } : null;
    }

    close(cb?: AnyFn): this {
      if (cb !== undefined && typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
      if (this.#state === "idle" || this.#state === "closing") {
        if (cb) nextTick(cb, nodeError("ERR_SERVER_NOT_RUNNING", "Server is not running."));
        return this;
      }
      if (cb) this.once("close", cb);
      const starting = this.#state === "starting";
      this.#state = "closing";
      if (!starting) this.#closeBound();
      return this;
    }

    #closeBound(): void {
      const bound = this.#bound!;
      (callOpAsync("http.close", bound.id) as Promise<void>).then(
        () => this.#closed(),
        () => this.#closed(),
      );
    }

    #closed(): void {
      this.#state = "idle";
      this.#bound = undefined;
      this.emit("close");
    }

    /** Drops every connection with a response still open. */
    closeAllConnections(): void {
      for (const { res } of [...this.#open.values()]) res.destroy();
    }
    /** Idle keep-alive connections are the host server's; they close with the server. */
    closeIdleConnections(): void {}

    setTimeout(ms: number, cb?: AnyFn): this {
      this.timeout = ms;
      if (cb) this.on("timeout", cb);
      return this;
    }
    ref(): this {
      return this;
    }
    unref(): never {
      throw notSupported("server.unref()");
    }
    [Symbol.for("nodejs.asyncDispose")](): Promise<void> {
      return new Promise((resolve) => this.close(() => resolve()));
    }

    /**
     * One accept at a time: the host hands out the next request or client departure, or
     * null once the server is closed and every exchange is over. The pending accept is
     * what keeps the exec's loop alive while the server listens or still has connections.
     */
    #acceptLoop(bound: Bound): void {
      (callOpAsync("http.accept", bound.id) as Promise<AcceptedHead | Gone | null>).then(
        (event) => {
          if (event === null) return;
          this.#acceptLoop(bound);
          if (event.type === "request") return this.#dispatch(event, bound);
          const open = this.#open.get(event.id);
          if (!open) return;
          if (!open.req.complete) open.req.destroy();
          open.res.destroy();
          open.req.socket.destroy();
        },
        (err) => {
          if (this.#state === "listening") nextTick(() => this.emit("error", err));
        },
      );
    }

    #dispatch(head: AcceptedHead, bound: Bound): void {
      const IncomingMessage = incomingMessageClass();
      const ServerResponse = serverResponseClass();
      const Socket = socketInfoClass();
      const requestId = head.id;
      const req = new IncomingMessage(
        { status: null as never, statusText: null as never, url: "", rawHeaders: head.rawHeaders },
        () => callOpAsync("http.readBody", requestId) as Promise<ArrayBuffer | null>,
        () => callOp("http.destroy", requestId),
      );
      req.method = head.method;
      req.url = head.url;
      req.httpVersion = head.httpVersion;
      const [major, minor] = head.httpVersion.split(".");
      req.httpVersionMajor = Number(major) || 1;
      req.httpVersionMinor = Number(minor) || 0;
      req.socket = new Socket(head, bound);
      Object.defineProperty(req, "connection", { get: () => req.socket, configurable: true });
      Object.defineProperty(req, kRequestId, { value: requestId });
      const res = new ServerResponse(req);
      this.#open.set(requestId, { req, res });
      res.once("close", () => this.#open.delete(requestId));
      // The handler runs as its own callback: a throw there is an uncaught exception,
      // as in Node, not a rejection of the accept loop.
      nextTick(() => this.emit("request", req, res));
    }
  }
  return (ServerClass = Server);
}

export function createServer(options?: unknown, requestListener?: AnyFn): any {
  const Server = serverClass();
  return new Server(options, requestListener);
}

