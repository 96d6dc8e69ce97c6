/**
 * The global `fetch`, `Request` and `Response`, after the WHATWG Fetch standard as Node's
 * fetch (undici) implements it. Every hop goes through the host's `fetch.start` op, which
 * checks the `network` permission (and the default adapter's SSRF rules) first; redirects
 * are followed here, hop by hop, so each new URL is a new, newly checked request.
 *
 * Response bodies are pulled from the host one chunk at a time (`fetch.read`). `body` is a
 * web ReadableStream when the sandbox has one; otherwise it is a BodyStream: an async
 * iterable of Uint8Array chunks with a `getReader()` reader.
 */
import { callOp, callOpAsync, toArrayBuffer } from "../_lib/host.js";
import { invalidArgType } from "../_lib/errors.js";
import { utf8Decode, utf8Encode } from "../_lib/encoding.js";
import { Headers, headerList, isHeaders, setGuard } from "./headers.js";
import type { AbortSignal } from "../_lib/abort.js";
import { concat, encodeMultipart, FormData, isFormData, parseFormBody } from "./form-data.js";

export { Headers, FormData };

const customInspect = Symbol.for("nodejs.util.inspect.custom");
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const MAX_REDIRECTS = 20;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

type Source =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "stream"; chunks: AsyncIterable<unknown> }
  | { kind: "remote"; id: number; signal: AbortSignal | null };

interface BodyState {
  source: Source | null;
  used: boolean;
  stream: unknown;
  contentType: string | null;
}

const bodies = new WeakMap<object, BodyState>();

function bodyOf(o: unknown): BodyState {
  const b = bodies.get(o as object);
  if (!b) throw new TypeError("Illegal invocation");
  return b;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

function globalCtor(name: string): (abstract new (...a: never[]) => object) | undefined {
  const c = (globalThis as Record<string, unknown>)[name];
  return typeof c === "function" ? (c as abstract new (...a: never[]) => object) : undefined;
}

function isInstance(v: unknown, name: string): boolean {
  const C = globalCtor(name);
  return C !== undefined && v instanceof C;
}

function copyBytes(v: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer);
}

type Extracted = { source: Source; type: string | null };

/**
 * The body and default Content-Type of a BodyInit, as the standard's "extract" does. Only
 * a Blob (or a FormData holding files) must be read first, so only then is it a promise.
 */
function extract(body: unknown): Extracted | Promise<Extracted> {
  const bytes = (b: Uint8Array, type: string | null): Extracted => ({ source: { kind: "bytes", bytes: b }, type });
  if (typeof body === "string") return bytes(utf8Encode(body), "text/plain;charset=UTF-8");
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return bytes(copyBytes(body), null);
  if (isFormData(body)) {
    const encoded = encodeMultipart(body);
    const done = (e: { bytes: Uint8Array; boundary: string }) => bytes(e.bytes, `multipart/form-data; boundary=${e.boundary}`);
    return encoded instanceof Promise ? encoded.then(done) : done(encoded);
  }
  if (isInstance(body, "URLSearchParams")) return bytes(utf8Encode(String(body)), "application/x-www-form-urlencoded;charset=UTF-8");
  if (isInstance(body, "Blob")) {
    const blob = body as { type: string; arrayBuffer(): Promise<ArrayBuffer> };
    return blob.arrayBuffer().then((b) => bytes(new Uint8Array(b), blob.type || null));
  }
  if (isAsyncIterable(body)) return { source: { kind: "stream", chunks: body }, type: null };
  return bytes(utf8Encode(String(body)), "text/plain;charset=UTF-8");
}

function toChunk(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return copyBytes(value);
  if (typeof value === "string") return utf8Encode(value);
  throw new TypeError("Received non-Uint8Array chunk");
}

async function* readRemote(id: number, signal: AbortSignal | null): AsyncGenerator<Uint8Array> {
  try {
    for (;;) {
      const chunk = (await callOpAsync("fetch.read", id)) as ArrayBuffer | null;
      if (chunk === null) return;
      yield new Uint8Array(chunk);
    }
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError("terminated", { cause: e });
  } finally {
    callOp("fetch.cancel", id);
  }
}

