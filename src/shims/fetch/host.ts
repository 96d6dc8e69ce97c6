/**
 * Host ops behind the guest's `fetch`, `http`/`https` clients and `dns`. Each request
 * builds a NetworkAccessRequest (`op` fetch/http/dns, the normalized URL, method,
 * hostname, port) in its `permission` function, so the gate decides before the adapter
 * is called and before any byte leaves. A redirect is never followed here: the guest's
 * fetch sends the next hop as a new request, which is checked again.
 *
 * Bodies cross as ArrayBuffer chunks. Responses stream: `fetch.response(id)` gives the
 * head, then each `fetch.read(id)` pulls the next chunk (null at the end), so the host
 * holds at most one chunk per request while the guest reads.
 */
import type { NetworkAccessRequest, NetworkAdapter, NetworkBody, NetworkOp } from "../../driver/types.js";
import * as arg from "../../runtime/bridge/decoders.js";
import type { Decoder } from "../../runtime/bridge/decoders.js";
import { defineOp, type Granted, type Op, type OpContext, type PermissionRequest } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { BAD_VALUE, headerList, TOKEN } from "../_host/http-decoders.js";
import { networkErrorRecord } from "./net-errors.js";
import { READ_CHUNK_BYTES, requestTable, Upload, type OpenRequest, type ResponseHead } from "./requests.js";

/** Requests one exec may have open at once when the adapter does not say. */
const DEFAULT_MAX_CONCURRENT = 16;

// ---------------------------------------------------------------------------
// Decoders and permission requests
// ---------------------------------------------------------------------------

const method: Decoder<string> = (cx, h, name) => {
  const m = arg.string(cx, h, name);
  if (m.length > 64 || !TOKEN.test(m)) throw OpError.node("ERR_INVALID_HTTP_TOKEN", `Method must be a valid HTTP token ["${m.slice(0, 64)}"]`);
  return m;
};

const id = arg.integer;
// Declared apart: a generic decoder call inside `args` defeats defineOp's type inference.
const optionalBytes = arg.optional(arg.bytes);
const family = arg.oneOf("0", "4", "6");

/** The request the gate checks: the URL as the host parsed it, never the guest's text. */
function networkRequest(op: NetworkOp, rawUrl: string, verb: string): PermissionRequest {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw OpError.node("ERR_INVALID_URL", "Invalid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw OpError.node("ERR_INVALID_PROTOCOL", `Protocol "${url.protocol}" not supported. Expected "http:" or "https:"`);
  }
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { kind: "network", request: { op, url: url.href, method: verb, hostname, port } };
}

function grantedNetwork(granted: Granted): NetworkAccessRequest {
  const r = granted.requests[0];
  if (!r || r.kind !== "network") throw new Error("op has no network request");
  return r.request;
}

