/**
 * Guest servers: `http.createServer().listen()` inside the sandbox, bound on the host's
 * 127.0.0.1, answering real requests the test sends with the host's fetch and http.
 * Streams both ways, headers and status, lifecycle (listening, close, exec end),
 * the `listen` permission, the request limits, a small Express-style app, and a
 * differential run of one script under host Node and in the sandbox.
 */
import { request as hostRequest } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { allowAll, createDefaultNetworkAdapter, createNodeDriver, NodeRuntime } from "../../../src/index.js";
import type { ExecResult, NetworkAccessRequest, NetworkAdapter, Permissions } from "../../../src/index.js";
import { hostNode } from "../../helpers.js";

const runtimes: NodeRuntime[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.dispose();
});

interface Served {
  port: number;
  origin: string;
  result: Promise<ExecResult>;
  runtime: NodeRuntime;
  output(): string;
}

interface ServeOptions {
  permissions?: Permissions;
  adapter?: NetworkAdapter;
}

/** The line every guest server below prints once it listens. */
const LISTEN = `server.listen(0, () => console.log("listening " + server.address().port));`;

/** Starts `code` in a sandbox and waits until it prints `listening <port>`. */
async function serve(code: string, options: ServeOptions = {}): Promise<Served> {
  const adapter = options.adapter ?? createDefaultNetworkAdapter();
  const runtime = new NodeRuntime({ systemDriver: createNodeDriver({ networkAdapter: adapter, permissions: options.permissions ?? allowAll }) });
  runtimes.push(runtime);
  let out = "";
  let found: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => (found = resolve));
  const result = runtime.exec(code, {
    onStdio: (e) => {
      out += e.message;
      const m = /^listening (\d+)$/m.exec(out);
      if (m) found(Number(m[1]));
    },
  });
  const p = await Promise.race([
    port,
    result.then((r) => {
      throw new Error(`the exec ended before listening: ${JSON.stringify(r)}`);
    }),
  ]);
  return { port: p, origin: `http://127.0.0.1:${p}`, result, runtime, output: () => out };
}