async function* chunksOf(source: Source): AsyncGenerator<Uint8Array> {
  if (source.kind === "bytes") {
    if (source.bytes.byteLength > 0) yield source.bytes;
  } else if (source.kind === "stream") {
    for await (const c of source.chunks) yield toChunk(c);
  } else {
    yield* readRemote(source.id, source.signal);
  }
}

/**
 * The body as a stream when no web ReadableStream exists in the sandbox: an async
 * iterable of Uint8Array chunks, with a reader in the shape of ReadableStreamDefaultReader.
 */
export class BodyStream {
  #it: AsyncIterator<Uint8Array>;
  #locked = false;
  #onRead: () => void;
  constructor(it: AsyncIterator<Uint8Array>, onRead: () => void) {
    this.#it = it;
    this.#onRead = onRead;
  }
  get locked(): boolean {
    return this.#locked;
  }
  getReader(): { read(): Promise<{ done: boolean; value: Uint8Array | undefined }>; releaseLock(): void; cancel(reason?: unknown): Promise<void> } {
    if (this.#locked) throw new TypeError("ReadableStream is locked");
    this.#locked = true;
    return {
      read: async () => {
        this.#onRead();
        const r = await this.#it.next();
        return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
      },
      releaseLock: () => {
        this.#locked = false;
      },
      cancel: async () => {
        await this.#it.return?.();
      },
    };
  }
  async cancel(): Promise<void> {
    await this.#it.return?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    if (this.#locked) throw new TypeError("ReadableStream is locked");
    this.#locked = true;
    try {
      for (;;) {
        this.#onRead();
        const r = await this.#it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await this.#it.return?.();
    }
  }
}

function streamOf(state: BodyState): unknown {
  if (state.source === null) return null;
  if (state.stream !== undefined) return state.stream;
  const source = state.source;
  const it = chunksOf(source);
  const markRead = () => {
    state.used = true;
  };
  const RS = globalCtor("ReadableStream") as (new (src: object) => object) | undefined;
  state.stream = RS
    ? new RS({
        async pull(controller: { enqueue(c: Uint8Array): void; close(): void }) {
          markRead();
          const r = await it.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        },
        async cancel() {
          await it.return?.(undefined);
        },
      })
    : new BodyStream(it, markRead);
  return state.stream;
}

async function consume(state: BodyState): Promise<Uint8Array> {
  if (state.used) throw new TypeError("Body is unusable: Body has already been read");
  if (state.stream !== undefined && (state.stream as { locked?: boolean }).locked) throw new TypeError("Body is unusable: Body has already been read");
  state.used = true;
  if (state.source === null) return new Uint8Array(0);
  if (state.source.kind === "bytes") return state.source.bytes.slice();
  const parts: Uint8Array[] = [];
  for await (const c of chunksOf(state.source)) parts.push(c);
  return concat(parts);
}

/** Two readers of one source: each branch queues what the other has read ahead. */
function tee(source: Source): [Source, Source] {
  if (source.kind === "bytes") return [source, { kind: "bytes", bytes: source.bytes }];
  const it = chunksOf(source);
  const queues: Uint8Array[][] = [[], []];
  let done = false;
  let failure: unknown;
  let pending: Promise<void> | undefined;
  const pullOnce = () =>
    (pending ??= it.next().then(
      (r) => {
        pending = undefined;
        if (r.done) done = true;
        else for (const q of queues) q.push(r.value);
      },
      (e) => {
        pending = undefined;
        failure = e;
        done = true;
      },
    ));
  const branch = (i: number): Source => ({
    kind: "stream",
    chunks: (async function* () {
      for (;;) {
        const q = queues[i]!;
        if (q.length > 0) {
          yield q.shift()!;
          continue;
        }
        if (done) {
          if (failure !== undefined) throw failure;
          return;
        }
        await pullOnce();
      }
    })(),
  });
  return [branch(0), branch(1)];
}

function mimeOf(state: BodyState, headers: Headers): string {
  return headers.get("content-type") ?? state.contentType ?? "";
}

const bodyMethods = {
  get body(): unknown {
    return streamOf(bodyOf(this));
  },
  get bodyUsed(): boolean {
    return bodyOf(this).used;
  },
  async arrayBuffer(this: object): Promise<ArrayBuffer> {
    return (await consume(bodyOf(this))).buffer as ArrayBuffer;
  },
  async bytes(this: object): Promise<Uint8Array> {
    return consume(bodyOf(this));
  },
  async text(this: object): Promise<string> {
    return utf8Decode(await consume(bodyOf(this)));
  },
  async json(this: object): Promise<unknown> {
    return JSON.parse(utf8Decode(await consume(bodyOf(this))));
  },
  async blob(this: { headers: Headers }): Promise<unknown> {
    const Blob = globalCtor("Blob") as (new (parts: unknown[], o: object) => unknown) | undefined;
    if (!Blob) throw new TypeError("Body.blob() needs a Blob global, which this sandbox does not have; use arrayBuffer()");
    const state = bodyOf(this);
    const type = mimeOf(state, this.headers);
    return new Blob([await consume(state)], { type });
  },
  async formData(this: { headers: Headers }): Promise<FormData> {
    const state = bodyOf(this);
    const type = mimeOf(state, this.headers);
    return parseFormBody(await consume(state), type);
  },
};

function installBody(proto: object): void {
  for (const key of Object.getOwnPropertyNames(bodyMethods)) {
    const d = Object.getOwnPropertyDescriptor(bodyMethods, key)!;
    Object.defineProperty(proto, key, { ...d, enumerable: true, configurable: true });
  }
}

// ---------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------

/** The URL as the host's WHATWG parser normalizes it (the sandbox has no URL parser of its own). */
function parseUrl(input: string): string {
  const href = callOp("fetch.parseUrl", input) as string | null;
  if (href === null) throw new TypeError(`Failed to parse URL from ${input}`);
  return href;
}

function normalizeMethod(m: unknown): string {
  const s = String(m);
  if (!TOKEN.test(s)) throw new TypeError(`'${s}' is not a valid HTTP method.`);
  const upper = s.toUpperCase();
  if (upper === "CONNECT" || upper === "TRACE" || upper === "TRACK") throw new TypeError(`'${s}' HTTP method is unsupported.`);
  return NORMALIZED_METHODS.has(upper) ? upper : s;
}

interface RequestState {
  url: string;
  method: string;
  headers: Headers;
  signal: AbortSignal | null;
  redirect: "follow" | "error" | "manual";
  duplex: string | undefined;
  pendingBody: Promise<void> | undefined;
}
const requests = new WeakMap<object, RequestState>();

function requestOf(r: unknown): RequestState {
  const s = requests.get(r as object);
  if (!s) throw new TypeError("Illegal invocation");
  return s;
}

export class Request {
  constructor(input: unknown, init: Record<string, unknown> = {}) {
    if (arguments.length < 1) throw new TypeError("Request constructor: 1 argument required, but only 0 present.");
    if (init !== undefined && init !== null && typeof init !== "object") throw invalidArgType("init", "of type object", init);
    init ??= {};
    const from = requests.get(input as object);
    const url = from ? from.url : parseUrl(String(input));
    const method = init.method !== undefined ? normalizeMethod(init.method) : (from?.method ?? "GET");
    const redirect = (init.redirect ?? from?.redirect ?? "follow") as RequestState["redirect"];
    if (!["follow", "error", "manual"].includes(redirect)) throw new TypeError(`Request constructor: ${String(redirect)} is not an accepted type. Expected one of follow, manual, error.`);
    const signal = (init.signal !== undefined ? init.signal : from?.signal ?? null) as AbortSignal | null;
    if (signal !== null && !isInstance(signal, "AbortSignal")) throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
    const headers = new Headers(init.headers !== undefined ? init.headers : from?.headers);
    const state: RequestState = { url, method, headers, signal, redirect, duplex: init.duplex as string | undefined, pendingBody: undefined };
    const body: BodyState = { source: null, used: false, stream: undefined, contentType: null };
    const hasInitBody = init.body !== undefined && init.body !== null;
    if ((hasInitBody || (from && bodyOf(input).source)) && (method === "GET" || method === "HEAD")) {
      throw new TypeError("Request with GET/HEAD method cannot have body.");
    }
    if (hasInitBody) {
      const got = extract(init.body);
      const apply = (e: { source: Source; type: string | null }) => {
        body.source = e.source;
        body.contentType = e.type;
        if (e.source.kind === "stream" && state.duplex !== "half") {
          throw new TypeError("RequestInit: duplex option is required when sending a body.");
        }
        if (e.type !== null && !headers.has("content-type")) headers.set("content-type", e.type);
      };
      if (got instanceof Promise) state.pendingBody = got.then(apply);
      else apply(got);
    } else if (from) {
      const fromBody = bodyOf(input);
      if (fromBody.used) throw new TypeError("Cannot construct a Request with a Request object that has already been used.");
      body.source = fromBody.source;
      body.contentType = fromBody.contentType;
      if (fromBody.source) fromBody.used = true;
    }
    requests.set(this, state);
    bodies.set(this, body);
  }
  get url(): string {
    return requestOf(this).url;
  }
  get method(): string {
    return requestOf(this).method;
  }
  get headers(): Headers {
    return requestOf(this).headers;
  }
  get signal(): AbortSignal {
    const s = requestOf(this);
    return (s.signal ??= new (globalThis as unknown as { AbortController: new () => { signal: AbortSignal } }).AbortController().signal);
  }
  get redirect(): string {
    return requestOf(this).redirect;
  }
  get duplex(): string {
    return "half";
  }
  get credentials(): string {
    return "same-origin";
  }
  get mode(): string {
    return "cors";
  }
  get cache(): string {
    return "default";
  }
  clone(): Request {
    const s = requestOf(this);
    const b = bodyOf(this);
    if (b.used) throw new TypeError("Request.clone: Body has already been consumed.");
    const copy = new Request(this.url, { method: s.method, headers: s.headers, redirect: s.redirect, signal: s.signal });
    if (b.source) {
      const [mine, theirs] = tee(b.source);
      b.source = mine;
      b.stream = undefined;
      bodyOf(copy).source = theirs;
      bodyOf(copy).contentType = b.contentType;
    }
    return copy;
  }
  [customInspect](_d: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `Request ${inspect({ method: this.method, url: this.url, headers: this.headers, redirect: this.redirect, bodyUsed: this.bodyUsed }, options)}`;
  }
  declare readonly body: unknown;
  declare readonly bodyUsed: boolean;
  declare arrayBuffer: () => Promise<ArrayBuffer>;
  declare text: () => Promise<string>;
  declare json: () => Promise<unknown>;
}
installBody(Request.prototype);
Object.defineProperty(Request.prototype, Symbol.toStringTag, { value: "Request", configurable: true });

// ---------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------

interface ResponseState {
  type: "default" | "basic" | "error";
  url: string;
  status: number;
  statusText: string;
  headers: Headers;
  redirected: boolean;
}
const responses = new WeakMap<object, ResponseState>();
const kInternal = Symbol("internal");

function responseOf(r: unknown): ResponseState {
  const s = responses.get(r as object);
  if (!s) throw new TypeError("Illegal invocation");
  return s;
}

/** Unread fetched bodies are released on the host once the Response is collected. */
const releaser =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((id) => {
        try {
          callOp("fetch.cancel", id);
        } catch {
          // The exec is ending; the host releases everything then.
        }
      })
    : undefined;

export class Response {
  constructor(body: unknown = null, init: Record<string, unknown> = {}) {
    if (init !== null && typeof init !== "object") throw invalidArgType("init", "of type object", init);
    init ??= {};
    if ((init as { [kInternal]?: unknown })[kInternal]) return;
    const status = init.status === undefined ? 200 : Number(init.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    }
    const statusText = init.statusText === undefined ? "" : String(init.statusText);
    if (/[^\t\x20-\x7e\x80-\xff]/.test(statusText)) throw new TypeError("Invalid statusText");
    const headers = new Headers(init.headers);
    const state: BodyState = { source: null, used: false, stream: undefined, contentType: null };
    if (body !== null && body !== undefined) {
      if (NULL_BODY_STATUSES.has(status)) throw new TypeError("Response constructor: Invalid response status code " + status);
      const got = extract(body);
      if (got instanceof Promise) {
        // A Blob body: its bytes arrive when the body is first read.
        const p = got;
        state.source = { kind: "stream", chunks: (async function* () { yield* chunksOf((await p).source); })() };
        const type = (body as { type?: string }).type;
        if (type && !headers.has("content-type")) headers.set("content-type", type);
      } else {
        state.source = got.source;
        state.contentType = got.type;
        if (got.type !== null && !headers.has("content-type")) headers.set("content-type", got.type);
      }
    }
    responses.set(this, { type: "default", url: "", status, statusText, headers, redirected: false });
    bodies.set(this, state);
  }

  static error(): Response {
    const r = new Response(null, { [kInternal]: true } as never);
    const headers = new Headers();
    setGuard(headers, "immutable");
    responses.set(r, { type: "error", url: "", status: 0, statusText: "", headers, redirected: false });
    bodies.set(r, { source: null, used: false, stream: undefined, contentType: null });
    return r;
  }

  static json(data: unknown, init: Record<string, unknown> = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Value is not JSON serializable");
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new Response(text, { ...init, headers });
  }

  static redirect(url: string, status = 302): Response {
    const href = parseUrl(String(url));
    if (!REDIRECT_STATUSES.has(status)) throw new RangeError(`Invalid status code ${status}`);
    const r = new Response(null, { status, headers: { location: href } });
    setGuard(responseOf(r).headers, "immutable");
    return r;
  }

  get type(): string {
    return responseOf(this).type;
  }
  get url(): string {
    return responseOf(this).url;
  }
  get redirected(): boolean {
    return responseOf(this).redirected;
  }
  get status(): number {
    return responseOf(this).status;
  }
  get ok(): boolean {
    const s = responseOf(this).status;
    return s >= 200 && s <= 299;
  }
  get statusText(): string {
    return responseOf(this).statusText;
  }
  get headers(): Headers {
    return responseOf(this).headers;
  }
  clone(): Response {
    const s = responseOf(this);
    const b = bodyOf(this);
    if (b.used) throw new TypeError("Response.clone: Body has already been consumed.");
    const copy = new Response(null, { [kInternal]: true } as never);
    const headers = new Headers(s.headers);
    if (s.type !== "default") setGuard(headers, "immutable");
    responses.set(copy, { ...s, headers });
    const mine: BodyState = b;
    const theirs: BodyState = { source: null, used: false, stream: undefined, contentType: b.contentType };
    if (b.source) {
      const [x, y] = tee(b.source);
      mine.source = x;
      mine.stream = undefined;
      theirs.source = y;
    }
    bodies.set(copy, theirs);
    return copy;
  }
  [customInspect](_d: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const s = responseOf(this);
    return `Response ${inspect({ status: s.status, statusText: s.statusText, headers: s.headers, body: this.body, bodyUsed: this.bodyUsed, ok: this.ok, redirected: s.redirected, type: s.type, url: s.url }, options)}`;
  }
  declare readonly body: unknown;
  declare readonly bodyUsed: boolean;
  declare arrayBuffer: () => Promise<ArrayBuffer>;
  declare text: () => Promise<string>;
  declare json: () => Promise<unknown>;
}
installBody(Response.prototype);
Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: "Response", configurable: true });

