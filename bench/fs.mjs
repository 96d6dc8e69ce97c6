/**
 * fs: µs per readFileSync / writeFileSync / statSync of a 1 KB file on the in-memory
 * filesystem, inside the sandbox (guest fs → bridge → permission gate → memfs) next to
 * host Node calling memfs directly (`memfs`'s own readFileSync etc.) and calling quicksand's
 * InMemoryFileSystem wrapper. Target: the sandbox within 3× of host Node on memfs.
 *
 * Sandbox: one exec runs a loop of N calls; the same loop with an empty body is the
 * baseline; REPS interleaved repetitions, medians compared (as bench/hostop.mjs does).
 * Host: the same loop timed in this process, median of REPS.
 *
 * Run against the built library: `npm run build && node bench/fs.mjs`.
 */
import { createRequire } from "node:module";
import { DIST_URL, ENGINES, median, metric, progress, runIfMain } from "./lib.mjs";

const CALLS = 5_000;
const REPS = 11;
const KB = "x".repeat(1024);
const TARGET = { limit: 3, unit: "×", text: "≤ 3× host memfs" };

const loop = (body) => `const fs = require('fs'); const data = ${JSON.stringify(KB)}; fs.writeFileSync('/bench/f.txt', data); let x;
for (let i = 0; i < ${CALLS}; i++) { ${body} }
console.log(typeof x);`;

const VARIANTS = {
  empty: loop(""),
  readFileSync: loop("x = fs.readFileSync('/bench/f.txt');"),
  writeFileSync: loop("x = fs.writeFileSync('/bench/f.txt', data);"),
  statSync: loop("x = fs.statSync('/bench/f.txt');"),
};
const OPS = ["readFileSync", "writeFileSync", "statSync"];

function hostLoop(fn) {
  const times = [];
  for (let rep = 0; rep < REPS + 1; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) fn();
    const dt = performance.now() - t0;
    if (rep > 0) times.push(dt);
  }
  return (median(times) / CALLS) * 1000;
}

/** µs per call on the host: memfs itself, and quicksand's wrapper around it. */
function hostNumbers(lib) {
  const require = createRequire(import.meta.url);
  const { Volume, createFsFromVolume } = require("memfs");
  const mem = createFsFromVolume(new Volume());
  mem.mkdirSync("/bench", { recursive: true });
  mem.writeFileSync("/bench/f.txt", KB);
  const wrapped = lib.createInMemoryFileSystem();
  wrapped.writeFileSync("/bench/f.txt", KB);
  return {
    memfs: {
      readFileSync: hostLoop(() => mem.readFileSync("/bench/f.txt")),
      writeFileSync: hostLoop(() => mem.writeFileSync("/bench/f.txt", KB)),
      statSync: hostLoop(() => mem.statSync("/bench/f.txt")),
    },
    wrapper: {
      readFileSync: hostLoop(() => wrapped.readFileSync("/bench/f.txt")),
      writeFileSync: hostLoop(() => wrapped.writeFileSync("/bench/f.txt", KB)),
      statSync: hostLoop(() => wrapped.statSync("/bench/f.txt")),
    },
  };
}

export async function run() {
  const lib = await import(DIST_URL);
  const metrics = [];
  const host = hostNumbers(lib);
  for (const op of OPS) {
    metrics.push(metric({ key: `fs.host.${op}`, label: `host Node → memfs ${op} (1 KB)`, unit: "µs", value: host.memfs[op] }));
    metrics.push(metric({ key: `fs.wrapper.${op}`, label: `host Node → InMemoryFileSystem ${op} (1 KB)`, unit: "µs", value: host.wrapper[op] }));
  }
  for (const engine of ENGINES) {
    progress(`fs ops on memfs (${engine})`);
    const filesystem = lib.createInMemoryFileSystem();
    filesystem.mkdirSync("/bench", { recursive: true });
    const rt = new lib.NodeRuntime({
      runtimeDriverFactory: lib.createQuickJSRuntimeDriverFactory({ variant: engine }),
      systemDriver: lib.createNodeDriver({ filesystem, permissions: lib.allowAllFs }),
    });
    const times = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
    for (let rep = 0; rep < REPS + 1; rep++) {
      for (const [k, code] of Object.entries(VARIANTS)) {
        const t0 = performance.now();
        const r = await rt.exec(code);
        const dt = performance.now() - t0;
        if (r.code !== 0) throw new Error(`${k} failed: ${JSON.stringify(r)}`);
        if (rep > 0) times[k].push(dt); // the first round warms up
      }
    }
    rt.dispose();
    const perCallUs = (k) => ((median(times[k]) - median(times.empty)) / CALLS) * 1000;
    for (const op of OPS) {
      const us = perCallUs(op);
      metrics.push(metric({ key: `fs.sandbox.${op}`, engine, label: `sandbox fs.${op} on memfs (1 KB)`, unit: "µs", value: us }));
      metrics.push(metric({
        key: `fs.ratio.${op}`, engine, label: `sandbox ÷ host memfs, ${op}`, unit: "×", value: us / host.memfs[op], target: TARGET,
      }));
    }
  }
  return {
    family: "fs",
    metrics,
    notes: [
      `sandbox µs = (median exec time of the op loop − of the empty loop) ÷ ${CALLS} calls; ${REPS} interleaved reps.`,
      "host µs = median time of the same loop in this process ÷ calls.",
      "readFileSync returns a Buffer (no encoding); writeFileSync writes a 1 KB string.",
    ],
  };
}

await runIfMain(import.meta.url, run);
