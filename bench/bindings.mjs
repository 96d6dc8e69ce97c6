/**
 * Host bindings and sessions.
 *
 * Binding round trip: one guest call of `SecureExec.bindings.add(i, 1)` — arguments
 * serialized in the guest, the binding.* op (decode, revive, call, copy the result),
 * the result revived in the guest — measured like bench/hostop.mjs: a loop of N calls in
 * one exec, minus the same loop with an empty body, over calls. Three kinds of leaf: a
 * plain function (sync), an `async` function (one async op, awaited in the loop), and a
 * plain function that returns a Promise (a sync op, then an async one); and a sync leaf that
 * echoes a small object (serialized as tagged JSON both ways), and one that returns 100
 * plain rows (a database-like result: plain JSON, parsed natively). The floor beside
 * each: a bare quickjs-emscripten host function doing the same (sync: a number back;
 * async: a guest Promise the host resolves at once), in a fresh instance of the engine.
 *
 * Session step latency: one `session.exec()` / `session.eval()` of a small statement on
 * a warm session, against one `runtime.exec()` of the same code on a warm runtime (a
 * fresh context each time: what a session saves).
 */
import { freshInstance } from "./bare.mjs";
import { DIST_URL, ENGINES, median, metric, progress, runIfMain, sample, summarize } from "./lib.mjs";

const SYNC_CALLS = 10_000;
const ASYNC_CALLS = 2_000;
const REPS = 11;
const STEPS = 200;
/** A database-like result: 100 rows of plain data. */
const ROWS = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `user ${i}`, email: `u${i}@example.com`, active: i % 2 === 0, score: i * 1.5 }));

const syncLoop = (body) => `const { add, echo, rows } = SecureExec.bindings; add(0, 0); echo({}); rows(); let x;
for (let i = 0; i < ${SYNC_CALLS}; i++) { ${body} }
console.log(typeof x);`;
const asyncLoop = (body) => `(async () => { const { addAsync, addPromise } = SecureExec.bindings; await addAsync(0, 0); await addPromise(0, 0); let x;
for (let i = 0; i < ${ASYNC_CALLS}; i++) { ${body} }
console.log(typeof x); })()`;

const VARIANTS = {
  syncEmpty: [syncLoop("x = i;"), SYNC_CALLS],
  sync: [syncLoop("x = add(i, 1);"), SYNC_CALLS],
  object: [syncLoop("x = echo({ id: i, tags: ['a', 'b'], at: new Date(0) }).id;"), SYNC_CALLS],
  rows: [syncLoop("if (i % 10 === 0) x = rows().length;"), SYNC_CALLS / 10],
  asyncEmpty: [asyncLoop("x = await i;"), ASYNC_CALLS],
  async: [asyncLoop("x = await addAsync(i, 1);"), ASYNC_CALLS],
  promise: [asyncLoop("x = await addPromise(i, 1);"), ASYNC_CALLS],
};

export async function run() {
  const lib = await import(DIST_URL);
  const metrics = [];
  for (const engine of ENGINES) {
    progress(`binding round trip (${engine})`);
    const rt = new lib.NodeRuntime({
      runtimeDriverFactory: lib.createQuickJSRuntimeDriverFactory({ variant: engine }),
      bindings: { add: (a, b) => a + b, echo: (v) => v, rows: () => ROWS, addAsync: async (a, b) => a + b, addPromise: (a, b) => Promise.resolve(a + b) },
    });
    const times = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
    for (let rep = 0; rep < REPS + 1; rep++) {
      for (const [k, [code]] of Object.entries(VARIANTS)) {
        const t0 = performance.now();
        const r = await rt.exec(code);
        const dt = performance.now() - t0;
        if (r.code !== 0 || r.stdout !== "number\n") throw new Error(`${k} failed: ${JSON.stringify(r)}`);
        if (rep > 0) times[k].push(dt);
      }
    }
    rt.dispose();
    const perCallUs = (k, empty) => ((median(times[k]) - median(times[empty])) / VARIANTS[k][1]) * 1000;
    const bare = await bareRoundTrips(engine);
    const detail = { execMsP50: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])), reps: REPS };
    metrics.push(metric({ key: "bindings.sync", engine, label: "binding call, sync leaf add(i, 1)", unit: "µs", value: perCallUs("sync", "syncEmpty"), detail }));
    metrics.push(metric({ key: "bindings.object", engine, label: "binding call, sync leaf echoing { id, tags: [2], at: Date }", unit: "µs", value: perCallUs("object", "syncEmpty") }));
    metrics.push(metric({ key: "bindings.rows", engine, label: "binding call, sync leaf returning 100 plain rows", unit: "µs", value: perCallUs("rows", "syncEmpty") }));
    metrics.push(metric({ key: "bindings.bareSync", engine, label: "bare newFunction add(i, 1)", unit: "µs", value: bare.sync }));
    metrics.push(metric({ key: "bindings.async", engine, label: "binding call, async leaf, awaited", unit: "µs", value: perCallUs("async", "asyncEmpty") }));
    metrics.push(metric({ key: "bindings.promise", engine, label: "binding call, leaf returning a Promise, awaited", unit: "µs", value: perCallUs("promise", "asyncEmpty") }));
    metrics.push(metric({ key: "bindings.bareAsync", engine, label: "bare newFunction returning a resolved guest Promise, awaited", unit: "µs", value: bare.async }));
  }
  metrics.push(...(await sessionSteps(lib)));
  return {
    family: "bindings and sessions",
    metrics,
    notes: [
      "binding µs = (median exec time of the call loop − of the same loop without the call) ÷ calls; bare = the same with a bare quickjs-emscripten host function.",
      "async and Promise leaves include a turn of quicksand's event loop per call (the result is delivered by the loop, not from a host callback).",
      "session step vs exec: both on a warm in-process runtime; exec makes a fresh context (and boots the Node world it touches) each time.",
    ],
  };
}

