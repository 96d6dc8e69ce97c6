/**
 * `dns`: `lookup` and `resolve4`/`resolve6`/`resolve` (A, AAAA) with Node's callback
 * shapes, through the sandbox's network adapter. Every query passes the `network`
 * permission (`op: "dns"`). Other record types fail with ERR_SANDBOX_NOT_SUPPORTED.
 */
import { invalidArgType, notSupported } from "../_lib/errors.js";
import { requireBuiltin } from "../module/guest.js";
import { constants, lookupAll, lookupOptions, resolveFamily, resolveRecords, validateHostname } from "./api.js";

type Callback = (err: unknown, ...results: unknown[]) => void;

function later(fn: () => void): void {
  const p = (globalThis as { process?: { nextTick(f: () => void): void } }).process;
  if (p) p.nextTick(fn);
  else void Promise.resolve().then(fn);
}

function validateCallback(cb: unknown): asserts cb is Callback {
  if (typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
}

function lookup(hostname: unknown, options: unknown, callback?: unknown): void {
  if (typeof options === "function") {
    callback = options;
    options = undefined;
  }
  validateHostname(hostname);
  validateCallback(callback);
  const o = lookupOptions(options);
  lookupAll(hostname, o).then(
    (answers) => {
      if (o.all) return callback(null, answers);
      const first = answers[0];
      if (!first) {
        const e = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as Error & Record<string, unknown>;
        Object.assign(e, { errno: -3008, code: "ENOTFOUND", syscall: "getaddrinfo", hostname });
        return callback(e);
      }
      callback(null, first.address, first.family);
    },
    (err) => callback(err),
  );
}

function callbackify(run: (hostname: string, ...rest: unknown[]) => Promise<unknown>) {
  return (hostname: unknown, ...args: unknown[]) => {
    const callback = args.pop();
    validateCallback(callback);
    validateHostname(hostname);
    run(hostname, ...args).then(
      (v) => later(() => callback(null, v)),
      (e) => later(() => callback(e)),
    );
  };
}

const unsupported = (name: string) => () => {
  throw notSupported(`dns.${name}()`);
};

const dns = {
  lookup,
  resolve: callbackify((h, rrtype) => resolveRecords(h, rrtype)),
  resolve4: callbackify((h) => resolveFamily(h, 4)),
  resolve6: callbackify((h) => resolveFamily(h, 6)),
  resolveAny: unsupported("resolveAny"),
  resolveCname: unsupported("resolveCname"),
  resolveMx: unsupported("resolveMx"),
  resolveNs: unsupported("resolveNs"),
  resolveTxt: unsupported("resolveTxt"),
  resolveSrv: unsupported("resolveSrv"),
  reverse: unsupported("reverse"),
  lookupService: unsupported("lookupService"),
  getServers: () => [] as string[],
  setServers: unsupported("setServers"),
  setDefaultResultOrder: () => {},
  getDefaultResultOrder: () => "verbatim",
  ...constants,
  get promises(): unknown {
    return requireBuiltin("dns/promises");
  },
};

export default dns;
