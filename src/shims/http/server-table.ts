/**
 * The guest servers one exec has listening, and the requests they are serving. The
 * adapter pushes each incoming request here (`onRequest`); the guest pulls them with
 * `http.accept`, reads bodies with `http.readBody` and answers through the responder.
 * The guest only ever holds numbers: the adapter's server, the request body iterator
 * and the responder stay on the host, and every op validates its id against this table.
 *
 * Bounds: a server holds at most `maxPending` requests (queued plus being answered);
 * beyond that the client gets 503 without the guest seeing the request. A request body
 * larger than `maxBodyBytes` is refused with 413 (at once when its content-length says
 * so, otherwise when the guest's reads pass the limit). When the exec ends, however it
 * ends, every open exchange is destroyed and every server closed.
 */
import type { NetworkServer, NetworkServerRequest, NetworkServerResponder } from "../../driver/types.js";
import type { ExecState } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";

/** Largest chunk of request body handed to the guest per read. */
export const READ_CHUNK_BYTES = 64 * 1024;
/** Requests one server holds at once when the adapter does not say. */
export const DEFAULT_MAX_PENDING_SERVER_REQUESTS = 64;
/** Request body bytes one request may carry when the adapter does not say (16 MiB). */
export const DEFAULT_MAX_SERVER_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
/** Servers one exec may have listening at once (each is a socket on the host). */
export const MAX_SERVERS_PER_EXEC = 16;

/** What the guest learns about a request it accepted. */
export interface AcceptedHead {
  id: number;
  method: string;
  url: string;
  rawHeaders: string[];
  httpVersion: string;
  remoteAddress: string;
  remotePort: number;
}

export class Exchange {
  id = 0;
  headSent = false;
  ended = false;
  /** The exchange is over for the host: the guest's later writes are dropped. */
  closed = false;
  reading = false;
  bytesRead = 0;
  #body: AsyncIterator<Uint8Array> | undefined;
  #leftover: Uint8Array | undefined;

  constructor(
    readonly server: ListeningServer,
    readonly request: NetworkServerRequest,
    readonly responder: NetworkServerResponder,
  ) {}

  /** The next body chunk (at most READ_CHUNK_BYTES), or null at the end. */
  async read(limit: number): Promise<Uint8Array | null> {
    let chunk = this.#leftover;
    this.#leftover = undefined;
    if (!chunk) {
      this.#body ??= this.request.body[Symbol.asyncIterator]();
      const next = await this.#body.next();
      if (next.done) return null;
      chunk = next.value;
      this.bytesRead += chunk.byteLength;
      if (this.bytesRead > limit) {
        this.refuse(413, "Payload Too Large");
        throw OpError.node("ERR_SANDBOX_REQUEST_TOO_LARGE", `the request body is larger than the limit of ${limit} bytes; the client was answered 413`);
      }
    }
    if (chunk.byteLength > READ_CHUNK_BYTES) {
      this.#leftover = chunk.subarray(READ_CHUNK_BYTES);
      chunk = chunk.subarray(0, READ_CHUNK_BYTES);
    }
    return chunk;
  }

  /** Answers the client with an error status (when no head went out yet) and ends the exchange. */
  refuse(status: number, statusText: string): void {
    if (this.closed) return;
    if (!this.headSent) {
      this.headSent = true;
      try {
        this.responder.writeHead(status, statusText, ["content-length", "0", "connection", "close"]);
        this.responder.end();
      } catch {
        this.responder.destroy();
      }
    } else {
      this.responder.destroy();
    }
    this.finish();
  }

  /** Drops the connection (the guest destroyed the request, or the exec ended). */
  destroy(): void {
    if (this.closed) return;
    this.responder.destroy();
    void this.#body?.return?.()?.catch?.(() => {});
    this.finish();
  }

  /** The exchange no longer counts against its server (answered, refused or destroyed). */
  finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.done(this);
  }
}

/** What `http.accept` hands the guest: a new request, or word that a client left mid-exchange. */
export type ServerEvent = ({ type: "request" } & AcceptedHead) | { type: "gone"; id: number };

export class ListeningServer {
  /** Requests not yet handed to the guest. */
  readonly queue: Exchange[] = [];
  /** Accepted and not yet finished. */
  readonly open = new Set<Exchange>();
  handle: NetworkServer | undefined;
  closing = false;
  closed = false;
  /** Accepted requests whose client left before the response ended: the guest is told. */
  readonly #gone: number[] = [];
  #waiter: ((e: ServerEvent | null) => void) | undefined;
  readonly #closeWaiters: (() => void)[] = [];

  constructor(
    readonly id: number,
    readonly table: ServerTable,
    readonly maxPending: number,
    readonly maxBodyBytes: number,
  ) {}

  /** The adapter's onRequest: queue the request, or refuse it when the server is full or gone. */
  incoming(request: NetworkServerRequest, responder: NetworkServerResponder): void {
    const exchange = new Exchange(this, request, responder);
    const declared = contentLength(request.rawHeaders);
    if (this.closed || this.#drained()) return void exchange.refuse(503, "Service Unavailable");
    if (this.queue.length + this.open.size >= this.maxPending) return void exchange.refuse(503, "Service Unavailable");
    if (declared !== undefined && declared > this.maxBodyBytes) return void exchange.refuse(413, "Payload Too Large");
    // A client that leaves frees its slot at once, and the guest hears of it.
    request.signal?.addEventListener("abort", () => this.#left(exchange), { once: true });
    this.queue.push(exchange);
    this.#wake();
  }

  #left(exchange: Exchange): void {
    const queued = this.queue.indexOf(exchange);
    if (queued >= 0) this.queue.splice(queued, 1);
    else if (!exchange.closed && exchange.id > 0) this.#gone.push(exchange.id);
    exchange.destroy();
  }

  /** Closing, and nothing left to hand out or to answer: the guest's accept loop may stop. */
  #drained(): boolean {
    return this.closing && this.queue.length === 0 && this.open.size === 0 && this.#gone.length === 0;
  }

