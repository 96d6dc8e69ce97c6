/**
 * Compute: the same CPU-bound script (bench/workload.mjs, ~200 ms) run through
 * NodeRuntime.exec and through bare quickjs-emscripten (runtime + context + evalCode in a
 * loaded module), in the same process, interleaved. What quicksand adds on top of the
 * engine is the exec start-up (~1–2 ms), the CPU-limit interrupt handler QuickJS calls
 * every few thousand bytecodes, and its memory limit accounting.
 */
import { evalIn, sharedModule } from "./bare.mjs";
import { DIST_URL, ENGINES, TARGETS, median, metric, progress, runIfMain, summarize } from "./lib.mjs";
import { WORKLOAD_CALL } from "./workload.mjs";

/** Untimed rounds: the first runs of a WebAssembly module are slower until V8 tiers it up. */
const WARMUP = 2;
const REPS = 9;

export async function run() {
  const lib = await import(DIST_URL);
  const metrics = [];
  for (const engine of ENGINES) {
    progress(`compute workload (${engine})`);
    const rt = new lib.NodeRuntime({ runtimeDriverFactory: lib.createQuickJSRuntimeDriverFactory({ variant: engine }) });
    const bare = await sharedModule(engine);
    const expected = String(evalIn(bare, WORKLOAD_CALL));
    const quicksandMs = [];
    const bareMs = [];
    for (let rep = 0; rep < WARMUP + REPS; rep++) {
      let t0 = performance.now();
      const r = await rt.exec(`console.log(${WORKLOAD_CALL})`);
      const q = performance.now() - t0;
      if (r.code !== 0 || r.stdout !== `${expected}\n`) throw new Error(`workload failed in quicksand: ${JSON.stringify(r)}`);
      t0 = performance.now();
      const v = evalIn(bare, WORKLOAD_CALL);
      const b = performance.now() - t0;
      if (String(v) !== expected) throw new Error(`workload gave ${v} in bare quickjs-emscripten, expected ${expected}`);
      if (rep >= WARMUP) {
        quicksandMs.push(q);
        bareMs.push(b);
      }
    }
    rt.dispose();
    metrics.push(metric({ key: "compute.quicksand", engine, label: "compute workload via NodeRuntime.exec", unit: "ms", value: median(quicksandMs), stats: summarize(quicksandMs) }));
    metrics.push(metric({ key: "compute.bare", engine, label: "compute workload via bare quickjs-emscripten", unit: "ms", value: median(bareMs), stats: summarize(bareMs) }));
    metrics.push(metric({
      key: "compute.ratio", engine, label: "compute: quicksand ÷ bare (p50)", unit: "×",
      value: median(quicksandMs) / median(bareMs), target: TARGETS.compute,
    }));
  }
  return { family: "compute", metrics, notes: ["compute: bench/workload.mjs (numbers, objects, sort, Map, strings, regexp, JSON); same checksum in both."] };
}

await runIfMain(import.meta.url, run);
