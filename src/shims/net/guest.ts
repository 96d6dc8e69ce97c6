/**
 * `net`: raw TCP sockets are not available in the sandbox (HTTP goes through fetch and
 * http/https, which the host checks request by request). The address helpers work.
 */
import { notSupported } from "../_lib/errors.js";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isIPv4 = (s: unknown) => typeof s === "string" && IPV4.test(s);
const isIPv6 = (s: unknown) => typeof s === "string" && s.includes(":") && /^[0-9a-fA-F:.]+(%[\w.-]+)?$/.test(s) && (s.match(/::/g) ?? []).length <= 1;
const fail = (what: string) => () => {
  throw notSupported(`${what} (raw sockets)`);
};

export default {
  isIP: (s: unknown) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0),
  isIPv4,
  isIPv6,
  connect: fail("net.connect()"),
  createConnection: fail("net.createConnection()"),
  createServer: fail("net.createServer()"),
  Socket: fail("net.Socket"),
  Server: fail("net.Server"),
};
