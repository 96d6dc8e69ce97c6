/**
 * `createDefaultNetworkAdapter`: the built-in NetworkAdapter on undici, with the SSRF
 * defence (ssrf.ts) in front of every connection. For each request it
 *   1. parses the URL (http: and https: only),
 *   2. resolves the hostname once (or takes the IP literal) and checks every address,
 *   3. connects to the checked address itself, never resolving again (exchange.ts),
 *   4. never follows redirects: the sandbox sends each hop as a new, newly checked request.
 * Response bodies stream, bounded by `maxResponseBytes`; every request has a timeout.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type {
  NetworkAdapter,
  NetworkBody,
  NetworkDnsAddress,
  NetworkDnsLookupOptions,
  NetworkFetchRequest,
  NetworkFetchResponse,
  NetworkHttpRequest,
  NetworkHttpResponse,
  NetworkListenOptions,
  NetworkServer,
} from "../types.js";
import { exchange, ResponseTooLargeError, type ExchangeResponse, type TlsOptions } from "./exchange.js";
import { literalAddress, portOf, refusalReason, type CheckedAddress } from "./ssrf.js";

/** Largest response body one request may return, after decompression (64 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Requests one exec may have open at once. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 16;
/** Longest wait for a connection, the response head, or between two body chunks. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Requests one guest server holds at once (queued or being answered); beyond it, 503. */
export const DEFAULT_MAX_PENDING_SERVER_REQUESTS = 64;
/** Largest request body a guest server accepts (16 MiB); beyond it, 413. */
export const DEFAULT_MAX_SERVER_REQUEST_BODY_BYTES = 16 * 1024 * 1024;

export interface DefaultNetworkAdapterOptions {
  /** Loopback ports the sandbox may reach (local test servers, sidecars). Nothing else on loopback is reachable. */
  loopbackExemptPorts?: readonly number[];
  /**
   * Resolves a hostname to its addresses (default: the host's resolver, `dns.lookup`
   * with `all: true`). Called once per request; the connection uses the answer checked.
   */
  lookup?: (hostname: string) => Promise<NetworkDnsAddress[]>;
  /** Largest response body, in bytes, after decompression. Default 64 MiB. */
  maxResponseBytes?: number;
  /** Requests one exec may have open at once. Default 16. */
  maxConcurrentRequests?: number;
  /** Connect, response-head and body-idle timeout in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** TLS settings for https requests (extra CA certificates). */
  tls?: TlsOptions;
  /** Requests one guest server holds at once, queued or being answered. Default 64; beyond it the client gets 503. */
  maxPendingServerRequests?: number;
  /** Largest request body a guest server accepts, in bytes. Default 16 MiB; beyond it the client gets 413. */
  maxServerRequestBodyBytes?: number;
}

/** Why the default adapter refused a request before any byte left (SSRF defence). */
export class NetworkBlockedError extends Error {
  readonly code = "ERR_SANDBOX_NETWORK_BLOCKED";
  constructor(message: string) {
    super(message);
    this.name = "NetworkBlockedError";
  }
}

/** A name the resolver does not know, in Node's shape. */
class NotFoundError extends Error {
  readonly code = "ENOTFOUND";
  readonly syscall = "getaddrinfo";
  constructor(readonly hostname: string) {
    super(`getaddrinfo ENOTFOUND ${hostname}`);
  }
}

/** Guest servers bind here and nowhere else: reachable from the host, never from the network. */
const LISTEN_ADDRESS = "127.0.0.1";
/** How long a closing guest server's socket may take to flush its last response bytes. */
const CLOSE_FLUSH_MS = 2000;