/** µs per call of bare host functions: sync (a number back) and async (a guest Promise resolved at once). */
async function bareRoundTrips(engine) {
  const module = await freshInstance(engine);
  const runtime = module.newRuntime();
  const context = runtime.newContext();
  const add = context.newFunction("add", (a, b) => context.newNumber(context.getNumber(a) + context.getNumber(b)));
  const addAsync = context.newFunction("addAsync", (a, b) => {
    const d = context.newPromise();
    const v = context.newNumber(context.getNumber(a) + context.getNumber(b));
    d.resolve(v);
    v.dispose();
    const p = d.handle.dup();
    d.dispose();
    return p;
  });
  context.setProp(context.global, "add", add);
  context.setProp(context.global, "addAsync", addAsync);
  add.dispose();
  addAsync.dispose();
  const timeSync = (body) => {
    const t0 = performance.now();
    context.unwrapResult(context.evalCode(`(function () { let x; for (let i = 0; i < ${SYNC_CALLS}; i++) { ${body} } return typeof x; })()`)).dispose();
    return performance.now() - t0;
  };
  const timeAsync = (body) => {
    const t0 = performance.now();
    context.unwrapResult(context.evalCode(`(async function () { let x; for (let i = 0; i < ${ASYNC_CALLS}; i++) { ${body} } return typeof x; })()`)).dispose();
    runtime.executePendingJobs(-1);
    return performance.now() - t0;
  };
  const times = { syncEmpty: [], sync: [], asyncEmpty: [], async: [] };
  for (let rep = 0; rep < REPS + 1; rep++) {
    const row = { syncEmpty: timeSync("x = i;"), sync: timeSync("x = add(i, 1);"), asyncEmpty: timeAsync("x = await i;"), async: timeAsync("x = await addAsync(i, 1);") };
    if (rep > 0) for (const k of Object.keys(row)) times[k].push(row[k]);
  }
  context.dispose();
  runtime.dispose();
  return {
    sync: ((median(times.sync) - median(times.syncEmpty)) / SYNC_CALLS) * 1000,
    async: ((median(times.async) - median(times.asyncEmpty)) / ASYNC_CALLS) * 1000,
  };
}

/** Latency of one small session step against one exec of the same code on a warm runtime. */
async function sessionSteps(lib) {
  progress("session step vs exec");
  const code = "globalThis.n = (globalThis.n ?? 0) + 1; JSON.stringify({ n })";
  const rt = new lib.NodeRuntime();
  const session = rt.openSession();
  const step = await sample(STEPS, () => session.exec(code), { warmup: 10 });
  const evalStep = await sample(STEPS, () => session.eval(code), { warmup: 10 });
  const exec = await sample(STEPS, () => rt.exec(code), { warmup: 10 });
  const withProcess = "process.env; " + code;
  const stepProcess = await sample(STEPS, () => session.exec(withProcess), { warmup: 10 });
  const execProcess = await sample(STEPS, () => rt.exec(withProcess), { warmup: 10 });
  session.close();
  rt.dispose();
  const s = (xs) => summarize(xs);
  return [
    metric({ key: "session.exec", label: "session.exec() step (small statement)", unit: "ms", value: s(step).p50, stats: s(step) }),
    metric({ key: "session.eval", label: "session.eval() step, value copied out", unit: "ms", value: s(evalStep).p50, stats: s(evalStep) }),
    metric({ key: "session.freshExec", label: "runtime.exec() of the same code (fresh context)", unit: "ms", value: s(exec).p50, stats: s(exec) }),
    metric({ key: "session.execProcess", label: "session.exec() step touching process", unit: "ms", value: s(stepProcess).p50, stats: s(stepProcess) }),
    metric({ key: "session.freshExecProcess", label: "runtime.exec() touching process (boots the Node world)", unit: "ms", value: s(execProcess).p50, stats: s(execProcess) }),
  ];
}

await runIfMain(import.meta.url, run);
