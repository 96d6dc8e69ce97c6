/**
 * Guest fetch round trip against host Node's own fetch, to the same loopback HTTP server
 * (127.0.0.1, port 0, reached through loopbackExemptPorts). One exec makes N sequential
 * requests; the per-request time excludes the exec's fixed start-up cost.
 */
import { createServer } from "node:http";
import { DIST_URL, metric, progress, runIfMain, summarize } from "./lib.mjs";

const N = 200;
const REPS = 5;

export async function run() {
  const lib = await import(DIST_URL);
  const server = createServer((req, res) => res.end("ok"));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  const url = `http://127.0.0.1:${port}/`;
  try {
    progress("fetch round trip, host Node");
    const host = [];
    for (let rep = 0; rep < REPS; rep++) {
      const t = performance.now();
      for (let i = 0; i < N; i++) await (await fetch(url)).text();
      host.push((performance.now() - t) / N);
    }
    progress("fetch round trip, guest");
    const rt = new lib.NodeRuntime({
      systemDriver: lib.createNodeDriver({ useDefaultNetwork: true, loopbackExemptPorts: [port], permissions: lib.allowAllNetwork }),
    });
    const loop = (n) => `(async () => { for (let i = 0; i < ${n}; i++) await (await fetch(${JSON.stringify(url)})).text(); })()`;
    const guest = [];
    for (let rep = 0; rep < REPS; rep++) {
      let t = performance.now();
      await rt.exec(loop(1));
      const one = performance.now() - t;
      t = performance.now();
      const r = await rt.exec(loop(N + 1));
      if (r.code !== 0) throw new Error(`guest fetch failed: ${r.errorMessage}`);
      guest.push((performance.now() - t - one) / N);
    }
    rt.dispose();
    const h = summarize(host);
    const g = summarize(guest);
    return {
      family: "network (fetch to a loopback server)",
      metrics: [
        metric({ key: "net.fetch.host", label: "host Node fetch round trip", unit: "ms", value: h.p50, stats: h }),
        metric({ key: "net.fetch.guest", label: "guest fetch round trip", unit: "ms", value: g.p50, stats: g }),
        metric({ key: "net.fetch.ratio", label: "guest ÷ host", unit: "×", value: g.p50 / h.p50 }),
      ],
      notes: ["Each guest request is a new connection through the default adapter (per-request SSRF check and pinned address); host fetch reuses connections."],
    };
  } finally {
    server.close();
  }
}

await runIfMain(import.meta.url, run);
