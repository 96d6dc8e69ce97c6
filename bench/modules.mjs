/**
 * Module loading: the time to require a mid-size npm package (yaml, ~290 KB of
 * JavaScript over ~60 files) through the read-only overlay, in a sandbox that has never
 * loaded it, and again in a second, fresh sandbox.
 *
 * There is no cache shared between sandboxes on purpose: each exec compiles the files it
 * requires in its own fresh context, so one tenant can never observe or poison another's
 * module state. What a second sandbox can reuse is only the host's own filesystem cache.
 */
import { DIST_URL, metric, progress, runIfMain, sample, summarize } from "./lib.mjs";

const RUNS = 15;
const CODE = `const YAML = require("yaml"); console.log(typeof YAML.parse);`;

export async function run() {
  const lib = await import(DIST_URL);
  progress("require(\"yaml\") in fresh sandboxes");
  const first = [];
  const second = [];
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    const a = new lib.NodeRuntime();
    let t = performance.now();
    await a.exec(CODE);
    first.push(performance.now() - t);
    t = performance.now();
    await a.exec(CODE);
    warm.push(performance.now() - t);
    a.dispose();
    const b = new lib.NodeRuntime();
    t = performance.now();
    await b.exec(CODE);
    second.push(performance.now() - t);
    b.dispose();
  }
  const empty = await sample(RUNS, async () => {
    const r = new lib.NodeRuntime();
    const t = performance.now();
    await r.exec("console.log(typeof 1)");
    const ms = performance.now() - t;
    r.dispose();
    return ms;
  });
  const s1 = summarize(first);
  const s2 = summarize(second);
  const s3 = summarize(warm);
  const s0 = summarize(empty);
  return {
    family: "module loading (require of yaml, ~290 KB JS, through the overlay)",
    metrics: [
      metric({ key: "modules.firstSandbox", label: "require(\"yaml\"), first sandbox", unit: "ms", value: s1.p50, stats: s1 }),
      metric({ key: "modules.secondSandbox", label: "require(\"yaml\"), second fresh sandbox", unit: "ms", value: s2.p50, stats: s2 }),
      metric({ key: "modules.sameRuntimeAgain", label: "require(\"yaml\"), next exec on the same runtime", unit: "ms", value: s3.p50, stats: s3 }),
      metric({ key: "modules.emptyExec", label: "baseline: fresh sandbox, no require", unit: "ms", value: s0.p50, stats: s0 }),
    ],
    notes: ["No module cache is shared between sandboxes or execs: every exec compiles what it requires in its own context."],
  };
}

await runIfMain(import.meta.url, run);
