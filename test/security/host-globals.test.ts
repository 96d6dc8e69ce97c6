/**
 * quicksand changes no global state of its host process: after sandboxes used fetch, the
 * http client, dns, child processes and worker mode, the host's `globalThis` has the same
 * own keys and symbols, each with the same value, as before. Checked in a fresh Node
 * process against the built library (dist/), ESM and CommonJS, as a user would load it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const dist = join(import.meta.dirname, "..", "..", "dist");
const dir = mkdtempSync(join(tmpdir(), "quicksand-globals-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The body shared by both module formats: `q` is the library, `http` node:http. */
const body = `
// Each own key with its value, read without calling getters: reading the host's \`fetch\`
// would itself install Node's dispatcher and hide the very change this test looks for.
// Node defines some globals (AbortController, TextDecoder, ...) as getters that turn
// into values when first used; such a key is compared by its presence only.
function snapshot() {
  const out = new Map();
  for (const key of Reflect.ownKeys(globalThis)) {
    const d = Object.getOwnPropertyDescriptor(globalThis, key);
    out.set(key, "value" in d ? d.value : LAZY);
  }
  return out;
}
const LAZY = Symbol("lazy");
const before = snapshot();
const server = http.createServer((req, res) => res.end("pong " + req.url));
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;
const systemDriver = q.createNodeDriver({
  useDefaultNetwork: true,
  loopbackExemptPorts: [port],
  commandExecutor: q.createNodeCommandExecutor(),
  permissions: q.allowAll,
});
const code = \`
  const http = require("http");
  (async () => {
    console.log(await (await fetch("http://127.0.0.1:${"$"}{${"port"}}/fetch")).text());
    await new Promise((resolve) => http.get("http://127.0.0.1:${"$"}{${"port"}}/http", (res) => { res.on("data", (d) => console.log(String(d))); res.on("end", resolve); }));
    await new Promise((resolve) => require("dns").lookup("localhost", () => resolve()));
    console.log(require("child_process").execFileSync("echo", ["child"], { encoding: "utf8" }).trim());
  })();
\`;
const results = [];
for (const mode of ["in-process", "worker"]) {
  const runtime = new q.NodeRuntime({ systemDriver, mode });
  const r = await runtime.exec(code);
  results.push(r.code + " " + r.stdout.trim().split("\\n").join("|") + r.stderr);
  runtime.dispose();
}
server.close();
const after = snapshot();
const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.has(k) !== after.has(k) || (before.get(k) !== LAZY && !Object.is(before.get(k), after.get(k)))).map(String);
console.log(JSON.stringify({ results, changed }));
await q.closeSharedWorkerPool?.();
`;

function runHost(file: string): { results: string[]; changed: string[] } {
  const out = execFileSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
  return JSON.parse(out.trim().split("\n").pop()!);
}

describe("the host's globals", () => {
  const expected = "0 pong /fetch|pong /http|child";

  it("are untouched by sandboxes using fetch, http, dns, child processes and worker mode (ESM)", () => {
    const file = join(dir, "esm.mjs");
    writeFileSync(file, `import * as q from ${JSON.stringify(pathToFileURL(join(dist, "index.js")).href)};\nimport http from "node:http";\n${body}`);
    const { results, changed } = runHost(file);
    expect(results).toEqual([expected, expected]);
    expect(changed).toEqual([]);
  });

  it("are untouched when the library is loaded with require (CommonJS)", () => {
    const file = join(dir, "cjs.cjs");
    writeFileSync(file, `const q = require(${JSON.stringify(join(dist, "index.cjs"))});\nconst http = require("node:http");\n(async () => {${body}})();`);
    const { results, changed } = runHost(file);
    expect(results).toEqual([expected, expected]);
    expect(changed).toEqual([]);
  });
});
