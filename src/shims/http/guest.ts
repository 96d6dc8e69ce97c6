/**
 * `http`: the client (`request`, `get`, `ClientRequest`, `IncomingMessage`) over the
 * sandbox's network adapter, behind the `network` permission (`op: "http"`), and guest
 * servers (`createServer`, `Server`, `ServerResponse`) served on the host's loopback,
 * behind the same permission (`op: "listen"`). The server code loads on first use.
 */
import { nodeError } from "../_lib/errors.js";
import { clientRequestClass, get, incomingMessageClass, METHODS, request, STATUS_CODES } from "./client.js";
import { lazy } from "../module/guest.js";

const server = lazy<typeof import("./server.js")>("quicksand:internal/http/server");

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const http = {
  METHODS,
  STATUS_CODES,
  maxHeaderSize: 16384,
  request: (input: unknown, options?: unknown, cb?: (...a: any[]) => any) => request("http:", input, options, cb),
  get: (input: unknown, options?: unknown, cb?: (...a: any[]) => any) => get("http:", input, options, cb),
  get ClientRequest() {
    return clientRequestClass("http:");
  },
  get IncomingMessage() {
    return incomingMessageClass();
  },
  createServer: (options?: unknown, requestListener?: (...a: any[]) => any) => server().createServer(options, requestListener),
  get Server() {
    return server().serverClass();
  },
  get ServerResponse() {
    return server().serverResponseClass();
  },
  Agent: class Agent {
    constructor(readonly options: object = {}) {}
    destroy(): void {}
  },
  globalAgent: {},
  validateHeaderName(name: unknown): void {
    if (typeof name !== "string" || !TOKEN.test(name)) throw nodeError("ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${String(name)}"]`);
  },
  validateHeaderValue(name: string, value: unknown): void {
    if (value === undefined) throw nodeError("ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "undefined" for header "${name}"`);
    if (/[\0\r\n]/.test(String(value))) throw nodeError("ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
  },
};

export default http;