// ---------------------------------------------------------------------------
// fetch
// ---------------------------------------------------------------------------

interface Head {
  status: number;
  statusText: string;
  url: string;
  rawHeaders: string[];
  location: string | null;
}

function failed(cause: unknown): TypeError {
  return new TypeError("fetch failed", { cause });
}

function originOf(href: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)/i.exec(href);
  return m ? (m[1]! + m[2]!).toLowerCase() : href;
}

/** Node's fetch sends these unless the caller set them. */
function withDefaults(list: [string, string][]): [string, string][] {
  const have = new Set(list.map(([k]) => k));
  const out = list.slice();
  const add = (k: string, v: string) => {
    if (!have.has(k)) out.push([k, v]);
  };
  add("accept", "*/*");
  add("accept-language", "*");
  add("sec-fetch-mode", "cors");
  add("user-agent", "node");
  add("accept-encoding", "gzip, deflate");
  return out;
}

async function pump(id: number, chunks: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const c of chunks) {
      const bytes = toChunk(c);
      if (bytes.byteLength > 0) await callOpAsync("fetch.write", id, toArrayBuffer(bytes));
    }
    callOp("fetch.end", id);
  } catch {
    callOp("fetch.cancel", id);
  }
}

export async function fetch(input: unknown, init?: Record<string, unknown>): Promise<Response> {
  if (arguments.length < 1) throw new TypeError("fetch: 1 argument required, but only 0 present.");
  const request = new Request(input, init);
  const rs = requestOf(request);
  if (rs.pendingBody) await rs.pendingBody;
  const signal = rs.signal;
  if (signal?.aborted) throw signal.reason;
  const body = bodyOf(request);
  if (body.used) throw new TypeError("Body is unusable: Body has already been read");
  let source = body.source;
  if (source) body.used = true;
  let url = rs.url;
  let method = rs.method;
  let headers = withDefaults(headerList(rs.headers));
  let redirected = false;

  for (let hops = 0; ; hops++) {
    let bytes: Uint8Array | undefined;
    let streaming = false;
    if (source?.kind === "bytes") bytes = source.bytes;
    else if (source) streaming = true;
    let id: number;
    try {
      id = (await callOpAsync("fetch.start", url, method, JSON.stringify(headers), bytes ? toArrayBuffer(bytes) : undefined, streaming)) as number;
    } catch (e) {
      throw failed(e);
    }
    const onAbort = () => callOp("fetch.cancel", id);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    if (streaming && source) void pump(id, source.kind === "stream" ? source.chunks : chunksOf(source));
    let head: Head;
    try {
      head = (await callOpAsync("fetch.response", id)) as Head;
    } catch (e) {
      signal?.removeEventListener("abort", onAbort);
      if (signal?.aborted) throw signal.reason;
      throw failed(e);
    }
    if (REDIRECT_STATUSES.has(head.status) && head.location !== null && rs.redirect !== "manual") {
      callOp("fetch.cancel", id);
      signal?.removeEventListener("abort", onAbort);
      if (rs.redirect === "error") throw failed(new Error("unexpected redirect"));
      if (hops + 1 > MAX_REDIRECTS) throw failed(new Error("redirect count exceeded"));
      const toGet = (head.status === 303 && method !== "GET" && method !== "HEAD") || ((head.status === 301 || head.status === 302) && method === "POST");
      if (toGet) {
        method = "GET";
        source = null;
        headers = headers.filter(([k]) => !["content-encoding", "content-language", "content-location", "content-type", "content-length"].includes(k));
      } else if (streaming) {
        // A streamed body was consumed by the first hop and cannot be sent again.
        throw failed(new Error("cannot follow a redirect with a streamed request body"));
      }
      if (originOf(head.location) !== originOf(url)) {
        headers = headers.filter(([k]) => k !== "authorization" && k !== "proxy-authorization" && k !== "cookie");
      }
      url = head.location;
      redirected = true;
      continue;
    }
    // The abort listener stays while the body is read: aborting then cancels the read.
    const responseHeaders = new Headers();
    for (let i = 0; i + 1 < head.rawHeaders.length; i += 2) {
      try {
        responseHeaders.append(head.rawHeaders[i]!, head.rawHeaders[i + 1]!);
      } catch {
        // A header a server sent that WHATWG Headers cannot hold is dropped, as undici does.
      }
    }
    setGuard(responseHeaders, "immutable");
    const response = new Response(null, { [kInternal]: true } as never);
    responses.set(response, { type: "basic", url: head.url, status: head.status, statusText: head.statusText, headers: responseHeaders, redirected });
    const nullBody = method === "HEAD" || NULL_BODY_STATUSES.has(head.status);
    if (nullBody) callOp("fetch.cancel", id);
    else releaser?.register(response, id);
    bodies.set(response, { source: nullBody ? null : { kind: "remote", id, signal }, used: false, stream: undefined, contentType: null });
    return response;
  }
}