  #next(): ServerEvent | null | undefined {
    const gone = this.#gone.shift();
    if (gone !== undefined) return { type: "gone", id: gone };
    const queued = this.queue.shift();
    if (queued) return { type: "request", ...head(this.#admit(queued)) };
    if (this.closed || this.#drained()) return null;
    return undefined;
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    const event = this.#next();
    if (event === undefined) return;
    this.#waiter = undefined;
    waiter(event);
  }

  /**
   * The next event for the guest; null once the server is closed and every exchange is
   * over. While one is pending the exec stays alive, as a listening socket (and, after
   * close(), an open connection) keeps Node running.
   */
  accept(): Promise<ServerEvent | null> {
    if (this.#waiter) throw OpError.node("ERR_INVALID_STATE", "this server is already waiting for a request");
    const event = this.#next();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  #admit(exchange: Exchange): Exchange {
    exchange.id = this.table.register(exchange);
    this.open.add(exchange);
    return exchange;
  }

  done(exchange: Exchange): void {
    this.open.delete(exchange);
    this.table.forget(exchange);
    this.#settleClose();
  }

  /**
   * Graceful close, as Node's `server.close()`: no new connections are awaited, requests
   * already received are still handed out, and the socket closes once every accepted
   * exchange is over.
   */
  close(): Promise<void> {
    this.closing = true;
    const p = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    this.#settleClose();
    return p;
  }

  #settleClose(): void {
    this.#wake();
    if (this.closing && !this.closed && this.queue.length === 0 && this.open.size === 0) this.#shut();
  }

  /** Immediate close: drops every exchange (the exec ended). */
  destroy(): void {
    this.closing = true;
    for (const e of this.queue.splice(0)) e.destroy();
    for (const e of [...this.open]) e.destroy();
    this.#gone.length = 0;
    this.#shut();
    this.#wake();
  }

  #shut(): void {
    if (this.closed) return;
    this.closed = true;
    this.table.removeServer(this);
    const handle = this.handle;
    const waiters = this.#closeWaiters.splice(0);
    const done = () => waiters.forEach((w) => w());
    if (!handle) return done();
    handle.close().then(done, done);
  }
}

function head(e: Exchange): AcceptedHead {
  const r = e.request;
  return {
    id: e.id,
    method: String(r.method),
    url: String(r.url),
    rawHeaders: r.rawHeaders.map(String),
    httpVersion: String(r.httpVersion),
    remoteAddress: String(r.remoteAddress),
    remotePort: Number(r.remotePort) || 0,
  };
}

function contentLength(rawHeaders: string[]): number | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === "content-length") {
      const n = Number(rawHeaders[i + 1]);
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}

export class ServerTable {
  readonly #servers = new Map<number, ListeningServer>();
  readonly #exchanges = new Map<number, Exchange>();
  #nextServer = 1;
  #nextExchange = 1;
  ended = false;

  get serverCount(): number {
    return this.#servers.size;
  }

  addServer(maxPending: number, maxBodyBytes: number): ListeningServer {
    const server = new ListeningServer(this.#nextServer++, this, maxPending, maxBodyBytes);
    this.#servers.set(server.id, server);
    return server;
  }

  removeServer(server: ListeningServer): void {
    this.#servers.delete(server.id);
  }

  /** A server's next event; null when the server was this exec's and is closed now. */
  accept(id: number): Promise<ServerEvent | null> {
    const s = this.#servers.get(id);
    if (s) return s.accept();
    if (id >= 1 && id < this.#nextServer) return Promise.resolve(null);
    throw OpError.node("ERR_SERVER_NOT_RUNNING", "Server is not running.");
  }

  server(id: number): ListeningServer {
    const s = this.#servers.get(id);
    if (!s) throw OpError.node("ERR_SERVER_NOT_RUNNING", "Server is not running.");
    return s;
  }

  register(exchange: Exchange): number {
    const id = this.#nextExchange++;
    this.#exchanges.set(id, exchange);
    return id;
  }

  forget(exchange: Exchange): void {
    this.#exchanges.delete(exchange.id);
  }

  /**
   * The exchange with this id, or undefined when it was one of this exec's and is over
   * (the client left, or it was refused): the guest's later writes are then dropped, as
   * Node drops writes to a closed connection. An id never issued is an error.
   */
  exchange(id: number): Exchange | undefined {
    const e = this.#exchanges.get(id);
    if (e) return e;
    if (id >= 1 && id < this.#nextExchange) return undefined;
    throw OpError.node("ERR_INVALID_ARG_VALUE", `no request with id ${id}`);
  }

  closeAll(): void {
    this.ended = true;
    for (const s of [...this.#servers.values()]) s.destroy();
  }
}

const tables = new WeakMap<ExecState, ServerTable>();

export function serverTable(exec: ExecState): ServerTable {
  let table = tables.get(exec);
  if (!table) {
    const created = new ServerTable();
    table = created;
    tables.set(exec, created);
    exec.onEnd(() => created.closeAll());
  }
  return table;
}
