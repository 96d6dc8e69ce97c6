/** dns and dns/promises through the network adapter, behind the `network` permission (op "dns"). */
import { describe, expect, it } from "vitest";
import { allowAll, createDefaultNetworkAdapter, createNodeDriver, NodeRuntime } from "../../../src/index.js";
import type { NetworkAccessRequest, Permissions } from "../../../src/index.js";

const lookup = async (hostname: string) =>
  hostname === "svc.test"
    ? [
        { address: "203.0.113.7", family: 4 as const },
        { address: "2001:db8::7", family: 6 as const },
      ]
    : [];

async function run(code: string, permissions: Permissions = allowAll, withAdapter = true) {
  const runtime = new NodeRuntime({
    systemDriver: createNodeDriver({ ...(withAdapter ? { networkAdapter: createDefaultNetworkAdapter({ lookup }) } : {}), permissions }),
  });
  try {
    return await runtime.exec(code);
  } finally {
    runtime.dispose();
  }
}

describe("dns", () => {
  it("looks names up with Node's callback and promise shapes", async () => {
    const r = await run(`
      const dns = require("dns");
      dns.lookup("svc.test", (err, address, family) => console.log("cb", err, address, family));
      dns.lookup("svc.test", { all: true }, (err, all) => console.log("all", JSON.stringify(all)));
      dns.lookup("svc.test", 6, (err, address, family) => console.log("v6", address, family));
      dns.resolve4("svc.test", (err, a) => console.log("r4", JSON.stringify(a)));
      require("dns/promises").lookup("svc.test").then((a) => console.log("p", JSON.stringify(a)));
      dns.promises.resolve6("svc.test").then((a) => console.log("r6", JSON.stringify(a)));
      dns.lookup("10.1.2.3", (err, address, family) => console.log("literal", address, family));
    `);
    expect(r.stdout.split("\n").sort().join("\n")).toBe(
      [
        "",
        'all [{"address":"203.0.113.7","family":4},{"address":"2001:db8::7","family":6}]',
        "cb null 203.0.113.7 4",
        "literal 10.1.2.3 4",
        'p {"address":"203.0.113.7","family":4}',
        'r4 ["203.0.113.7"]',
        'r6 ["2001:db8::7"]',
        "v6 2001:db8::7 6",
      ].join("\n"),
    );
  });

  it("reports an unknown name as ENOTFOUND with the hostname", async () => {
    const r = await run(`
      require("dns").lookup("nope.test", (err) => console.log(err.code, err.syscall, err.hostname, err.message));
      require("dns").promises.resolve4("nope.test").catch((err) => console.log(err.code, err.syscall));
    `);
    expect(r.stdout).toBe("ENOTFOUND getaddrinfo nope.test getaddrinfo ENOTFOUND nope.test\nENOTFOUND queryA\n");
  });

  it("asks the network permission with op 'dns' and the hostname", async () => {
    const seen: NetworkAccessRequest[] = [];
    const r = await run(`require("dns").lookup("svc.test", (err) => console.log(err.code, err.message));`, {
      network: (req) => (seen.push(req), { allow: false, reason: "no dns" }),
    });
    expect(seen).toEqual([{ op: "dns", hostname: "svc.test" }]);
    expect(r.stdout).toBe("EACCES EACCES: permission denied, dns 'svc.test' (no dns)\n");
  });

  it("fails clearly without a network adapter, and for unsupported record types", async () => {
    const r = await run(
      `require("dns").lookup("svc.test", (err) => console.log(err.code));
       try { require("dns").resolveMx("x", () => {}); } catch (e) { console.log(e.code); }`,
      allowAll,
      false,
    );
    expect(r.stdout).toBe("ERR_SANDBOX_NOT_SUPPORTED\nERR_SANDBOX_NETWORK_UNAVAILABLE\n");
  });
});
