/** `dns/promises`: lookup and resolve4/resolve6/resolve through the sandbox's network adapter. */
import { constants, lookupAll, lookupOptions, resolveFamily, resolveRecords, validateHostname, type LookupAddress } from "../dns/api.js";
import { notSupported } from "../_lib/errors.js";

async function lookup(hostname: unknown, options?: unknown): Promise<LookupAddress | LookupAddress[]> {
  validateHostname(hostname);
  const o = lookupOptions(options);
  const answers = await lookupAll(hostname, o);
  if (o.all) return answers;
  const first = answers[0];
  if (!first) {
    const e = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as Error & Record<string, unknown>;
    Object.assign(e, { errno: -3008, code: "ENOTFOUND", syscall: "getaddrinfo", hostname });
    throw e;
  }
  return first;
}

const unsupported = (name: string) => () => Promise.reject(notSupported(`dns.promises.${name}()`));

export default {
  lookup,
  resolve: resolveRecords,
  resolve4: (hostname: string) => resolveFamily(hostname, 4),
  resolve6: (hostname: string) => resolveFamily(hostname, 6),
  resolveAny: unsupported("resolveAny"),
  resolveCname: unsupported("resolveCname"),
  resolveMx: unsupported("resolveMx"),
  resolveNs: unsupported("resolveNs"),
  resolveTxt: unsupported("resolveTxt"),
  resolveSrv: unsupported("resolveSrv"),
  reverse: unsupported("reverse"),
  lookupService: unsupported("lookupService"),
  getServers: () => [] as string[],
  setServers: () => {
    throw notSupported("dns.promises.setServers()");
  },
  setDefaultResultOrder: () => {},
  getDefaultResultOrder: () => "verbatim",
  ...constants,
};
