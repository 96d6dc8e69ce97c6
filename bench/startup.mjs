/**
 * Start-up: cold start (new NodeRuntime + exec("console.log(1)") + dispose), warm exec on a
 * reused runtime, the same against bare quickjs-emscripten, and the first-ever start in a
 * fresh Node process (import + first exec).
 *
 * Cold start and warm exec are each measured twice: back to back (the next call starts in
 * the same turn of the host's event loop, so work the library defers to idle time, such as
 * refilling the instance pool, competes with it: sustained churn) and paced (a short pause
 * between calls lets deferred work finish: the latency a request sees on a server that is
 * not saturated).
 */
import { evalIn, freshInstance, sharedModule } from "./bare.mjs";
import {
  DIST_URL, ENGINES, TARGETS, median, metric, now, progress, runIfMain, runNodeJson, sample, sleep, summarize,
} from "./lib.mjs";

const COLD_RUNS = 300;
const WARM_RUNS = 1000;
const BARE_RUNS = 300;
const FIRST_START_RUNS = 10;
/** Long enough for the pool to make its two instances (~1–2 ms each) between paced samples. */
const PACE_MS = 8;
/** A gap between warm execs, as between requests to a long-lived runtime. */
const WARM_PACE_MS = 1;
const CODE = "console.log(1)";

export async function run() {
  const lib = await import(DIST_URL);
  const metrics = [];
  const notes = [];

  for (const engine of ENGINES) {
    const runtimeDriverFactory = lib.createQuickJSRuntimeDriverFactory({ variant: engine });
    const phases = { construct: [], exec: [], dispose: [] };
    const coldOnce = async () => {
      const t0 = now();
      const rt = new lib.NodeRuntime({ runtimeDriverFactory });
      const t1 = now();
      const r = await rt.exec(CODE);
      const t2 = now();
      rt.dispose();
      const t3 = now();
      if (r.code !== 0 || r.stdout !== "1\n") throw new Error(`cold exec failed: ${JSON.stringify(r)}`);
      phases.construct.push(t1 - t0);
      phases.exec.push(t2 - t1);
      phases.dispose.push(t3 - t2);
      return t3 - t0;
    };
    const phaseP50 = () => {
      const out = Object.fromEntries(Object.entries(phases).map(([k, v]) => [`${k}P50Ms`, median(v)]));
      for (const v of Object.values(phases)) v.length = 0;
      return out;
    };

    progress(`cold start, back to back (${engine})`);
    await sample(20, coldOnce);
    phaseP50();
    const b2b = await sample(COLD_RUNS, coldOnce);
    metrics.push(metric({
      key: "startup.cold", engine, label: "cold start (new + exec + dispose), back to back", unit: "ms",
      value: median(b2b), stats: summarize(b2b), target: TARGETS.coldStart, detail: phaseP50(),
    }));

    progress(`cold start, paced ${PACE_MS} ms (${engine})`);
    const paced = await sample(COLD_RUNS, coldOnce, { warmup: 5, between: () => sleep(PACE_MS) });
    metrics.push(metric({
      key: "startup.coldPaced", engine, label: `cold start, paced (${PACE_MS} ms apart: pool refilled)`, unit: "ms",
      value: median(paced), stats: summarize(paced), target: TARGETS.coldStart, detail: phaseP50(),
    }));

    progress(`warm exec (${engine})`);
    const rt = new lib.NodeRuntime({ runtimeDriverFactory });
    const warmOnce = async () => {
      const r = await rt.exec(CODE);
      if (r.code !== 0 || r.stdout !== "1\n") throw new Error(`warm exec failed: ${JSON.stringify(r)}`);
    };
    const warm = await sample(WARM_RUNS, warmOnce, { warmup: 50 });
    const warmPaced = await sample(WARM_RUNS, warmOnce, { warmup: 5, between: () => sleep(WARM_PACE_MS) });
    rt.dispose();
    metrics.push(metric({
      key: "startup.warm", engine, label: "warm exec on a reused runtime, back to back", unit: "ms",
      value: median(warm), stats: summarize(warm), target: TARGETS.warmExec,
    }));
    metrics.push(metric({
      key: "startup.warmPaced", engine, label: `warm exec, paced (${WARM_PACE_MS} ms apart)`, unit: "ms",
      value: median(warmPaced), stats: summarize(warmPaced), target: TARGETS.warmExec,
    }));

    progress(`bare quickjs-emscripten (${engine})`);
    const shared = await sharedModule(engine);
    const bareCtx = await sample(BARE_RUNS, () => void evalIn(shared, "1"), { warmup: 20 });
    metrics.push(metric({
      key: "bare.context", engine, label: "bare: runtime+context+eval(1) in a loaded module", unit: "ms",
      value: median(bareCtx), stats: summarize(bareCtx),
    }));
    const bareInst = await sample(BARE_RUNS, async () => void evalIn(await freshInstance(engine), "1"), { warmup: 20 });
    metrics.push(metric({
      key: "bare.instance", engine, label: "bare: fresh instance+memory, runtime+context+eval(1)", unit: "ms",
      value: median(bareInst), stats: summarize(bareInst),
    }));

    // The "cold start ≤ 5× bare": against the cheapest bare start (a context in a
    // shared module), and for information against a bare start with the same isolation
    // (its own instance and Memory, as every quicksand sandbox has).
    metrics.push(metric({
      key: "startup.coldVsBareContext", engine, label: "cold start p50, back to back ÷ bare context", unit: "×",
      value: median(b2b) / median(bareCtx), target: TARGETS.coldVsBare,
    }));
    metrics.push(metric({
      key: "startup.coldPacedVsBareContext", engine, label: "cold start p50, paced ÷ bare context", unit: "×",
      value: median(paced) / median(bareCtx), target: TARGETS.coldVsBare,
    }));
    metrics.push(metric({
      key: "startup.coldVsBareInstance", engine, label: "cold start p50, back to back ÷ bare fresh instance", unit: "×",
      value: median(b2b) / median(bareInst),
    }));
  }

  metrics.push(...(await firstStart()));
  notes.push(
    "cold start = new NodeRuntime() + await exec(\"console.log(1)\") + dispose(); warm exec reuses one runtime (a fresh context per exec).",
    "first start: a new `node` process per run; import = await import(dist/index.js), first exec = new NodeRuntime + first exec (compiles the WebAssembly module).",
  );
  return { family: "startup", metrics, notes };
}