function adapterOf(cx: OpContext): NetworkAdapter {
  const adapter = cx.driver.networkAdapter;
  if (!adapter) {
    throw OpError.node(
      "ERR_SANDBOX_NETWORK_UNAVAILABLE",
      "network access is not configured for this sandbox: pass networkAdapter or useDefaultNetwork: true to createNodeDriver",
    );
  }
  return adapter;
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

function toRecord(headers: [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${v}` : v;
  }
  return out;
}

function toMulti(headers: [string, string][]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    const prev = out[key];
    out[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function flatHeaders(record: Record<string, string | string[]>): string[] {
  const flat: string[] = [];
  for (const [k, v] of Object.entries(record)) for (const item of Array.isArray(v) ? v : [v]) flat.push(k, String(item));
  return flat;
}

function bodyIterator(body: NetworkBody): AsyncIterator<Uint8Array> {
  if (body instanceof Uint8Array) {
    return (async function* () {
      if (body.byteLength > 0) yield body;
    })();
  }
  return body[Symbol.asyncIterator]();
}

function head(status: number, statusText: string, url: string, rawHeaders: string[]): ResponseHead {
  let location: string | null = null;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== "location") continue;
    try {
      location = new URL(rawHeaders[i + 1]!, url).href;
    } catch {
      location = null;
    }
    break;
  }
  return { status, statusText, url, rawHeaders: rawHeaders.map(String), location };
}

function start(kind: "fetch" | "http") {
  return defineOp({
    name: `${kind}.start`,
    // url, method, headers, whole body (or undefined), whether the body follows in writes
    args: [arg.string, method, headerList, optionalBytes, arg.boolean],
    permission: ([url, verb]) => [networkRequest(kind, url, verb.toUpperCase())],
    async: async (cx, [, verb, headers, body, streaming], granted) => {
      const adapter = adapterOf(cx);
      const { url, hostname = "", port } = grantedNetwork(granted);
      const table = requestTable(cx.exec);
      const limit = adapter.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT;
      if (table.size >= limit) {
        throw OpError.node("ERR_SANDBOX_NETWORK_LIMIT", `too many network requests open at once (the limit is ${limit} per sandbox run)`);
      }
      const controller = new AbortController();
      const upload = streaming ? new Upload() : undefined;
      const sent: NetworkBody | undefined = upload ?? body;
      const common = { url: url!, method: verb, signal: controller.signal, ...(sent !== undefined ? { body: sent } : {}) };
      const entry: OpenRequest = { controller, upload, body: undefined, leftover: undefined, reading: false, response: Promise.resolve(undefined as never) };
      entry.response = (async (): Promise<ResponseHead> => {
        try {
          if (kind === "http" && adapter.httpRequest) {
            const r = await adapter.httpRequest({ ...common, headers: toMulti(headers) });
            entry.body = bodyIterator(r.body);
            return head(r.status, r.statusText, url!, r.rawHeaders ?? flatHeaders(r.headers));
          }
          const r = await adapter.fetch({ ...common, headers: toRecord(headers) });
          entry.body = bodyIterator(r.body);
          return head(r.status, r.statusText, r.url || url!, r.rawHeaders ?? flatHeaders(r.headers));
        } catch (error) {
          upload?.fail(error);
          throw new OpError(networkErrorRecord(error, hostname, port));
        }
      })();
      // Observed here so an exec that never asks for the response leaves no unhandled rejection.
      entry.response.catch(() => {});
      return table.add(entry);
    },
  });
}

/** The response head: status, status text, final URL and header lines. */
const response = defineOp({
  name: "fetch.response",
  args: [id],
  async: async (cx, [requestId]) => {
    const table = requestTable(cx.exec);
    try {
      return await table.get(requestId).response;
    } catch (error) {
      table.close(requestId);
      throw error;
    }
  },
});

/** The next chunk of the response body as bytes, or null at its end. */
const read = defineOp({
  name: "fetch.read",
  args: [id],
  async: async (cx, [requestId]) => {
    const table = requestTable(cx.exec);
    const entry = table.get(requestId);
    if (entry.reading) throw OpError.node("ERR_INVALID_STATE", "a read of this response is already in progress");
    const head = await entry.response;
    entry.reading = true;
    try {
      let chunk = entry.leftover;
      entry.leftover = undefined;
      if (!chunk) {
        const next = await entry.body!.next();
        if (next.done) {
          table.close(requestId);
          return null;
        }
        chunk = next.value;
      }
      if (chunk.byteLength > READ_CHUNK_BYTES) {
        entry.leftover = chunk.subarray(READ_CHUNK_BYTES);
        chunk = chunk.subarray(0, READ_CHUNK_BYTES);
      }
      return chunk;
    } catch (error) {
      table.close(requestId, error);
      const url = new URL(head.url);
      throw new OpError(networkErrorRecord(error, url.hostname, url.port ? Number(url.port) : undefined, "read"));
    } finally {
      entry.reading = false;
    }
  },
});

/** One chunk of a streamed request body; resolves when the adapter has taken it. */
const write = defineOp({
  name: "fetch.write",
  args: [id, arg.bytes],
  async: async (cx, [requestId, bytes]) => {
    const entry = requestTable(cx.exec).get(requestId);
    if (!entry.upload) throw OpError.node("ERR_INVALID_STATE", "this request's body was sent whole");
    await entry.upload.write(bytes);
  },
});

const end = defineOp({
  name: "fetch.end",
  args: [id],
  sync: (cx, [requestId]) => {
    requestTable(cx.exec).get(requestId).upload?.end();
  },
});

/** Aborts a request (the guest aborted, or stopped reading): the connection is dropped. */
const cancel = defineOp({
  name: "fetch.cancel",
  args: [id],
  sync: (cx, [requestId]) => {
    requestTable(cx.exec).close(requestId);
  },
});

// ---------------------------------------------------------------------------
// DNS
// ---------------------------------------------------------------------------

const hostname: Decoder<string> = (cx, h, name) => {
  const s = arg.string(cx, h, name);
  if (s.length > 253 || /[\0\s/]/.test(s)) throw OpError.node("ERR_INVALID_ARG_VALUE", `The argument '${name}' is an invalid hostname`);
  return s;
};

const lookup = defineOp({
  name: "dns.lookup",
  args: [hostname, family],
  permission: ([host]) => [{ kind: "network", request: { op: "dns", hostname: host } }],
  async: async (cx, [, wanted], granted) => {
    const adapter = adapterOf(cx);
    if (!adapter.dnsLookup) throw OpError.node("ERR_SANDBOX_NETWORK_UNAVAILABLE", "the sandbox's network adapter does not answer DNS lookups");
    const checked = grantedNetwork(granted).hostname!;
    try {
      const answers = await adapter.dnsLookup(checked, { family: Number(wanted) as 0 | 4 | 6 });
      return answers.map((a) => ({ address: String(a.address), family: a.family === 6 ? 6 : 4 }));
    } catch (error) {
      throw new OpError(networkErrorRecord(error, checked, undefined, "getaddrinfo"));
    }
  },
});

/** The WHATWG URL parser's href for a URL string, or null: the guest has no URL parser of its own. */
const parseUrl = defineOp({
  name: "fetch.parseUrl",
  args: [arg.string],
  local: true,
  sync: (_cx, [input]) => {
    try {
      return new URL(input).href;
    } catch {
      return null;
    }
  },
});

export const fetchOps: Op[] = [parseUrl, start("fetch"), start("http"), response, read, write, end, cancel, lookup];
