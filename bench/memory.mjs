/**
 * Memory per idle sandbox: the RSS growth of a process holding 500 live NodeRuntime
 * instances that have each run one exec, divided by 500. Each measurement runs in its own
 * child process with --expose-gc and collects garbage before reading RSS, so the number is
 * what the sandboxes keep, not garbage waiting for a collection.
 *
 * The same is measured for bare quickjs-emscripten: 500 fresh module instances (own
 * Memory, the isolation quicksand gives) and 500 runtimes in one shared module, each with
 * a context that evaluated `1`.
 */
import { DIST_URL, ENGINES, TARGETS, metric, progress, runIfMain, runNodeJson } from "./lib.mjs";

const SANDBOXES = 500;
const GIB = 1024 ** 3;

const prelude = `
import { setTimeout as sleep } from "node:timers/promises";
const N = ${SANDBOXES};
const gcAll = async () => { for (let i = 0; i < 4; i++) { globalThis.gc(); await sleep(10); } };
const report = (before, after, extra) => {
  const d = (k) => after[k] - before[k];
  console.log(JSON.stringify({ n: N, rss: d("rss"), heapUsed: d("heapUsed"), external: d("external"), arrayBuffers: d("arrayBuffers"), before, after, ...extra }));
  process.exit(0);
};
`;

const quicksandChild = (engine) => `${prelude}
const lib = await import(${JSON.stringify(DIST_URL)});
const opts = { runtimeDriverFactory: lib.createQuickJSRuntimeDriverFactory({ variant: ${JSON.stringify(engine)} }) };
// Warm up: compile the module, fill the instance pool, run the lazy code paths once.
const w = new lib.NodeRuntime(opts);
await w.exec("console.log(1)");
w.dispose();
await sleep(50);
await gcAll();
const before = process.memoryUsage();
const keep = [];
for (let i = 0; i < N; i++) {
  const rt = new lib.NodeRuntime(opts);
  const r = await rt.exec("console.log(1)");
  if (r.stdout !== "1\\n") throw new Error("exec failed: " + JSON.stringify(r));
  keep.push(rt);
}
await sleep(50); // the pool refills to the same size it had before
await gcAll();
const after = process.memoryUsage();
// Best effort: the guest's view of its own linear memory (process.memoryUsage().rss).
const probe = await keep[0].exec("console.log(JSON.stringify(process.memoryUsage()))");
const guestMemoryUsage = probe.code === 0 ? JSON.parse(probe.stdout) : { error: probe.errorMessage };
report(before, after, { guestMemoryUsage });
`;

const bareChild = (engine, mode) => `${prelude}
const bare = await import(${JSON.stringify(new URL("./bare.mjs", import.meta.url).href)});
const shared = await bare.sharedModule(${JSON.stringify(engine)});
await bare.compiledModule(${JSON.stringify(engine)});
bare.evalIn(await bare.freshInstance(${JSON.stringify(engine)}), "1");
await gcAll();
const before = process.memoryUsage();
const keep = [];
for (let i = 0; i < N; i++) {
  const module = ${mode === "instance" ? `await bare.freshInstance(${JSON.stringify(engine)})` : "shared"};
  const runtime = module.newRuntime();
  const context = runtime.newContext();
  context.unwrapResult(context.evalCode("1")).dispose();
  keep.push({ module, runtime, context });
}
await gcAll();
report(before, process.memoryUsage(), {});
`;

export async function run() {
  const metrics = [];
  const notes = [];
  const perSandbox = (r) => r.rss / r.n / 1024;
  for (const engine of ENGINES) {
    progress(`memory: ${SANDBOXES} idle sandboxes (${engine})`);
    const r = await runNodeJson(quicksandChild(engine), { nodeArgs: ["--expose-gc"] });
    const kib = perSandbox(r);
    metrics.push(metric({
      key: "memory.idle", engine, label: `idle sandbox: RSS ÷ ${SANDBOXES} live NodeRuntimes`, unit: "KiB", value: kib, target: TARGETS.idleSandbox,
      detail: {
        heapUsedKiBPerSandbox: r.heapUsed / r.n / 1024,
        externalKiBPerSandbox: r.external / r.n / 1024,
        guestMemoryUsage: r.guestMemoryUsage,
      },
    }));
    metrics.push(metric({ key: "memory.perGiB", engine, label: "idle sandboxes per GiB of RSS", unit: "count", value: GIB / (kib * 1024) }));
    // V8 counts each sandbox's whole WebAssembly.Memory as external memory; RSS only the pages touched.
    notes.push(
      `${engine}: per sandbox ${Math.round(kib)} KiB RSS, of which host JS heap ${Math.round(r.heapUsed / r.n / 1024)} KiB; ` +
        `V8 counts ${(r.external / r.n / 2 ** 20).toFixed(1)} MiB external per sandbox (its WebAssembly.Memory, mostly untouched)` +
        (r.guestMemoryUsage.error ? `; guest process.memoryUsage() failed: ${r.guestMemoryUsage.error}` : ""),
    );
    for (const mode of ["instance", "context"]) {
      progress(`memory: ${SANDBOXES} bare quickjs-emscripten ${mode}s (${engine})`);
      const b = await runNodeJson(bareChild(engine, mode), { nodeArgs: ["--expose-gc"] });
      metrics.push(metric({
        key: `bare.memory.${mode}`, engine, unit: "KiB", value: perSandbox(b),
        label: mode === "instance" ? "bare: fresh instance + runtime + context, RSS each" : "bare: runtime + context in a shared module, RSS each",
        detail: { heapUsedKiBPerSandbox: b.heapUsed / b.n / 1024 },
      }));
    }
  }
  return { family: "memory", metrics, notes };
}

await runIfMain(import.meta.url, run);
