/**
 * The default adapter's SSRF defence: which addresses a sandbox may connect to. Only
 * globally routable unicast addresses pass; loopback passes on the ports the host
 * exempted (its own test servers and local services) and nowhere else. Every other range
 * ipaddr.js knows — private, link-local (cloud metadata at 169.254.169.254), unique-local,
 * multicast, unspecified, broadcast, carrier-grade NAT, documentation, 6to4/Teredo/NAT64
 * (which embed an IPv4 address) and the rest of the reserved space — is refused.
 *
 * Addresses are judged after parsing, never as text, so every spelling of an address
 * (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`, `::ffff:127.0.0.1`) meets the same
 * rule: the WHATWG URL parser turns IPv4 shorthands into dotted quads, and ipaddr.js's
 * `process` turns IPv4-mapped IPv6 addresses into the IPv4 address they carry.
 */
import ipaddr from "ipaddr.js";

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** Why an address was refused, or undefined when the sandbox may connect to it. */
export function refusalReason(address: string, port: number, exemptPorts: ReadonlySet<number>): string | undefined {
  if (!ipaddr.isValid(address)) return "it is not an IP address";
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === "unicast") return undefined;
  if (range === "loopback" && exemptPorts.has(port)) return undefined;
  return `${describeRange(range)} addresses are not reachable from the sandbox`;
}

function describeRange(range: string): string {
  switch (range) {
    case "loopback":
      return "loopback";
    case "private":
      return "private-network";
    case "linkLocal":
      return "link-local";
    case "uniqueLocal":
      return "unique-local";
    case "multicast":
      return "multicast";
    case "unspecified":
      return "unspecified";
    default:
      return `reserved (${range})`;
  }
}

/** The address a URL's hostname names directly, or undefined for a domain name. */
export function literalAddress(hostname: string): CheckedAddress | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (ipaddr.IPv6.isValid(bare) && bare.includes(":")) return { address: bare, family: 6 };
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return { address: bare, family: 4 };
  return undefined;
}

/** The URL's port, or the scheme's default. */
export function portOf(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}
