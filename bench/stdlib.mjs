/**
 * The cold-start cost of the standard library: the extra time of an exec whose script
 * requires one builtin for the first time, over an exec that requires nothing. Builtins
 * load lazily, so a script that uses none of them pays for none (the "nothing" row).
 */
import { DIST_URL, median, metric, progress, runIfMain } from "./lib.mjs";

const MODULES = ["util", "events", "path", "buffer", "url", "stream", "fs", "crypto", "zlib", "assert", "os", "child_process", "http"];
const RUNS = 15;

export async function run() {
  const lib = await import(DIST_URL);
  const rt = new lib.NodeRuntime();
  const time = async (code) => {
    const xs = [];
    for (let i = 0; i < RUNS; i++) {
      await new Promise((r) => setTimeout(r, 2));
      const t = performance.now();
      const r = await rt.exec(code);
      xs.push(performance.now() - t);
      if (r.code !== 0) throw new Error(`${code}: ${r.errorMessage}`);
    }
    return median(xs);
  };
  progress("first require of each builtin");
  const base = await time("console.log(1)");
  const metrics = [metric({ key: "stdlib.none", label: "exec requiring nothing (console.log(1))", unit: "ms", value: base })];
  for (const m of MODULES) {
    const ms = await time(`require(${JSON.stringify(m)}); console.log(1)`);
    metrics.push(metric({ key: `stdlib.${m}`, label: `first require("${m}"), added`, unit: "ms", value: ms - base }));
  }
  rt.dispose();
  return { family: "standard library (first require in an exec, over an empty exec)", metrics };
}

await runIfMain(import.meta.url, run);
