/** The built-in network adapter (undici, with the SSRF defence in front). */
export {
  createDefaultNetworkAdapter,
  NetworkBlockedError,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_SERVER_REQUESTS,
  DEFAULT_MAX_SERVER_REQUEST_BODY_BYTES,
} from "./default-adapter.js";
export type { DefaultNetworkAdapterOptions } from "./default-adapter.js";
export type { TlsOptions } from "./exchange.js";