function fail(message: string): never {
  throw new TypeError(`createDefaultNetworkAdapter: ${message}`);
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    fail(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function checkOptions(options: DefaultNetworkAdapterOptions) {
  if (typeof options !== "object" || options === null) fail("options must be an object");
  const ports = options.loopbackExemptPorts ?? [];
  if (!Array.isArray(ports)) fail("loopbackExemptPorts must be an array of port numbers");
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`loopbackExemptPorts has an invalid port ${String(port)}`);
  }
  if (options.lookup !== undefined && typeof options.lookup !== "function") fail("lookup must be a function");
  return {
    exemptPorts: new Set<number>(ports),
    lookup: options.lookup,
    maxResponseBytes: positiveInteger(options.maxResponseBytes, "maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES),
    maxConcurrentRequests: positiveInteger(options.maxConcurrentRequests, "maxConcurrentRequests", DEFAULT_MAX_CONCURRENT_REQUESTS),
    timeoutMs: positiveInteger(options.requestTimeoutMs, "requestTimeoutMs", DEFAULT_REQUEST_TIMEOUT_MS),
    tls: options.tls,
    maxPendingServerRequests: positiveInteger(options.maxPendingServerRequests, "maxPendingServerRequests", DEFAULT_MAX_PENDING_SERVER_REQUESTS),
    maxServerRequestBodyBytes: positiveInteger(options.maxServerRequestBodyBytes, "maxServerRequestBodyBytes", DEFAULT_MAX_SERVER_REQUEST_BODY_BYTES),
  };
}

type Settings = ReturnType<typeof checkOptions>;

/** The URL of a request, if the adapter may send it at all. */
function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NetworkBlockedError(`invalid URL ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NetworkBlockedError(`the ${url.protocol} scheme is not supported; only http: and https: are`);
  }
  return url;
}

async function resolveHost(s: Settings, hostname: string, family: 0 | 4 | 6 = 0): Promise<NetworkDnsAddress[]> {
  if (s.lookup) {
    const answers = await s.lookup(hostname);
    if (!Array.isArray(answers)) throw new TypeError("the adapter's lookup must return an array of addresses");
    return answers
      .map((a) => ({ address: String(a.address), family: a.family === 6 ? 6 : 4 }) as NetworkDnsAddress)
      .filter((a) => family === 0 || a.family === family);
  }
  const answers = await dnsLookup(hostname, { all: true, family, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/**
 * The one address the request will connect to: the hostname is resolved exactly once,
 * and every address it resolves to must pass, so a name with one public and one internal
 * address is refused rather than raced.
 */
async function checkedTarget(s: Settings, url: URL): Promise<CheckedAddress> {
  const port = portOf(url);
  const literal = literalAddress(url.hostname);
  if (literal) {
    const reason = refusalReason(literal.address, port, s.exemptPorts);
    if (reason) throw new NetworkBlockedError(`connection to ${url.host} refused: ${reason}`);
    return literal;
  }
  const hostname = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
  let answers: NetworkDnsAddress[];
  try {
    answers = await resolveHost(s, hostname);
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code === "ENOTFOUND" || code === "ENODATA" || code === "EAI_AGAIN") throw new NotFoundError(hostname);
    throw error;
  }
  if (answers.length === 0) throw new NotFoundError(hostname);
  for (const answer of answers) {
    const reason = refusalReason(answer.address, port, s.exemptPorts);
    // The address itself stays out of the message: it may describe the host's network.
    if (reason) throw new NetworkBlockedError(`connection to ${url.host} refused: the name resolves to an address that is not allowed (${reason})`);
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family };
}

function headerPairs(headers: Record<string, string | string[]>): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) flat.push(name, String(v));
  }
  return flat;
}

function headerRecord(raw: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) out[name] = name === "set-cookie" ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = `${prev}, ${value}`;
  }
  return { ...out };
}

/** fetch decodes gzip/deflate/br bodies, as browsers and Node's fetch do; the limit applies to the decoded bytes. */
function decoded(res: ExchangeResponse, method: string, limit: number): AsyncIterable<Uint8Array> {
  const encoding = headerRecord(res.rawHeaders)["content-encoding"];
  const coding = typeof encoding === "string" ? encoding.trim().toLowerCase() : "";
  const noBody = method === "HEAD" || res.status === 204 || res.status === 304;
  const make =
    coding === "gzip" || coding === "x-gzip"
      ? createGunzip
      : coding === "deflate"
        ? createInflate
        : coding === "br"
          ? createBrotliDecompress
          : undefined;
  if (!make || noBody) return res.body;
  const source = Readable.from(res.body);
  const decoder = make();
  source.on("error", (e) => decoder.destroy(e));
  source.pipe(decoder);
  return limitBytes(decoder as AsyncIterable<Uint8Array>, limit);
}

async function* limitBytes(source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > limit) throw new ResponseTooLargeError(limit);
    yield chunk;
  }
}

async function send(s: Settings, raw: string, method: string, headers: string[], body: NetworkBody | undefined, signal: AbortSignal | undefined) {
  const url = parseTarget(raw);
  const target = await checkedTarget(s, url);
  signal?.throwIfAborted();
  const response = await exchange({
    url,
    target,
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(signal ? { signal } : {}),
    timeoutMs: s.timeoutMs,
    maxResponseBytes: s.maxResponseBytes,
    ...(s.tls ? { tls: s.tls } : {}),
  });
  return { url, response };
}

async function listen(options: NetworkListenOptions): Promise<NetworkServer> {
  const host = options.host ?? LISTEN_ADDRESS;
  if (host !== LISTEN_ADDRESS) {
    throw new NetworkBlockedError(`listening on ${host} is not allowed: the default adapter serves guest servers on ${LISTEN_ADDRESS} only`);
  }
  const port = options.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${String(port)}`);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // A body longer or shorter than the guest's content-length fails instead of
    // corrupting the connection the host's client may reuse.
    res.strictContentLength = true;
    // Fires when the client's connection goes before the response is complete, so the
    // sandbox can free the request's slot without waiting for the guest to notice.
    const gone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    let headSent = false;
    const deliver = (...args: Parameters<NetworkListenOptions["onRequest"]>) => {
      try {
        options.onRequest(...args);
      } catch {
        // A failing consumer must not take the host's server down: drop this connection only.
        res.destroy();
      }
    };
    deliver(
      {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        rawHeaders: req.rawHeaders.slice(),
        httpVersion: req.httpVersion,
        body: req as AsyncIterable<Uint8Array>,
        remoteAddress: req.socket.remoteAddress ?? "",
        remotePort: req.socket.remotePort ?? 0,
        signal: gone.signal,
      },
      {
        writeHead(status, statusText, rawHeaders) {
          if (headSent) return;
          headSent = true;
          res.writeHead(status, statusText, rawHeaders);
        },
        write(chunk) {
          return new Promise<void>((resolve, reject) => {
            if (res.destroyed) return reject(Object.assign(new Error("the connection is closed"), { code: "ERR_STREAM_DESTROYED" }));
            const onClose = () => reject(Object.assign(new Error("the connection is closed"), { code: "ERR_STREAM_DESTROYED" }));
            res.once("close", onClose);
            res.write(chunk, (err) => {
              res.off("close", onClose);
              if (err) reject(err);
              else resolve();
            });
          });
        },
        end() {
          res.end();
        },
        destroy() {
          res.destroy();
        },
      },
    );
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LISTEN_ADDRESS, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  return {
    address: info.address,
    port: info.port,
    family: info.family === "IPv6" ? 6 : 4,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The sandbox closes once every response has ended, but the last bytes of one may
        // still sit in a socket's buffer: those sockets end after flushing, the rest go now.
        for (const socket of sockets) {
          if (socket.writableLength === 0) {
            socket.destroy();
            continue;
          }
          socket.end();
          setTimeout(() => socket.destroy(), CLOSE_FLUSH_MS).unref();
        }
      }),
  };
}

