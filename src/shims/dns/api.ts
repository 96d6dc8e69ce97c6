/**
 * The shared core of `dns` and `dns/promises`: lookups go through the host's `dns.lookup`
 * op (the `network` permission with `op: "dns"`, then the adapter's resolver). An IP
 * literal answers itself without a query, as in Node.
 */
import { callOpAsync } from "../_lib/host.js";
import { invalidArgType, nodeError } from "../_lib/errors.js";

export interface LookupAddress {
  address: string;
  family: 4 | 6;
}

export interface LookupOptions {
  family: 0 | 4 | 6;
  all: boolean;
  order: "verbatim" | "ipv4first" | "ipv6first";
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function ipFamily(s: string): 0 | 4 | 6 {
  if (IPV4.test(s)) return 4;
  if (s.includes(":") && /^[0-9a-fA-F:.]+(%.+)?$/.test(s)) return 6;
  return 0;
}

export function lookupOptions(options: unknown): LookupOptions {
  if (options === undefined || options === null) return { family: 0, all: false, order: "verbatim" };
  if (typeof options === "number") {
    if (options !== 0 && options !== 4 && options !== 6) {
      throw nodeError("ERR_INVALID_ARG_VALUE", `The argument 'family' must be one of: 0, 4, 6. Received ${options}`);
    }
    return { family: options, all: false, order: "verbatim" };
  }
  if (typeof options !== "object") throw invalidArgType("options", "of type object", options);
  const o = options as { family?: unknown; all?: unknown; verbatim?: unknown; order?: unknown };
  let family: 0 | 4 | 6 = 0;
  if (o.family !== undefined) {
    if (o.family === "IPv4") family = 4;
    else if (o.family === "IPv6") family = 6;
    else if (o.family === 0 || o.family === 4 || o.family === 6) family = o.family;
    else throw nodeError("ERR_INVALID_ARG_VALUE", `The property 'options.family' must be one of: 0, 4, 6. Received ${String(o.family)}`);
  }
  if (o.all !== undefined && typeof o.all !== "boolean") throw invalidArgType("options.all", "of type boolean", o.all);
  const order = o.order === "ipv4first" || o.order === "ipv6first" ? o.order : o.verbatim === false ? "ipv4first" : "verbatim";
  return { family, all: o.all === true, order };
}

function withHostname(e: unknown, hostname: string, syscall?: string): unknown {
  if (e && typeof e === "object" && "code" in e) {
    const err = e as unknown as Error & Record<string, unknown>;
    if (syscall && err.syscall === "getaddrinfo") {
      err.syscall = syscall;
      err.message = err.message.replace(/^getaddrinfo/, syscall);
    }
    if (err.code === "ENOTFOUND" || err.code === "EAI_AGAIN" || err.code === "ENODATA") err.hostname = hostname;
  }
  return e;
}

export async function lookupAll(hostname: string, o: LookupOptions, syscall?: string): Promise<LookupAddress[]> {
  const literal = ipFamily(hostname);
  if (literal !== 0) {
    if (o.family !== 0 && o.family !== literal) return [];
    return [{ address: hostname, family: literal }];
  }
  let answers: LookupAddress[];
  try {
    answers = (await callOpAsync("dns.lookup", hostname, String(o.family))) as LookupAddress[];
  } catch (e) {
    throw withHostname(e, hostname, syscall);
  }
  if (o.order === "ipv4first") answers = [...answers.filter((a) => a.family === 4), ...answers.filter((a) => a.family === 6)];
  if (o.order === "ipv6first") answers = [...answers.filter((a) => a.family === 6), ...answers.filter((a) => a.family === 4)];
  return answers;
}

export function validateHostname(hostname: unknown): asserts hostname is string {
  if (typeof hostname !== "string") throw invalidArgType("hostname", "of type string", hostname);
}

function notFound(hostname: string, syscall: string): Error {
  const e = new Error(`${syscall} ENOTFOUND ${hostname}`) as Error & Record<string, unknown>;
  e.errno = undefined;
  e.code = "ENOTFOUND";
  e.syscall = syscall;
  e.hostname = hostname;
  return e;
}

/** resolve4/resolve6: the addresses of one family, answered through the adapter's lookup. */
export async function resolveFamily(hostname: string, family: 4 | 6): Promise<string[]> {
  validateHostname(hostname);
  const syscall = family === 4 ? "queryA" : "queryAaaa";
  const answers = await lookupAll(hostname, { family, all: true, order: "verbatim" }, syscall);
  if (answers.length === 0) throw notFound(hostname, syscall);
  return answers.map((a) => a.address);
}

export async function resolveRecords(hostname: unknown, rrtype: unknown = "A"): Promise<string[]> {
  validateHostname(hostname);
  if (typeof rrtype !== "string") throw invalidArgType("rrtype", "of type string", rrtype);
  if (rrtype === "A") return resolveFamily(hostname, 4);
  if (rrtype === "AAAA") return resolveFamily(hostname, 6);
  const known = ["ANY", "CAA", "CNAME", "MX", "NAPTR", "NS", "PTR", "SOA", "SRV", "TXT"];
  if (known.includes(rrtype)) {
    throw nodeError("ERR_SANDBOX_NOT_SUPPORTED", `dns.resolve with rrtype '${rrtype}' is not supported in the quicksand sandbox (A and AAAA are)`);
  }
  throw nodeError("ERR_INVALID_ARG_VALUE", `The argument 'rrtype' is invalid. Received '${rrtype}'`);
}

export const constants = {
  ADDRCONFIG: 1024,
  ALL: 256,
  V4MAPPED: 2048,
  NODATA: "ENODATA",
  FORMERR: "EFORMERR",
  SERVFAIL: "ESERVFAIL",
  NOTFOUND: "ENOTFOUND",
  NOTIMP: "ENOTIMP",
  REFUSED: "EREFUSED",
  BADQUERY: "EBADQUERY",
  BADNAME: "EBADNAME",
  BADFAMILY: "EBADFAMILY",
  BADRESP: "EBADRESP",
  CONNREFUSED: "ECONNREFUSED",
  TIMEOUT: "ETIMEOUT",
  EOF: "EOF",
  FILE: "EFILE",
  NOMEM: "ENOMEM",
  DESTRUCTION: "EDESTRUCTION",
  BADSTR: "EBADSTR",
  BADFLAGS: "EBADFLAGS",
  NONAME: "ENONAME",
  BADHINTS: "EBADHINTS",
  NOTINITIALIZED: "ENOTINITIALIZED",
  LOADIPHLPAPI: "ELOADIPHLPAPI",
  ADDRGETNETWORKPARAMS: "EADDRGETNETWORKPARAMS",
  CANCELLED: "ECANCELLED",
};