/** A request with Node's http client (no keep-alive), for what fetch cannot show. */
function raw(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  return new Promise<{ status: number; statusMessage: string; headers: Record<string, unknown>; rawHeaders: string[]; body: string }>((resolve, reject) => {
    const req = hostRequest({ host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path ?? "/", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("guest http server", () => {
  it("answers a host fetch with the request's method, URL, headers and body", async () => {
    const s = await serve(`
      const http = require("http");
      const server = http.createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          res.setHeader("X-Seen", [req.method, req.url, req.headers["x-test"], req.httpVersion, req.socket.remoteAddress].join(" "));
          res.setHeader("Set-Cookie", ["a=1", "b=2"]);
          res.end("got " + body);
          server.close();
        });
      });
      ${LISTEN}
    `);
    const r = await fetch(`${s.origin}/path?q=1`, { method: "POST", headers: { "x-test": "yes" }, body: "hello" });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-seen")).toBe("POST /path?q=1 yes 1.1 127.0.0.1");
    expect(r.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(r.headers.get("content-length")).toBe("9");
    expect(await r.text()).toBe("got hello");
    expect(await s.result).toMatchObject({ code: 0 });
  });

  it("reports the real bound address and fires 'listening' and 'close'", async () => {
    const s = await serve(`
      const http = require("http");
      const server = http.createServer();
      console.log("before", server.address(), server.listening);
      server.on("listening", () => console.log("event listening", server.listening));
      server.on("close", () => console.log("event close", server.address(), server.listening));
      server.listen(0, "0.0.0.0", () => {
        const a = server.address();
        console.log(a.address, a.family, a.port > 0);
        console.log("listening " + a.port);
        server.close(() => console.log("closed callback"));
      });
    `);
    const r = await s.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`before null false\nevent listening true\n127.0.0.1 IPv4 true\nlistening ${s.port}\nevent close null false\nclosed callback\n`);
  });

  it("keeps the exec alive while listening until the guest closes the server after N requests", async () => {
    const s = await serve(`
      const http = require("http");
      let n = 0;
      const server = http.createServer((req, res) => {
        res.end(String(++n));
        if (n === 3) server.close(() => console.log("done after", n));
      });
      ${LISTEN}
    `);
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) bodies.push(await (await fetch(s.origin)).text());
    expect(bodies).toEqual(["1", "2", "3"]);
    const r = await s.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("done after 3\n");
    await expect(fetch(s.origin)).rejects.toThrow();
  });

  it("ends a serving exec from the host with runtime.terminate() and frees the port", async () => {
    const s = await serve(`
      const server = require("http").createServer((req, res) => res.end("up"));
      ${LISTEN}
    `);
    expect(await (await fetch(s.origin)).text()).toBe("up");
    await s.runtime.terminate();
    expect((await s.result).code).toBe(143);
    await expect(fetch(s.origin)).rejects.toThrow();
  });

  it("closes its servers when the guest exits with process.exit()", async () => {
    const s = await serve(`
      const server = require("http").createServer((req, res) => {
        res.end("bye", () => process.exit(7));
      });
      ${LISTEN}
    `);
    expect(await (await fetch(s.origin)).text()).toBe("bye");
    expect((await s.result).code).toBe(7);
    await expect(fetch(s.origin)).rejects.toThrow();
  });

  it("lets close() finish the responses in flight before the 'close' event", async () => {
    const s = await serve(`
      const server = require("http").createServer((req, res) => {
        server.close(() => console.log("closed"));
        res.write("part one, ");
        setTimeout(() => res.end("part two"), 50);
      });
      ${LISTEN}
    `);
    const r = await raw(s.port);
    expect(r.body).toBe("part one, part two");
    expect(r.headers["transfer-encoding"]).toBe("chunked");
    expect((await s.result).stdout).toContain("closed\n");
  });

  it("supports writeHead with a reason and headers, status codes, HEAD and 204", async () => {
    const s = await serve(`
      const server = require("http").createServer((req, res) => {
        if (req.url === "/teapot") {
          res.setHeader("x-a", "1");
          res.writeHead(418, "Short And Stout", { "x-b": "2", "Content-Type": "text/plain" });
          console.log("sent", res.headersSent, res.getHeader("x-b"));
          return res.end("tea");
        }
        if (req.url === "/array") {
          res.writeHead(201, ["x-dup", "1", "x-dup", "2"]);
          return res.end();
        }
        if (req.url === "/missing") { res.statusCode = 404; return res.end("nope"); }
        if (req.url === "/empty") { res.statusCode = 204; return res.end(); }
        if (req.url === "/head") return res.end("body of a HEAD");
        res.end();
        server.close();
      });
      ${LISTEN}
    `);
    const teapot = await raw(s.port, { path: "/teapot" });
    expect([teapot.status, teapot.statusMessage, teapot.headers["x-a"], teapot.headers["x-b"], teapot.headers["content-type"], teapot.body]).toEqual([418, "Short And Stout", "1", "2", "text/plain", "tea"]);
    const array = await raw(s.port, { path: "/array" });
    expect([array.status, array.statusMessage, array.headers["x-dup"], array.body]).toEqual([201, "Created", "1, 2", ""]);
    const missing = await raw(s.port, { path: "/missing" });
    expect([missing.status, missing.statusMessage, missing.body]).toEqual([404, "Not Found", "nope"]);
    const empty = await raw(s.port, { path: "/empty" });
    expect([empty.status, empty.body, empty.headers["content-length"]]).toEqual([204, "", undefined]);
    const head = await raw(s.port, { path: "/head", method: "HEAD" });
    expect([head.status, head.body]).toEqual([200, ""]);
    await raw(s.port, { path: "/last" });
    expect((await s.result).stdout).toContain("sent true 2\n");
  });

  it("streams a large request body to the guest chunk by chunk", async () => {
    const s = await serve(`
      const server = require("http").createServer(async (req, res) => {
        let bytes = 0, chunks = 0, sum = 0;
        for await (const chunk of req) {
          chunks++;
          bytes += chunk.length;
          for (const b of chunk) sum = (sum + b) % 65521;
        }
        res.end(JSON.stringify({ bytes, manyChunks: chunks > 4, sum, complete: req.complete }));
        server.close();
      });
      ${LISTEN}
    `);
    const size = 1024 * 1024;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7) & 0xff;
    let sum = 0;
    for (const b of data) sum = (sum + b) % 65521;
    async function* parts() {
      for (let i = 0; i < size; i += 100_000) yield data.subarray(i, i + 100_000);
    }
    const r = await fetch(s.origin, { method: "PUT", body: parts(), duplex: "half" } as RequestInit);
    expect(await r.json()).toEqual({ bytes: size, manyChunks: true, sum, complete: true });
  });

  it("streams a response body written over time, with backpressure and pipe()", async () => {
    const s = await serve(`
      const { Readable } = require("stream");
      const server = require("http").createServer((req, res) => {
        if (req.url === "/pipe") {
          res.setHeader("content-type", "text/plain");
          return Readable.from(["a", "b", "c"]).pipe(res);
        }
        // 2 MiB in 16 KiB writes, waiting for 'drain' when write() says so.
        const chunk = Buffer.alloc(16 * 1024, 120);
        let left = 128, waited = 0;
        const more = () => {
          while (left > 0) {
            left--;
            if (!res.write(chunk)) { waited++; return res.once("drain", more); }
          }
          res.end(() => console.log("waited for drain", waited > 0));
          server.close();
        };
        more();
      });
      ${LISTEN}
    `);
    const piped = await fetch(`${s.origin}/pipe`);
    expect(await piped.text()).toBe("abc");
    const r = await fetch(`${s.origin}/big`);
    expect(r.headers.get("transfer-encoding")).toBe("chunked");
    let total = 0;
    let reads = 0;
    for await (const part of r.body as unknown as AsyncIterable<Uint8Array>) {
      total += part.byteLength;
      reads++;
    }
    expect(total).toBe(2 * 1024 * 1024);
    expect(reads).toBeGreaterThan(1);
    expect((await s.result).stdout).toContain("waited for drain true\n");
  });

  it("sends each response chunk as it is written, before the response ends", async () => {
    const s = await serve(`
      let live;
      const server = require("http").createServer((req, res) => {
        if (req.url === "/live") { res.write("first;"); live = res; return; }
        live.end("last");
        res.end("finished it");
        server.close();
      });
      ${LISTEN}
    `);
    const r = await fetch(`${s.origin}/live`);
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("first;");
    expect(await (await fetch(`${s.origin}/finish`)).text()).toBe("finished it");
    let rest = "";
    for (let part = await reader.read(); !part.done; part = await reader.read()) rest += new TextDecoder().decode(part.value);
    expect(rest).toBe("last");
    expect((await s.result).code).toBe(0);
  });

  it("keeps the details frameworks read: live socket flags, a second end() ignored", async () => {
    const s = await serve(`
      const server = require("http").createServer((req, res) => {
        const { socket } = req;
        console.log(socket === req.connection, res.socket === socket, socket.readable, socket.writable, socket.encrypted, socket.remoteFamily, socket.localPort === server.address().port);
        res.end("once", () => console.log("first end done"));
        res.end("twice", (e) => console.log("second end:", e.code));
        res.on("error", (e) => console.log("unexpected error", e.code));
        server.close();
      });
      ${LISTEN}
    `);
    expect((await raw(s.port)).body).toBe("once");
    const r = await s.result;
    expect(r.stdout).toBe(`listening ${s.port}\ntrue true true true false IPv4 true\nsecond end: ERR_STREAM_ALREADY_FINISHED\nfirst end done\n`);
  });

  it("exposes the ServerResponse header API and its errors", async () => {
    const s = await serve(`
      const http = require("http");
      const server = http.createServer((req, res) => {
        console.log(req instanceof http.IncomingMessage, res instanceof http.ServerResponse, res.req === req);
        res.setHeader("X-One", "1").setHeader("x-list", ["a", "b"]);
        res.appendHeader("x-list", "c");
        console.log(res.hasHeader("x-one"), res.getHeader("X-LIST").join(), res.getHeaderNames().join(), res.getRawHeaderNames().join());
        console.log(JSON.stringify(res.getHeaders()));
        res.removeHeader("x-one");
        for (const bad of [() => res.setHeader("bad name", "x"), () => res.setHeader("x", "a\\nb"), () => res.setHeader("x", undefined), () => res.writeHead(99)]) {
          try { bad(); } catch (e) { console.log(e.code); }
        }
        res.end("ok");
        try { res.setHeader("late", "1"); } catch (e) { console.log(e.code, e.message); }
        console.log(res.headersSent, res.writableEnded, res.finished);
        res.on("finish", () => console.log("finish"));
        res.on("close", () => { console.log("close"); server.close(); });
      });
      ${LISTEN}
    `);
    const r = await raw(s.port);
    expect([r.body, r.headers["x-one"], r.headers["x-list"]]).toEqual(["ok", undefined, "a, b, c"]);
    const out = (await s.result).stdout;
    expect(out).toBe(
      `listening ${s.port}\n` +
        "true true true\n" +
        "true a,b,c x-one,x-list X-One,x-list\n" +
        '{"x-one":"1","x-list":["a","b","c"]}\n' +
        "ERR_INVALID_HTTP_TOKEN\nERR_INVALID_CHAR\nERR_HTTP_INVALID_HEADER_VALUE\nERR_HTTP_INVALID_STATUS_CODE\n" +
        "ERR_HTTP_HEADERS_SENT Cannot set headers after they are sent to the client\n" +
        "true true true\nfinish\nclose\n",
    );
  });

  it("reports misuse of listen and close as Node does", async () => {
    const s = await serve(`
      const http = require("http");
      const server = http.createServer();
      http.createServer().close((e) => console.log("close idle:", e.code, e.message));
      try { http.createServer().listen(70000); } catch (e) { console.log(e.name, e.code, e.message); }
      try { http.createServer().listen({ path: "/tmp/sock" }); } catch (e) { console.log(e.code); }
      server.listen(0, () => {
        try { server.listen(0); } catch (e) { console.log(e.code); }
        console.log("listening " + server.address().port);
        server.close();
      });
    `);
    const r = await s.result;
    expect(r.stdout).toBe(
      "RangeError ERR_SOCKET_BAD_PORT options.port should be >= 0 and < 65536. Received type number (70000).\n" +
        "ERR_SANDBOX_NOT_SUPPORTED\n" +
        "close idle: ERR_SERVER_NOT_RUNNING Server is not running.\n" +
        "ERR_SERVER_ALREADY_LISTEN\n" +
        `listening ${s.port}\n`,
    );
  });

  it("emits EADDRINUSE for a port already taken on the host", async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const runtime = new NodeRuntime({ systemDriver: createNodeDriver({ networkAdapter: createDefaultNetworkAdapter(), permissions: allowAll }) });
      runtimes.push(runtime);
      const r = await runtime.exec(`
        const server = require("http").createServer();
        server.on("error", (e) => console.log(e.code, e.errno, e.syscall, e.message, server.listening));
        server.listen(${port});
      `);
      expect(r.stdout).toBe(`EADDRINUSE -98 listen listen EADDRINUSE: address already in use 127.0.0.1:${port} false\n`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it("binds nothing but the host's 127.0.0.1: other addresses fail with EADDRNOTAVAIL", async () => {
    const calls: unknown[] = [];
    const adapter = createDefaultNetworkAdapter();
    const spy: NetworkAdapter = { fetch: adapter.fetch, listen: (o) => (calls.push({ host: o.host, port: o.port }), adapter.listen!(o)) };
    const runtime = new NodeRuntime({ systemDriver: createNodeDriver({ networkAdapter: spy, permissions: allowAll }) });
    runtimes.push(runtime);
    const r = await runtime.exec(`
      const http = require("http");
      for (const host of ["10.0.0.1", "example.com", "192.168.1.1"]) {
        const s = http.createServer();
        s.on("error", (e) => console.log(host, e.code, e.syscall));
        s.listen(0, host);
      }
      const ok = http.createServer();
      ok.listen({ port: 0, host: "::" }, () => { console.log(ok.address().address); ok.close(); });
    `);
    expect(r.stdout.split("\n").sort().join("\n")).toBe(["", "10.0.0.1 EADDRNOTAVAIL listen", "127.0.0.1", "192.168.1.1 EADDRNOTAVAIL listen", "example.com EADDRNOTAVAIL listen"].join("\n"));
    expect(calls).toEqual([{ host: "127.0.0.1", port: 0 }]);
  });

  it("asks the network permission with op listen before binding, and reports a denial", async () => {
    const seen: NetworkAccessRequest[] = [];
    const adapter = createDefaultNetworkAdapter();
    let listened = 0;
    const spy: NetworkAdapter = { fetch: adapter.fetch, listen: (o) => (listened++, adapter.listen!(o)) };
    const runtime = new NodeRuntime({
      systemDriver: createNodeDriver({
        networkAdapter: spy,
        permissions: { network: (req) => (seen.push(req), { allow: false, reason: "no servers here" }) },
      }),
    });
    runtimes.push(runtime);
    const r = await runtime.exec(`
      const server = require("http").createServer();
      server.on("error", (e) => console.log(e.code, e.message, server.listening));
      server.listen(8080, "localhost");
    `);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("EACCES EACCES: permission denied, listen '127.0.0.1' (no servers here) false\n");
    expect(seen).toEqual([{ op: "listen", hostname: "127.0.0.1", port: 8080 }]);
    expect(listened).toBe(0);
  });

  it("fails with ERR_SANDBOX_NETWORK_UNAVAILABLE without an adapter", async () => {
    const runtime = new NodeRuntime({ systemDriver: createNodeDriver({ permissions: allowAll }) });
    runtimes.push(runtime);
    const r = await runtime.exec(`
      const server = require("http").createServer();
      server.on("error", (e) => console.log(e.code));
      server.listen(0);
    `);
    expect(r.stdout).toBe("ERR_SANDBOX_NETWORK_UNAVAILABLE\n");
  });

  it("refuses https.createServer as not supported", async () => {
    const runtime = new NodeRuntime({ systemDriver: createNodeDriver({ permissions: allowAll }) });
    runtimes.push(runtime);
    const r = await runtime.exec(`try { require("https").createServer({}, () => {}); } catch (e) { console.log(e.code, e.message); }`);
    expect(r.stdout).toBe("ERR_SANDBOX_NOT_SUPPORTED https.createServer() is not supported in the quicksand sandbox\n");
  });

  it("turns away a request body over maxServerRequestBodyBytes with 413", async () => {
    const s = await serve(
      `
      let n = 0;
      const server = require("http").createServer((req, res) => {
        let bytes = 0;
        req.on("data", (c) => (bytes += c.length));
        req.on("error", (e) => console.log("req error", e.code, bytes <= 1024));
        req.on("end", () => res.end("read " + bytes));
        if (++n === 2) server.close();
      });
      ${LISTEN}
    `,
      { adapter: createDefaultNetworkAdapter({ maxServerRequestBodyBytes: 1024 }) },
    );
    // Declared too large: refused before the guest sees it.
    const declared = await raw(s.port, { method: "POST", body: Buffer.alloc(2000) });
    expect([declared.status, declared.body]).toEqual([413, ""]);
    // Within the limit: served.
    const small = await raw(s.port, { method: "POST", body: Buffer.alloc(1000) });
    expect(small.body).toBe("read 1000");
    // Chunked, found too large while the guest reads it.
    async function* big() {
      for (let i = 0; i < 4; i++) yield new Uint8Array(600);
    }
    const streamed = await fetch(s.origin, { method: "POST", body: big(), duplex: "half" } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await s.result).stdout).toContain("req error ERR_SANDBOX_REQUEST_TOO_LARGE true\n");
  });

  it("answers 503 beyond maxPendingServerRequests and serves again once a slot frees", async () => {
    const s = await serve(
      `
      const held = [];
      const server = require("http").createServer((req, res) => {
        if (req.url === "/hold") {
          // Both slots are taken until the second held request is answered, a moment later.
          if (held.push(res) === 2) setTimeout(() => held.forEach((r) => r.end("released")), 300);
          return;
        }
        res.end("served " + req.url);
        server.close();
      });
      ${LISTEN}
    `,
      { adapter: createDefaultNetworkAdapter({ maxPendingServerRequests: 2 }) },
    );
    const first = raw(s.port, { path: "/hold" });
    const second = raw(s.port, { path: "/hold" });
    await new Promise((r) => setTimeout(r, 100));
    const refused = await raw(s.port, { path: "/third" });
    expect([refused.status, refused.headers.connection]).toEqual([503, "close"]);
    expect((await first).body).toBe("released");
    expect((await second).body).toBe("released");
    const later = await raw(s.port, { path: "/fourth" });
    expect([later.status, later.body]).toEqual([200, "served /fourth"]);
    expect((await s.result).code).toBe(0);
  });

  it("frees the slot of a client that leaves mid-response", async () => {
    const s = await serve(
      `
      const server = require("http").createServer((req, res) => {
        if (req.url === "/slow") {
          res.write("start");
          const t = setInterval(() => res.write("."), 20);
          res.on("close", () => { clearInterval(t); console.log("slow closed", res.writableFinished, req.aborted); });
          return;
        }
        res.end("fast");
        server.close();
      });
      ${LISTEN}
    `,
      { adapter: createDefaultNetworkAdapter({ maxPendingServerRequests: 1 }) },
    );
    const controller = new AbortController();
    const slow = await fetch(`${s.origin}/slow`, { signal: controller.signal });
    const reader = (slow.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 200));
    const fast = await raw(s.port, { path: "/fast" });
    expect([fast.status, fast.body]).toEqual([200, "fast"]);
    const r = await s.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("slow closed false");
  });

  it("treats a throw in a request handler as an uncaught exception", async () => {
    const s = await serve(`
      const server = require("http").createServer((req, res) => { throw new Error("handler broke"); });
      ${LISTEN}
    `);
    await expect(raw(s.port)).rejects.toThrow();
    const r = await s.result;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("handler broke");
  });
});

describe("a small Express-style app in the guest", () => {
  const APP = `
    const http = require("http");
    function createApp() {
      const stack = [];
      const app = (req, res) => {
        const url = new URL(req.url, "http://" + req.headers.host);
        req.path = url.pathname;
        req.query = Object.fromEntries(url.searchParams);
        res.status = (code) => { res.statusCode = code; return res; };
        res.json = (value) => { res.setHeader("content-type", "application/json"); res.end(JSON.stringify(value)); };
        let i = 0;
        const next = (err) => {
          const layer = stack[i++];
          if (!layer) return err ? res.status(500).json({ error: err.message }) : res.status(404).json({ error: "not found: " + req.path });
          if (layer.method && layer.method !== req.method) return next(err);
          const params = layer.match(req.path);
          if (!params) return next(err);
          req.params = params;
          try {
            if (err) return layer.fn.length === 4 ? layer.fn(err, req, res, next) : next(err);
            if (layer.fn.length === 4) return next();
            const out = layer.fn(req, res, next);
            if (out && typeof out.catch === "function") out.catch(next);
          } catch (e) { next(e); }
        };
        next();
      };
      const pattern = (path) => {
        if (path === undefined) return () => ({});
        const names = [];
        const re = new RegExp("^" + path.replace(/:([a-z]+)/g, (_, n) => (names.push(n), "([^/]+)")) + "$");
        return (p) => { const m = re.exec(p); return m && Object.fromEntries(names.map((n, k) => [n, decodeURIComponent(m[k + 1])])); };
      };
      app.use = (fn) => (stack.push({ match: pattern(), fn }), app);
      for (const m of ["get", "post", "delete"]) app[m] = (path, fn) => (stack.push({ method: m.toUpperCase(), match: pattern(path), fn }), app);
      app.listen = (...args) => http.createServer(app).listen(...args);
      return app;
    }
    const json = () => (req, res, next) => {
      if (!/json/.test(req.headers["content-type"] || "")) return next();
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (c) => (text += c));
      req.on("end", () => { try { req.body = JSON.parse(text); next(); } catch (e) { next(e); } });
    };

    const todos = new Map();
    let nextId = 1, requests = 0;
    const app = createApp();
    app.use((req, res, next) => { requests++; res.setHeader("x-powered-by", "sandbox"); next(); });
    app.use(json());
    app.get("/todos", (req, res) => res.json([...todos.values()].filter((t) => !req.query.done || String(t.done) === req.query.done)));
    app.post("/todos", (req, res) => {
      const todo = { id: nextId++, title: req.body.title, done: false };
      todos.set(todo.id, todo);
      res.status(201).json(todo);
    });
    app.get("/todos/:id", (req, res) => {
      const todo = todos.get(Number(req.params.id));
      todo ? res.json(todo) : res.status(404).json({ error: "no todo " + req.params.id });
    });
    app.delete("/todos/:id", (req, res) => { todos.delete(Number(req.params.id)); res.status(204).end(); });
    app.get("/boom", async () => { throw new Error("async failure"); });
    app.post("/shutdown", (req, res) => { res.json({ requests }); server.close(); });
    app.use((err, req, res, next) => res.status(err instanceof SyntaxError ? 400 : 500).json({ error: err.message }));
    const server = app.listen(0, () => console.log("listening " + server.address().port));
  `;

  it("serves JSON routes with params, middleware, 404 and error handlers", async () => {
    const s = await serve(APP);
    const post = (body: string) => fetch(`${s.origin}/todos`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const created = await post(JSON.stringify({ title: "write tests" }));
    expect(created.status).toBe(201);
    expect(created.headers.get("x-powered-by")).toBe("sandbox");
    expect(await created.json()).toEqual({ id: 1, title: "write tests", done: false });
    await post(JSON.stringify({ title: "ship" }));
    expect(await (await fetch(`${s.origin}/todos?done=false`)).json()).toHaveLength(2);
    expect(await (await fetch(`${s.origin}/todos/2`)).json()).toEqual({ id: 2, title: "ship", done: false });
    expect((await fetch(`${s.origin}/todos/2`, { method: "DELETE" })).status).toBe(204);
    const gone = await fetch(`${s.origin}/todos/2`);
    expect([gone.status, await gone.json()]).toEqual([404, { error: "no todo 2" }]);
    const unknown = await fetch(`${s.origin}/nowhere`);
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: "not found: /nowhere" }]);
    const bad = await post("{not json");
    expect(bad.status).toBe(400);
    const boom = await fetch(`${s.origin}/boom`);
    expect([boom.status, await boom.json()]).toEqual([500, { error: "async failure" }]);
    const end = await fetch(`${s.origin}/shutdown`, { method: "POST" });
    expect(await end.json()).toEqual({ requests: 10 });
    expect((await s.result).code).toBe(0);
  });
});

describe("the default adapter's listen", () => {
  it("binds 127.0.0.1 and refuses every other address", async () => {
    const adapter = createDefaultNetworkAdapter();
    const onRequest = () => {};
    for (const host of ["0.0.0.0", "::", "::1", "localhost", "10.0.0.1"]) {
      await expect(adapter.listen!({ port: 0, host, onRequest })).rejects.toMatchObject({ code: "ERR_SANDBOX_NETWORK_BLOCKED" });
    }
    const server = await adapter.listen!({ port: 0, onRequest });
    try {
      expect([server.address, server.family, server.port > 0]).toEqual(["127.0.0.1", 4, true]);
    } finally {
      await server.close();
    }
  });

  it("rejects invalid limit options at construction", () => {
    expect(() => createDefaultNetworkAdapter({ maxPendingServerRequests: 0 })).toThrow(TypeError);
    expect(() => createDefaultNetworkAdapter({ maxServerRequestBodyBytes: -1 })).toThrow(/maxServerRequestBodyBytes must be a positive integer/);
    expect(createDefaultNetworkAdapter()).toMatchObject({ maxPendingServerRequests: 64, maxServerRequestBodyBytes: 16 * 1024 * 1024 });
  });
});

describe("docs/network.md", () => {
  it("runs the Guest servers example as written", async () => {
    const runtime = new NodeRuntime({
      systemDriver: createNodeDriver({ useDefaultNetwork: true, permissions: { network: (r) => ({ allow: r.op === "listen" }) } }),
    });
    runtimes.push(runtime);
    let port = 0;
    let ready!: () => void;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    const done = runtime.exec(
      `const http = require("http");
       let served = 0;
       const server = http.createServer((req, res) => {
         res.setHeader("content-type", "application/json");
         res.end(JSON.stringify({ path: req.url }));
         if (++served === 2) server.close();            // the exec ends once the server is closed
       });
       server.listen(0, () => console.log("port " + server.address().port));`,
      { onStdio: (e) => { const m = /port (\d+)/.exec(e.message); if (m) { port = Number(m[1]); ready(); } } },
    );
    await listening;
    expect(await (await fetch(`http://127.0.0.1:${port}/a`)).json()).toEqual({ path: "/a" });
    await fetch(`http://127.0.0.1:${port}/b`);
    expect(await done).toMatchObject({ code: 0 });
  });
});

describe("compared with host Node", () => {
  it("prints the same for a server the script calls itself", async () => {
    const port = await freePort();
    const script = `
      const http = require("http");
      const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          res.writeHead(202, { "x-echo": req.headers["x-echo"], "content-type": "text/plain" });
          res.end(req.method + " " + req.url + " " + body);
        });
      });
      server.listen(${port}, "127.0.0.1", () => {
        const a = server.address();
        console.log(a.address, a.family, a.port === ${port}, server.listening);
        const req = http.request({ host: "127.0.0.1", port: ${port}, method: "POST", path: "/x?y=1", headers: { "x-echo": "hi" } }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => {
            console.log(res.statusCode, res.statusMessage, res.headers["x-echo"], res.headers["content-type"], res.headers["content-length"], text);
            server.close(() => console.log("closed", server.listening));
          });
        });
        req.end("payload");
      });
    `;
    const host = hostNode(script);
    const runtime = new NodeRuntime({
      systemDriver: createNodeDriver({ networkAdapter: createDefaultNetworkAdapter({ loopbackExemptPorts: [port] }), permissions: allowAll }),
    });
    runtimes.push(runtime);
    const r = await runtime.exec(script);
    expect(host.stdout).toBe(`127.0.0.1 IPv4 true true\n202 Accepted hi text/plain undefined POST /x?y=1 payload\nclosed false\n`);
    expect(r.stdout).toBe(host.stdout);
  });
});
