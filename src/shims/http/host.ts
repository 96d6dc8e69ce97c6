/**
 * Host ops behind guest servers (`http.createServer().listen()`). `http.listen` builds a
 * NetworkAccessRequest `{ op: "listen", hostname: "127.0.0.1", port }` for the gate and
 * asks the adapter to bind on the host's loopback — whatever address the guest names,
 * the sandbox's machine has only loopback, so nothing else is ever bound. Requests are
 * queued on the host (server-table.ts) and pulled by the guest: `http.accept` resolves
 * with the next request head (an outstanding accept is what keeps the exec's event loop
 * alive while a server listens, as a listening socket keeps Node running), `http.readBody`
 * pulls body chunks, `http.respond` / `http.writeBody` / `http.endResponse` answer.
 */
import { constants } from "node:os";
import type { NetworkAdapter } from "../../driver/types.js";
import * as arg from "../../runtime/bridge/decoders.js";
import type { Decoder } from "../../runtime/bridge/decoders.js";
import { defineOp, type Op, type OpContext } from "../../runtime/bridge/op.js";
import { OpError, type OpErrorRecord } from "../../runtime/bridge/op-error.js";
import { BAD_VALUE, headerList } from "../_host/http-decoders.js";
import {
  DEFAULT_MAX_PENDING_SERVER_REQUESTS,
  DEFAULT_MAX_SERVER_REQUEST_BODY_BYTES,
  MAX_SERVERS_PER_EXEC,
  serverTable,
  type Exchange,
} from "./server-table.js";

/** The only address a guest server is ever bound to on the host. */
const BIND_ADDRESS = "127.0.0.1";
/** Names the guest may listen on: loopback and "any address" all mean the host's 127.0.0.1. */
const LOOPBACK_OR_ANY = new Set(["", "127.0.0.1", "localhost", "::1", "0.0.0.0", "::", "[::]", "[::1]", "::ffff:127.0.0.1"]);
const errnos = constants.errno as Record<string, number>;
const DESCRIPTIONS: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available",
  EACCES: "permission denied",
};

// ---------------------------------------------------------------------------
// Decoders
// ---------------------------------------------------------------------------

const id = arg.integer;

const port: Decoder<number> = (cx, h, name) => {
  const n = arg.integer(cx, h, name);
  if (n < 0 || n > 65535) throw OpError.node("ERR_SOCKET_BAD_PORT", `${name} should be >= 0 and < 65536. Received ${n}.`);
  return n;
};

/** The guest's host argument, checked: anything but loopback or "any" is not an address of the sandbox. */
const listenHost: Decoder<string> = (cx, h, name) => {
  const host = arg.string(cx, h, name).toLowerCase();
  if (!LOOPBACK_OR_ANY.has(host)) {
    throw new OpError({
      code: "EADDRNOTAVAIL",
      errno: -errnos.EADDRNOTAVAIL!,
      syscall: "listen",
      message: `listen EADDRNOTAVAIL: address not available ${host.slice(0, 100)}`,
    });
  }
  return BIND_ADDRESS;
};

const status: Decoder<number> = (cx, h, name) => {
  const n = arg.integer(cx, h, name);
  if (n < 100 || n > 999) throw OpError.node("ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${n}`);
  if (n < 200) throw OpError.node("ERR_SANDBOX_NOT_SUPPORTED", `informational responses (${n}) are not supported in the quicksand sandbox`);
  return n;
};

const statusText: Decoder<string> = (cx, h, name) => {
  const s = arg.string(cx, h, name);
  if (s.length > 1024 || BAD_VALUE.test(s)) throw OpError.node("ERR_INVALID_CHAR", "Invalid character in statusMessage");
  return s;
};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function listenAdapter(cx: OpContext): NetworkAdapter & Required<Pick<NetworkAdapter, "listen">> {
  const adapter = cx.driver.networkAdapter;
  if (!adapter) {
    throw OpError.node(
      "ERR_SANDBOX_NETWORK_UNAVAILABLE",
      "network access is not configured for this sandbox: pass networkAdapter or useDefaultNetwork: true to createNodeDriver",
    );
  }
  if (typeof adapter.listen !== "function") throw OpError.node("ERR_SANDBOX_NETWORK_UNAVAILABLE", "the sandbox's network adapter does not serve guest servers (it has no listen method)");
  return adapter as NetworkAdapter & Required<Pick<NetworkAdapter, "listen">>;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** What a failed bind looks like in Node: `listen EADDRINUSE: address already in use 127.0.0.1:3000`. */
function listenErrorRecord(error: unknown, where: string): OpErrorRecord {
  if (error instanceof OpError) return error.record;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code) && errnos[code] !== undefined) {
    const description = DESCRIPTIONS[code] ?? code.toLowerCase();
    return { code, errno: -errnos[code]!, syscall: "listen", message: `listen ${code}: ${description} ${where}` };
  }
  if (code === "ERR_SANDBOX_NETWORK_BLOCKED") return { code, message: String((error as Error).message) };
  return { code: "ERR_SANDBOX_HOST_FAILURE", message: "the server could not be started on the host" };
}

/** The exchange a response op names, or undefined when it is already over (writes are dropped). */
function openExchange(cx: OpContext, requestId: number): Exchange | undefined {
  const e = serverTable(cx.exec).exchange(requestId);
  return e && !e.closed ? e : undefined;
}

// ---------------------------------------------------------------------------
// Ops
// ---------------------------------------------------------------------------

