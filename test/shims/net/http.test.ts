/**
 * The guest's http/https clients against loopback servers the test starts: streams both
 * ways, headers, status, errors, timeouts and abort; https with a self-signed certificate
 * trusted through the adapter's `tls.ca`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowAll, createDefaultNetworkAdapter, createNodeDriver, NodeRuntime } from "../../../src/index.js";
import type { NetworkAccessRequest, Permissions } from "../../../src/index.js";
import { startServer, startTlsServer, type TestServer } from "./servers.js";

let server: TestServer;
let other: TestServer;

beforeAll(async () => {
  other = await startServer((_req, res) => res.end("other"));
  server = await startServer((req, res, body) => {
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000).unref();
    res.setHeader("x-method", req.method ?? "");
    res.setHeader("set-cookie", ["a=1", "b=2"]);
    res.setHeader("x-te", req.headers["transfer-encoding"] ?? "none");
    res.statusMessage = "Fine";
    res.end(`${req.method} ${req.url} ${body}`);
  });
});
afterAll(async () => {
  await Promise.all([server.close(), other.close()]);
});

async function run(code: string, permissions: Permissions = allowAll, extra: { ca?: string; ports?: number[] } = {}) {
  const adapter = createDefaultNetworkAdapter({ loopbackExemptPorts: extra.ports ?? [server.port], ...(extra.ca ? { tls: { ca: extra.ca } } : {}) });
  const runtime = new NodeRuntime({ systemDriver: createNodeDriver({ networkAdapter: adapter, permissions }) });
  try {
    return await runtime.exec(code);
  } finally {
    runtime.dispose();
  }
}

describe("http client", () => {
  it("GETs with http.get and reads the IncomingMessage as a stream", async () => {
    const r = await run(`
      const http = require("http");
      http.get("${server.origin}/path?q=1", (res) => {
        console.log(res.statusCode, res.statusMessage, res.headers["x-method"], JSON.stringify(res.headers["set-cookie"]), res.rawHeaders.includes("x-method"));
        res.setEncoding("utf8");
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => console.log(JSON.stringify(body), res.complete));
      });
    `);
    expect(r.stdout).toBe('200 Fine GET ["a=1","b=2"] true\n"GET /path?q=1 " true\n');
  });

  it("streams a request body written in chunks (chunked encoding)", async () => {
    const r = await run(`
      const http = require("http");
      const req = http.request({ host: "127.0.0.1", port: ${server.port}, path: "/up", method: "POST", headers: { "content-type": "text/plain" } }, (res) => {
        let body = ""; res.on("data", (c) => (body += c)); res.on("end", () => console.log(res.headers["x-te"], body));
      });
      req.write("one,");
      req.write(Buffer.from("two,"));
      req.end("three");
    `);
    expect(r.stdout).toBe("chunked POST /up one,two,three\n");
  });

  it("emits ECONNREFUSED-style and SSRF errors on the request", async () => {
    const r = await run(`
      const http = require("http");
      const req = http.get("http://127.0.0.1:${other.port}/");
      req.on("error", (e) => console.log(e.code, e.message));
    `);
    expect(r.stdout).toBe(`ERR_SANDBOX_NETWORK_BLOCKED connection to 127.0.0.1:${other.port} refused: loopback addresses are not reachable from the sandbox\n`);
    expect(other.connections).toBe(0);
  });

  it("asks the network permission with op 'http'", async () => {
    const seen: NetworkAccessRequest[] = [];
    const r = await run(`require("http").get("${server.origin}/x").on("error", (e) => console.log(e.code));`, {
      network: (req) => (seen.push(req), { allow: false }),
    });
    expect(seen).toEqual([{ op: "http", url: `${server.origin}/x`, method: "GET", hostname: "127.0.0.1", port: server.port }]);
    expect(r.stdout).toBe("EACCES\n");
  });

  it("times out with setTimeout and aborts with destroy()", async () => {
    const r = await run(`
      const http = require("http");
      const req = http.get("${server.origin}/slow");
      req.setTimeout(50, () => { console.log("timeout"); req.destroy(new Error("gave up")); });
      req.on("error", (e) => console.log(e.message));
    `);
    expect(r.stdout).toBe("timeout\ngave up\n");
  });

  it("refuses net and tls sockets with ERR_SANDBOX_NOT_SUPPORTED", async () => {
    const r = await run(`
      for (const f of [() => require("net").connect(80), () => require("tls").connect(443), () => require("https").createServer()]) {
        try { f(); } catch (e) { console.log(e.code); }
      }
      console.log(require("net").isIP("::1"), require("net").isIPv4("1.2.3.4"));
    `);
    expect(r.stdout).toBe("ERR_SANDBOX_NOT_SUPPORTED\nERR_SANDBOX_NOT_SUPPORTED\nERR_SANDBOX_NOT_SUPPORTED\n6 true\n");
  });
});

describe("https client", () => {
  let dir: string;
  let tlsServer: TestServer;
  let cert: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "quicksand-tls-"));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    tlsServer = await startTlsServer((req, res) => res.end(`secure ${req.url}`), { key: readFileSync(join(dir, "key.pem"), "utf8"), cert });
  });
  afterAll(async () => {
    await tlsServer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fetches and https.gets over TLS with a trusted self-signed certificate", async () => {
    const r = await run(
      `
      (async () => {
        console.log(await (await fetch("${tlsServer.origin}/f")).text());
        require("https").get("${tlsServer.origin}/h", (res) => { let b = ""; res.on("data", (c) => (b += c)); res.on("end", () => console.log(b)); });
      })();
    `,
      allowAll,
      { ca: cert, ports: [tlsServer.port] },
    );
    expect(r.stdout).toBe("secure /f\nsecure /h\n");
  });

  it("rejects an untrusted certificate", async () => {
    const r = await run(`fetch("${tlsServer.origin}/").catch((e) => console.log(e.message, e.cause.code));`, allowAll, { ports: [tlsServer.port] });
    expect(r.stdout).toBe("fetch failed DEPTH_ZERO_SELF_SIGNED_CERT\n");
  });
});
