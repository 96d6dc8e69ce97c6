/**
 * Host-op round trip: the cost of one synchronous guest → host → guest call through the
 * bridge (op lookup, argument decoding, permission gate, implementation, result encoding).
 * `process.cwd()` is the cheapest real op: no arguments, no permission request, a short
 * string back. `process.env.HOME` adds one decoded string argument and a call of the env
 * permission callback. One exec runs a loop of N calls; the same loop with an empty body is
 * the baseline. Each variant runs REPS times, interleaved, and the medians are compared.
 *
 * The floor under any bridge: a bare quickjs-emscripten host function (`newFunction`)
 * returning a string, called the same way, in a fresh instance of the same engine.
 */
import { freshInstance } from "./bare.mjs";
import { DIST_URL, ENGINES, median, metric, progress, runIfMain } from "./lib.mjs";

const CALLS = 10_000;
const REPS = 15;

// `process` is a lazy global: touch it before the loop so loading the process unit is in
// every variant's fixed cost, not in the difference.
const loop = (body) => `const p = process; p.cwd(); const env = p.env; let x;
for (let i = 0; i < ${CALLS}; i++) { ${body} }
console.log(typeof x);`;

const VARIANTS = {
  empty: loop(""),
  cwd: loop("x = p.cwd();"),
  envGet: loop("x = env.HOME;"),
};

export async function run() {
  const lib = await import(DIST_URL);
  const metrics = [];
  for (const engine of ENGINES) {
    progress(`host-op round trip (${engine})`);
    const rt = new lib.NodeRuntime({
      runtimeDriverFactory: lib.createQuickJSRuntimeDriverFactory({ variant: engine }),
      systemDriver: lib.createNodeDriver({ permissions: lib.allowAllEnv }),
    });
    const times = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
    for (let rep = 0; rep < REPS + 1; rep++) {
      for (const [k, code] of Object.entries(VARIANTS)) {
        const t0 = performance.now();
        const r = await rt.exec(code, { env: { HOME: "/home/user" } });
        const dt = performance.now() - t0;
        if (r.code !== 0 || r.stdout !== (k === "empty" ? "undefined\n" : "string\n")) throw new Error(`${k} failed: ${JSON.stringify(r)}`);
        if (rep > 0) times[k].push(dt); // the first round warms up
      }
    }
    rt.dispose();
    const perCallUs = (k) => ((median(times[k]) - median(times.empty)) / CALLS) * 1000;
    metrics.push(metric({
      key: "hostop.cwd", engine, label: `host-op round trip: process.cwd() (loop of ${CALLS.toLocaleString("en-US")})`, unit: "µs",
      value: perCallUs("cwd"),
      detail: { execMsP50: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])), reps: REPS },
    }));
    metrics.push(metric({
      key: "hostop.envGet", engine, label: "host-op round trip: process.env.HOME (arg + permission)", unit: "µs", value: perCallUs("envGet"),
    }));
    const bare = await bareHostFunction(engine);
    metrics.push(metric({ key: "bare.hostFn", engine, label: "bare: newFunction call returning a string", unit: "µs", value: bare.noArg }));
    metrics.push(metric({ key: "bare.hostFnArg", engine, label: "bare: newFunction call, string arg in and out", unit: "µs", value: bare.stringArg }));
  }
  return { family: "hostop", metrics, notes: ["host-op µs = (median exec time of the cwd loop − of the empty loop) ÷ calls."] };
}

/** µs per call of a bare quickjs-emscripten host function, measured like the ops above. */
async function bareHostFunction(engine) {
  const module = await freshInstance(engine);
  const runtime = module.newRuntime();
  const context = runtime.newContext();
  const constant = context.newFunction("constant", () => context.newString("/root"));
  const echo = context.newFunction("echo", (h) => context.newString(context.getString(h)));
  context.setProp(context.global, "constant", constant);
  context.setProp(context.global, "echo", echo);
  constant.dispose();
  echo.dispose();
  const timeLoop = (body) => {
    const t0 = performance.now();
    context.unwrapResult(context.evalCode(`(function () { let x; for (let i = 0; i < ${CALLS}; i++) { ${body} } return typeof x; })()`)).dispose();
    return performance.now() - t0;
  };
  const bodies = { empty: "", noArg: "x = constant();", stringArg: "x = echo('HOME');" };
  const times = Object.fromEntries(Object.keys(bodies).map((k) => [k, []]));
  for (let rep = 0; rep < REPS + 1; rep++) {
    for (const [k, body] of Object.entries(bodies)) {
      const dt = timeLoop(body);
      if (rep > 0) times[k].push(dt);
    }
  }
  context.dispose();
  runtime.dispose();
  const us = (k) => ((median(times[k]) - median(times.empty)) / CALLS) * 1000;
  return { noArg: us("noArg"), stringArg: us("stringArg") };
}

await runIfMain(import.meta.url, run);
