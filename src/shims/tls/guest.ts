/** `tls`: raw TLS sockets are not available in the sandbox; use https or fetch. */
import { notSupported } from "../_lib/errors.js";

const fail = (what: string) => () => {
  throw notSupported(`${what} (raw sockets)`);
};

export default {
  connect: fail("tls.connect()"),
  createServer: fail("tls.createServer()"),
  createSecureContext: fail("tls.createSecureContext()"),
  TLSSocket: fail("tls.TLSSocket"),
  Server: fail("tls.Server"),
  DEFAULT_MIN_VERSION: "TLSv1.2",
  DEFAULT_MAX_VERSION: "TLSv1.3",
};
