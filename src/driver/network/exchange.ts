/**
 * One HTTP exchange with a server whose address was already checked. A fresh undici
 * Client is made per exchange and its socket is opened to that address only: the
 * connector's `lookup` answers with the checked address and never asks DNS, so a name
 * that resolves differently the second time (DNS rebinding) cannot move the connection.
 * TLS still verifies the certificate against the URL's hostname (SNI and checks use it).
 */
import type { Client as UndiciClient, Dispatcher } from "undici";
import type { NetworkBody } from "../types.js";
import { ChunkQueue } from "./chunk-queue.js";
import type { CheckedAddress } from "./ssrf.js";

export interface TlsOptions {
  /** Extra trusted certificates (PEM), e.g. a test CA. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** false accepts any certificate: for tests only. */
  rejectUnauthorized?: boolean;
}

export interface ExchangeRequest {
  url: URL;
  target: CheckedAddress;
  method: string;
  /** Flat `[name, value, ...]` list, so repeated headers survive. */
  headers: string[];
  body?: NetworkBody;
  signal?: AbortSignal;
  timeoutMs: number;
  maxResponseBytes: number;
  tls?: TlsOptions;
}

export interface ExchangeResponse {
  status: number;
  statusText: string;
  rawHeaders: string[];
  body: AsyncIterable<Uint8Array>;
}

/** Thrown when a response body grows past the adapter's limit. */
export class ResponseTooLargeError extends Error {
  readonly code = "ERR_SANDBOX_RESPONSE_TOO_LARGE";
  constructor(limit: number) {
    super(`the response body is larger than the network limit of ${limit} bytes`);
  }
}

type ClientClass = typeof import("undici").Client;
let undiciClient: Promise<ClientClass> | undefined;
/**
 * undici's Client loads on the first request: hosts that never use the network never pay
 * for it. Only the Client module is loaded, never undici's index: importing the index
 * installs undici's global dispatcher on the host's `globalThis` (a non-configurable
 * symbol that the host's own `fetch` then uses), and quicksand changes no host global.
 */
function loadClient(): Promise<ClientClass> {
  return (undiciClient ??= import("undici/lib/dispatcher/client.js").then((m: { default: ClientClass }) => m.default));
}

type LookupCallback = (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;

function pinnedLookup(target: CheckedAddress) {
  return (_hostname: string, options: { all?: boolean } | number, callback: LookupCallback) => {
    if (typeof options === "object" && options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

export async function exchange(req: ExchangeRequest): Promise<ExchangeResponse> {
  const Client = await loadClient();
  req.signal?.throwIfAborted();
  const client: UndiciClient = new Client(req.url.origin, {
    connect: { ...req.tls, lookup: pinnedLookup(req.target), timeout: req.timeoutMs } as never,
    headersTimeout: req.timeoutMs,
    bodyTimeout: req.timeoutMs,
    pipelining: 1,
  });
  const queue = new ChunkQueue();
  let abortRequest: ((reason?: Error) => void) | undefined;
  let received = 0;
  let settled = false;
  const onAbort = () => {
    const reason = req.signal?.reason instanceof Error ? req.signal.reason : new Error("aborted");
    if (abortRequest) abortRequest(reason);
    else void client.destroy(reason).catch(() => {});
  };
  req.signal?.addEventListener("abort", onAbort, { once: true });
  const release = (error?: Error) => {
    req.signal?.removeEventListener("abort", onAbort);
    void (error ? client.destroy(error) : client.close()).catch(() => {});
  };

  return new Promise<ExchangeResponse>((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort) {
        abortRequest = abort as (reason?: Error) => void;
      },
      onHeaders(status, rawHeaders, resume, statusText) {
        const names: string[] = [];
        for (const item of rawHeaders ?? []) names.push(item.toString("latin1"));
        queue.onDrain = resume;
        settled = true;
        resolve({ status, statusText: statusText ?? "", rawHeaders: names, body: queue });
        return true;
      },
      onData(chunk) {
        received += chunk.byteLength;
        if (received > req.maxResponseBytes) {
          const error = new ResponseTooLargeError(req.maxResponseBytes);
          queue.fail(error);
          abortRequest?.(error);
          return false;
        }
        return queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      },
      onComplete() {
        queue.end();
        release();
      },
      onError(error) {
        if (!settled) {
          settled = true;
          reject(error);
        } else {
          queue.fail(error);
        }
        release(error);
      },
    };
    try {
      client.dispatch(
        {
          origin: req.url.origin,
          path: req.url.pathname + req.url.search,
          method: req.method,
          headers: req.headers,
          body: (req.body ?? null) as never,
        },
        handler,
      );
    } catch (error) {
      settled = true;
      reject(error);
      release(error as Error);
    }
  });
}