// ---------------------------------------------------------------------------
// First-ever start in a fresh process
// ---------------------------------------------------------------------------

const quicksandChild = (engine) => `
const t0 = performance.now();
const lib = await import(${JSON.stringify(DIST_URL)});
const t1 = performance.now();
const rt = new lib.NodeRuntime({ runtimeDriverFactory: lib.createQuickJSRuntimeDriverFactory({ variant: ${JSON.stringify(engine)} }) });
const r = await rt.exec("console.log(1)");
const t2 = performance.now();
rt.dispose();
if (r.stdout !== "1\\n") throw new Error("bad output " + JSON.stringify(r));
console.log(JSON.stringify({ nodeBootMs: t0, importMs: t1 - t0, firstExecMs: t2 - t1 }));
process.exit(0);
`;

const bareChild = (engine) => `
const t0 = performance.now();
const core = await import("quickjs-emscripten-core");
const variant = (await import(${JSON.stringify(engine === "quickjs" ? "@jitl/quickjs-wasmfile-release-sync" : "@jitl/quickjs-ng-wasmfile-release-sync")})).default;
const t1 = performance.now();
const mod = await core.newQuickJSWASMModuleFromVariant(variant);
const ctx = mod.newRuntime().newContext();
const v = ctx.unwrapResult(ctx.evalCode("1"));
const t2 = performance.now();
if (ctx.getNumber(v) !== 1) throw new Error("bad result");
console.log(JSON.stringify({ nodeBootMs: t0, importMs: t1 - t0, firstExecMs: t2 - t1 }));
process.exit(0);
`;

async function firstStart() {
  const kinds = [
    ...ENGINES.map((engine) => ({ engine, bare: false, script: quicksandChild(engine) })),
    ...ENGINES.map((engine) => ({ engine, bare: true, script: bareChild(engine) })),
  ];
  const runs = new Map(kinds.map((k) => [k, []]));
  progress(`first start in a fresh process (${FIRST_START_RUNS} × ${kinds.length} processes)`);
  // Interleaved so that disk cache and machine noise spread evenly over the kinds.
  for (let i = 0; i < FIRST_START_RUNS + 1; i++) {
    for (const k of kinds) {
      const r = await runNodeJson(k.script);
      if (i > 0) runs.get(k).push(r); // the first round only warms the OS file cache
    }
  }
  const out = [];
  for (const k of kinds) {
    const rs = runs.get(k);
    const key = k.bare ? "bare.firstStart" : "startup.firstStart";
    const who = k.bare ? "bare: " : "";
    const importMs = rs.map((r) => r.importMs);
    const execMs = rs.map((r) => r.firstExecMs);
    const wallMs = rs.map((r) => r.wallMs);
    out.push(metric({ key: `${key}.import`, engine: k.engine, label: `${who}first start: import`, unit: "ms", value: median(importMs), stats: summarize(importMs) }));
    out.push(metric({ key: `${key}.firstExec`, engine: k.engine, label: `${who}first start: first exec`, unit: "ms", value: median(execMs), stats: summarize(execMs) }));
    out.push(metric({
      key: `${key}.process`, engine: k.engine, label: `${who}first start: whole process (spawn to exit)`, unit: "ms",
      value: median(wallMs), stats: summarize(wallMs), detail: { nodeBootP50Ms: median(rs.map((r) => r.nodeBootMs)) },
    }));
  }
  return out;
}

await runIfMain(import.meta.url, run);
