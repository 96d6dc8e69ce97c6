/**
 * The default network adapter on its own (no sandbox): SSRF refusals in every spelling,
 * before any connection; DNS pinning against rebinding; limits and timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDefaultNetworkAdapter } from "../../src/index.js";
import type { NetworkDnsAddress } from "../../src/index.js";
import { startServer, type TestServer } from "../shims/net/servers.js";

async function text(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<string> {
  if (body instanceof Uint8Array) return Buffer.from(body).toString();
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts).toString();
}

let exempt: TestServer;
let other: TestServer;
let v6: TestServer;

beforeAll(async () => {
  exempt = await startServer((req, res) => res.end(`exempt ${req.url}`));
  other = await startServer((_req, res) => res.end("other"));
  v6 = await startServer((_req, res) => res.end("v6"), "::1");
});
afterAll(async () => {
  await Promise.all([exempt.close(), other.close(), v6.close()]);
});

describe("createDefaultNetworkAdapter SSRF defence", () => {
  const spellings = (port: number) => [
    `http://localhost:${port}/`,
    `http://127.0.0.1:${port}/`,
    `http://127.1:${port}/`,
    `http://2130706433:${port}/`,
    `http://0x7f000001:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://[::1]:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://0.0.0.0:${port}/`,
    `http://LOCALHOST.:${port}/`,
  ];

  it("refuses every spelling of loopback on a non-exempt port before connecting", async () => {
    const adapter = createDefaultNetworkAdapter({ loopbackExemptPorts: [exempt.port] });
    for (const url of spellings(other.port)) {
      await expect(adapter.fetch({ url, method: "GET", headers: {} }), url).rejects.toMatchObject({ code: "ERR_SANDBOX_NETWORK_BLOCKED" });
    }
    expect(other.connections).toBe(0);
  });

  it("refuses private, link-local, unique-local, multicast and reserved addresses", async () => {
    const adapter = createDefaultNetworkAdapter();
    const urls = [
      "http://10.0.0.1/",
      "http://172.16.5.4/",
      "http://192.168.1.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00::1]/",
      "http://[fe80::1]/",
      "http://224.0.0.1/",
      "http://[ff02::1]/",
      "http://100.64.0.1/",
      "http://192.0.2.1/",
      "http://255.255.255.255/",
      "http://[::]/",
      "http://[64:ff9b::7f00:1]/",
      "http://[2002:7f00:1::]/",
    ];
    for (const url of urls) {
      await expect(adapter.fetch({ url, method: "GET", headers: {} }), url).rejects.toMatchObject({ code: "ERR_SANDBOX_NETWORK_BLOCKED" });
    }
  });

  it("refuses schemes other than http and https", async () => {
    const adapter = createDefaultNetworkAdapter();
    await expect(adapter.fetch({ url: "file:///etc/passwd", method: "GET", headers: {} })).rejects.toMatchObject({ code: "ERR_SANDBOX_NETWORK_BLOCKED" });
  });

  it("lets loopback through on exempt ports only, over IPv4 and IPv6", async () => {
    const adapter = createDefaultNetworkAdapter({ loopbackExemptPorts: [exempt.port, v6.port] });
    const r = await adapter.fetch({ url: `${exempt.origin}/a`, method: "GET", headers: {} });
    expect(r.status).toBe(200);
    expect(await text(r.body)).toBe("exempt /a");
    const r6 = await adapter.fetch({ url: `${v6.origin}/`, method: "GET", headers: {} });
    expect(await text(r6.body)).toBe("v6");
  });

  it("refuses a public-looking name that a resolver maps to loopback", async () => {
    const adapter = createDefaultNetworkAdapter({
      loopbackExemptPorts: [exempt.port],
      lookup: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    await expect(adapter.fetch({ url: `http://api.example.com:${other.port}/`, method: "GET", headers: {} })).rejects.toMatchObject({
      code: "ERR_SANDBOX_NETWORK_BLOCKED",
    });
    expect(other.connections).toBe(0);
  });

  it("refuses a name when any of its addresses is not allowed", async () => {
    const adapter = createDefaultNetworkAdapter({
      lookup: async () => [{ address: "93.184.216.34", family: 4 }, { address: "10.0.0.1", family: 4 }],
    });
    await expect(adapter.fetch({ url: "http://mixed.example/", method: "GET", headers: {} })).rejects.toMatchObject({
      code: "ERR_SANDBOX_NETWORK_BLOCKED",
    });
  });

  it("resolves once and connects to the checked address (DNS rebinding fails)", async () => {
    let calls = 0;
    const lookup = async (): Promise<NetworkDnsAddress[]> => {
      calls++;
      // The second answer would move the connection to 127.0.0.2, where nothing listens.
      return calls === 1 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "127.0.0.2", family: 4 }];
    };
    const adapter = createDefaultNetworkAdapter({ loopbackExemptPorts: [exempt.port], lookup });
    const r = await adapter.fetch({ url: `http://rebind.example:${exempt.port}/r`, method: "GET", headers: {} });
    expect(await text(r.body)).toBe("exempt /r");
    expect(calls).toBe(1);
    expect(exempt.requests.at(-1)?.headers.host).toBe(`rebind.example:${exempt.port}`);
  });

  it("does not follow redirects itself", async () => {
    const redirecting = await startServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${other.port}/` });
      res.end();
    });
    try {
      const adapter = createDefaultNetworkAdapter({ loopbackExemptPorts: [redirecting.port] });
      const r = await adapter.fetch({ url: `${redirecting.origin}/`, method: "GET", headers: {} });
      expect(r.status).toBe(302);
      expect(r.headers.location).toBe(`http://127.0.0.1:${other.port}/`);
      expect(other.connections).toBe(0);
    } finally {
      await redirecting.close();
    }
  });
});

describe("createDefaultNetworkAdapter limits", () => {
  it("fails a response body larger than maxResponseBytes", async () => {
    const big = await startServer((_req, res) => res.end(Buffer.alloc(300_000, 97)));
    try {
      const adapter = createDefaultNetworkAdapter({ loopbackExemptPorts: [big.port], maxResponseBytes: 100_000 });
      const r = await adapter.fetch({ url: `${big.origin}/`, method: "GET", headers: {} });
      await expect(text(r.body)).rejects.toMatchObject({ code: "ERR_SANDBOX_RESPONSE_TOO_LARGE" });
    } finally {
      await big.close();
    }
  });

  it("times out a server that never answers", async () => {
    const silent = await startServer(() => {});
    try {
      const adapter = createDefaultNetworkAdapter({ loopbackExemptPorts: [silent.port], requestTimeoutMs: 200 });
      await expect(adapter.fetch({ url: `${silent.origin}/`, method: "GET", headers: {} })).rejects.toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" });
    } finally {
      await silent.close();
    }
  });

  it("rejects bad options with a TypeError", () => {
    expect(() => createDefaultNetworkAdapter({ maxResponseBytes: -1 })).toThrow(TypeError);
    expect(() => createDefaultNetworkAdapter({ loopbackExemptPorts: [70000] })).toThrow(TypeError);
  });
});
