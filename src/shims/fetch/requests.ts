/**
 * The network requests one exec has open: a small table from numbers to host-side
 * exchanges. The guest only ever holds the number; the adapter's promise, the body being
 * uploaded and the response body being read stay here. Every op validates its id against
 * this exec's table, and when the exec ends, whatever is still open is aborted.
 */
import type { ExecState } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";

/** Bytes of request body the host holds for one request before writes must wait. */
const MAX_QUEUED_UPLOAD_BYTES = 1024 * 1024;
/** Largest chunk handed to the guest per read (larger adapter chunks are split). */
export const READ_CHUNK_BYTES = 64 * 1024;

export interface ResponseHead {
  status: number;
  statusText: string;
  url: string;
  rawHeaders: string[];
  /** The Location header resolved against the request URL (null when absent or invalid). */
  location: string | null;
}

/** A streamed request body: the guest's writes, consumed by the adapter as it sends. */
export class Upload implements AsyncIterable<Uint8Array> {
  readonly #chunks: { bytes: Uint8Array; done: () => void }[] = [];
  #queued = 0;
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  /** Resolves once the adapter has taken the chunk (backpressure for the guest). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#ended) throw OpError.node("ERR_STREAM_WRITE_AFTER_END", "write after end");
    if (this.#queued + bytes.byteLength > MAX_QUEUED_UPLOAD_BYTES) {
      throw OpError.node("ERR_SANDBOX_NETWORK_LIMIT", `more than ${MAX_QUEUED_UPLOAD_BYTES} bytes of request body are waiting to be sent; wait for earlier writes`);
    }
    this.#queued += bytes.byteLength;
    return new Promise<void>((done) => {
      this.#chunks.push({ bytes, done });
      this.#poke();
    });
  }

  end(): void {
    this.#ended = true;
    this.#poke();
  }

  fail(error: unknown): void {
    this.#error = error;
    this.#ended = true;
    for (const c of this.#chunks.splice(0)) c.done();
    this.#poke();
  }

  #poke(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const next = this.#chunks.shift();
      if (next) {
        this.#queued -= next.bytes.byteLength;
        next.done();
        yield next.bytes;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((wake) => (this.#wake = wake));
    }
  }
}

export interface OpenRequest {
  readonly controller: AbortController;
  readonly upload: Upload | undefined;
  /** Settles with the head once the adapter answered; the body iterator is kept below. */
  response: Promise<ResponseHead>;
  body: AsyncIterator<Uint8Array> | undefined;
  /** The rest of a chunk larger than READ_CHUNK_BYTES. */
  leftover: Uint8Array | undefined;
  reading: boolean;
}

export class RequestTable {
  readonly #open = new Map<number, OpenRequest>();
  #next = 1;

  get size(): number {
    return this.#open.size;
  }

  add(request: OpenRequest): number {
    const id = this.#next++;
    this.#open.set(id, request);
    return id;
  }

  get(id: number): OpenRequest {
    const r = this.#open.get(id);
    if (!r) throw OpError.node("ERR_INVALID_ARG_VALUE", `no open network request with id ${id}`);
    return r;
  }

  /** Forgets a request and aborts whatever of it is still running. */
  close(id: number, reason?: unknown): void {
    const r = this.#open.get(id);
    if (!r) return;
    this.#open.delete(id);
    release(r, reason);
  }

  closeAll(): void {
    for (const id of [...this.#open.keys()]) this.close(id);
  }
}

function release(r: OpenRequest, reason?: unknown): void {
  r.upload?.fail(reason ?? new Error("request closed"));
  if (!r.controller.signal.aborted) r.controller.abort(reason);
  // Ends the adapter's body iterator (undici's socket is destroyed by the abort too).
  void r.body?.return?.()?.catch?.(() => {});
}

const tables = new WeakMap<ExecState, RequestTable>();

export function requestTable(exec: ExecState): RequestTable {
  let table = tables.get(exec);
  if (!table) {
    const created = new RequestTable();
    table = created;
    tables.set(exec, created);
    exec.onEnd(() => created.closeAll());
  }
  return table;
}
