/**
 * Turns what a network adapter threw into the error record a guest sees, in Node's
 * shapes: `connect ECONNREFUSED host:port`, `getaddrinfo ENOTFOUND host`, undici's
 * `UND_ERR_*` timeouts, the SSRF defence's `ERR_SANDBOX_NETWORK_BLOCKED`. Only codes and
 * messages quicksand wrote cross; anything else becomes a generic failure, so a custom
 * adapter's error text (which might describe the host) never reaches the guest.
 */
import { constants } from "node:os";
import { OpError, type OpErrorRecord } from "../../runtime/bridge/op-error.js";

const errnos = constants.errno as Record<string, number>;

const UNDICI_MESSAGES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: "Connect Timeout Error",
  UND_ERR_HEADERS_TIMEOUT: "Headers Timeout Error",
  UND_ERR_BODY_TIMEOUT: "Body Timeout Error",
  UND_ERR_SOCKET: "other side closed",
  UND_ERR_RESPONSE_STATUS_CODE: "Response status code error",
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: "Request body length does not match content-length header",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "Response body length does not match content-length header",
  UND_ERR_INVALID_ARG: "invalid request argument",
  UND_ERR_NOT_SUPPORTED: "not supported",
  UND_ERR_CLOSED: "The client is closed",
  UND_ERR_DESTROYED: "The client is destroyed",
  UND_ERR_INFO: "request reset",
};

/** Errors whose messages quicksand itself wrote and may pass through as they are. */
const OWN_CODES = new Set(["ERR_SANDBOX_NETWORK_BLOCKED", "ERR_SANDBOX_RESPONSE_TOO_LARGE", "ERR_SANDBOX_NETWORK_LIMIT"]);

export function networkErrorRecord(err: unknown, hostname: string, port: number | undefined, syscall = "connect"): OpErrorRecord {
  if (err instanceof OpError) return err.record;
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (e?.name === "AbortError" || code === "ABORT_ERR" || code === "UND_ERR_ABORTED") {
    return { code: "ABORT_ERR", message: "The operation was aborted" };
  }
  if (code && OWN_CODES.has(code)) return { code, message: String(e?.message ?? code) };
  if (code && UNDICI_MESSAGES[code]) return { code, message: UNDICI_MESSAGES[code]! };
  if (code && /^(CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/.test(code)) {
    return { code, message: `TLS certificate verification failed for ${hostname} (${code})` };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ENODATA") {
    return { code, errno: code === "ENOTFOUND" ? -3008 : code === "EAI_AGAIN" ? -3001 : -3007, syscall: "getaddrinfo", message: `getaddrinfo ${code} ${hostname}` };
  }
  if (code && /^E[A-Z0-9]+$/.test(code) && errnos[code] !== undefined) {
    const where = port === undefined ? hostname : `${hostname}:${port}`;
    return { code, errno: -errnos[code]!, syscall, message: `${syscall} ${code} ${where}` };
  }
  if (code && /^ERR_[A-Z0-9_]+$/.test(code)) return { code, message: code };
  return { code: "ERR_SANDBOX_HOST_FAILURE", message: "the network request failed on the host" };
}