const listen = defineOp({
  name: "http.listen",
  args: [port, listenHost],
  permission: ([p, hostname]) => [{ kind: "network", request: { op: "listen", hostname, port: p } }],
  async: async (cx, [p, hostname]) => {
    const adapter = listenAdapter(cx);
    const table = serverTable(cx.exec);
    if (table.ended) throw OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting");
    if (table.serverCount >= MAX_SERVERS_PER_EXEC) {
      throw OpError.node("ERR_SANDBOX_NETWORK_LIMIT", `too many servers listening at once (the limit is ${MAX_SERVERS_PER_EXEC} per sandbox run)`);
    }
    const server = table.addServer(
      positive(adapter.maxPendingServerRequests, DEFAULT_MAX_PENDING_SERVER_REQUESTS),
      positive(adapter.maxServerRequestBodyBytes, DEFAULT_MAX_SERVER_REQUEST_BODY_BYTES),
    );
    try {
      server.handle = await adapter.listen({
        port: p,
        host: hostname,
        onRequest: (request, respond) => server.incoming(request, respond),
      });
    } catch (error) {
      table.removeServer(server);
      throw new OpError(listenErrorRecord(error, `${hostname}:${p}`));
    }
    // The exec may have ended while the adapter was binding: nothing may stay open.
    if (table.ended || server.closed) {
      void server.handle.close().catch(() => {});
      throw OpError.node("ERR_SANDBOX_EXITED", "the sandbox is exiting");
    }
    const { address, port: bound, family } = server.handle;
    return { id: server.id, address: String(address), port: Number(bound), family: family === 6 ? "IPv6" : "IPv4" };
  },
});

/**
 * The server's next event — a request's head, or `{ type: "gone", id }` when a client left
 * before its response ended — or null once the server is closed and every exchange is over.
 */
const accept = defineOp({
  name: "http.accept",
  args: [id],
  async: (cx, [serverId]) => serverTable(cx.exec).accept(serverId),
});

/** Stops listening; resolves when every accepted request was answered and the socket is closed. */
const close = defineOp({
  name: "http.close",
  args: [id],
  async: (cx, [serverId]) => serverTable(cx.exec).server(serverId).close(),
});

/** The next chunk of a request body (≤ 64 KiB), or null at its end. */
const readBody = defineOp({
  name: "http.readBody",
  args: [id],
  async: async (cx, [requestId]) => {
    const e = openExchange(cx, requestId);
    if (!e) throw new OpError({ code: "ECONNRESET", message: "aborted" });
    if (e.reading) throw OpError.node("ERR_INVALID_STATE", "a read of this request body is already in progress");
    e.reading = true;
    try {
      return await e.read(e.server.maxBodyBytes);
    } catch (error) {
      if (error instanceof OpError) throw error;
      // The client went away mid-body: the exchange is over, as Node's 'aborted'.
      e.destroy();
      throw new OpError({ code: "ECONNRESET", message: "aborted" });
    } finally {
      e.reading = false;
    }
  },
});

/** Sends the response head. Returns false when the exchange is already over. */
const respond = defineOp({
  name: "http.respond",
  args: [id, status, statusText, headerList],
  sync: (cx, [requestId, code, text, headers]) => {
    const e = openExchange(cx, requestId);
    if (!e) return false;
    if (e.headSent) throw OpError.node("ERR_HTTP_HEADERS_SENT", "Cannot write headers after they are sent to the client");
    e.headSent = true;
    try {
      e.responder.writeHead(code, text, headers.flat());
    } catch (error) {
      e.destroy();
      const c = (error as { code?: unknown })?.code;
      if (typeof c === "string" && /^ERR_[A-Z_]+$/.test(c)) throw OpError.node(c, String((error as Error).message).slice(0, 300));
      throw OpError.node("ERR_SANDBOX_HOST_FAILURE", "the response head was refused on the host");
    }
    return true;
  },
});

/** One chunk of the response body; resolves when the host has passed it on (backpressure). */
const writeBody = defineOp({
  name: "http.writeBody",
  args: [id, arg.bytes],
  async: async (cx, [requestId, bytes]) => {
    const e = openExchange(cx, requestId);
    if (!e) return false;
    if (!e.headSent) throw OpError.node("ERR_INVALID_STATE", "the response head must be sent before its body");
    if (e.ended) throw OpError.node("ERR_STREAM_WRITE_AFTER_END", "write after end");
    try {
      await e.responder.write(bytes);
      return true;
    } catch (error) {
      e.destroy();
      const c = (error as { code?: unknown })?.code;
      // Node's strict content-length check: the guest wrote more or less than it declared.
      if (c === "ERR_HTTP_CONTENT_LENGTH_MISMATCH") throw OpError.node(c, String((error as Error).message).slice(0, 300));
      return false;
    }
  },
});

const endResponse = defineOp({
  name: "http.endResponse",
  args: [id],
  sync: (cx, [requestId]) => {
    const e = openExchange(cx, requestId);
    if (!e) return false;
    if (!e.headSent) throw OpError.node("ERR_INVALID_STATE", "the response head must be sent before the response ends");
    e.ended = true;
    try {
      e.responder.end();
    } catch (error) {
      e.destroy();
      const c = (error as { code?: unknown })?.code;
      if (c === "ERR_HTTP_CONTENT_LENGTH_MISMATCH") throw OpError.node(c, String((error as Error).message).slice(0, 300));
      return false;
    }
    e.finish();
    return true;
  },
});

/** Drops a request's connection (the guest destroyed the request or the response). */
const destroy = defineOp({
  name: "http.destroy",
  args: [id],
  sync: (cx, [requestId]) => {
    openExchange(cx, requestId)?.destroy();
  },
});

export const httpServerOps: Op[] = [listen, accept, close, readBody, respond, writeBody, endResponse, destroy];