/**
 * Creates the built-in network adapter: fetch, http(s) requests, DNS and loopback guest
 * servers on undici, refusing every request to a non-public address (loopback, private,
 * link-local, unique-local, multicast, unspecified, reserved) whatever its spelling, and
 * pinning each connection to the address it checked. `createNodeDriver({ useDefaultNetwork:
 * true, loopbackExemptPorts })` installs one.
 * @example
 * const driver = createNodeDriver({
 *   networkAdapter: createDefaultNetworkAdapter({ loopbackExemptPorts: [8080], requestTimeoutMs: 5000 }),
 *   permissions: { network: (req) => ({ allow: req.hostname === "api.example.com" }) },
 * });
 */
export function createDefaultNetworkAdapter(options: DefaultNetworkAdapterOptions = {}): NetworkAdapter {
  const s = checkOptions(options);
  return Object.freeze({
    maxConcurrentRequests: s.maxConcurrentRequests,

    async fetch(request: NetworkFetchRequest): Promise<NetworkFetchResponse> {
      const method = request.method.toUpperCase();
      const { url, response } = await send(s, request.url, method, headerPairs(request.headers), request.body, request.signal);
      const headers = headerRecord(response.rawHeaders);
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers)) flat[k] = Array.isArray(v) ? v.join(", ") : v;
      return {
        status: response.status,
        statusText: response.statusText,
        url: url.href,
        headers: flat,
        rawHeaders: response.rawHeaders,
        body: decoded(response, method, s.maxResponseBytes),
      };
    },

    async httpRequest(request: NetworkHttpRequest): Promise<NetworkHttpResponse> {
      const { response } = await send(s, request.url, request.method, headerPairs(request.headers), request.body, request.signal);
      return {
        status: response.status,
        statusText: response.statusText,
        headers: headerRecord(response.rawHeaders),
        rawHeaders: response.rawHeaders,
        body: response.body,
      };
    },

    dnsLookup(hostname: string, lookupOptions?: NetworkDnsLookupOptions): Promise<NetworkDnsAddress[]> {
      return resolveHost(s, hostname, lookupOptions?.family ?? 0);
    },

    maxPendingServerRequests: s.maxPendingServerRequests,
    maxServerRequestBodyBytes: s.maxServerRequestBodyBytes,

    listen,
  });
}
