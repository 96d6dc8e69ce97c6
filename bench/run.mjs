/**
 * `npm run bench`: builds the library (package.json does that first), runs every benchmark
 * family against dist/ — each in a fresh child process — prints one table per family, a
 * quickjs vs quickjs-ng comparison and a JSON summary, and writes the full results to
 * bench/results/core.json (families other than the core ones, such as bench/fs.mjs when it
 * exists, go to bench/results/<family>.json). Nothing here passes or fails on time.
 *
 * `BENCH_ONLY=startup,fs node bench/run.mjs` runs a subset (results still go to the same
 * files, with only the families that ran).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, ENGINES, ROOT, fmt, metricsTable, runNodeScript, table } from "./lib.mjs";

const CORE = ["startup", "hostop", "compute", "memory"];
/** Families other engineers may add; run when their file exists. */
const OPTIONAL = ["fs", "modules", "network", "stdlib", "bindings"];
const RESULTS_DIR = join(BENCH_DIR, "results");

/** Rows of the engine comparison: metric key and what the row says. */
const COMPARE = [
  ["startup.cold", "cold start p50, back to back (ms)"],
  ["startup.coldPaced", "cold start p50, paced (ms)"],
  ["startup.warm", "warm exec p50, back to back (ms)"],
  ["startup.warmPaced", "warm exec p50, paced (ms)"],
  ["startup.firstStart.firstExec", "first exec in a fresh process p50 (ms)"],
  ["hostop.cwd", "host-op round trip, process.cwd() (µs)"],
  ["bare.hostFn", "bare newFunction round trip (µs)"],
  ["compute.quicksand", "compute workload p50 (ms)"],
  ["compute.ratio", "compute ÷ bare, same engine (×)"],
  ["memory.idle", "idle sandbox RSS (KiB)"],
  ["bare.context", "bare runtime+context+eval p50 (ms)"],
];

async function runFamily(name, tmp) {
  const file = join(BENCH_DIR, `${name}.mjs`);
  const out = join(tmp, `${name}.json`);
  const script = `
import { writeFileSync } from "node:fs";
const mod = await import(${JSON.stringify(pathToFileURL(file).href)});
const result = typeof mod.run === "function" ? await mod.run() : { family: ${JSON.stringify(name)}, metrics: [], notes: ["bench/${name}.mjs exports no run()"] };
writeFileSync(${JSON.stringify(out)}, JSON.stringify(result));
process.exit(0);
`;
  process.stderr.write(`\n▶ ${name}\n`);
  const t0 = performance.now();
  const r = await runNodeScript(script, { nodeArgs: ["--expose-gc"], inheritStderr: true, timeoutMs: 180_000 });
  if (r.stdout.trim()) process.stdout.write(r.stdout);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0 || !existsSync(out)) {
    return { family: name, metrics: [], error: `exited with ${r.code ?? r.signal}`, seconds };
  }
  const result = JSON.parse(readFileSync(out, "utf8"));
  return { family: name, ...result, metrics: Array.isArray(result.metrics) ? result.metrics : [], seconds };
}

function meta() {
  let commit;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    commit = undefined;
  }
  const version = (pkg) => JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  return {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadavgBefore: loadavg(),
    versions: {
      "quickjs-emscripten-core": version("quickjs-emscripten-core"),
      "@jitl/quickjs-ng-wasmfile-release-sync": version("@jitl/quickjs-ng-wasmfile-release-sync"),
      "@jitl/quickjs-wasmfile-release-sync": version("@jitl/quickjs-wasmfile-release-sync"),
    },
  };
}

function comparison(metrics) {
  const byId = new Map(metrics.map((m) => [m.id, m]));
  const rows = [];
  for (const [key, label] of COMPARE) {
    const [ng, qjs] = ENGINES.map((e) => byId.get(`${key}.${e}`));
    if (!ng || !qjs) continue;
    const v = (m) => m.stats?.p50 ?? m.value;
    rows.push({ key, label, unit: ng.unit, "quickjs-ng": v(ng), quickjs: v(qjs), ngOverQuickjs: v(ng) / v(qjs) });
  }
  return rows;
}

const round = (x) => Number(x.toPrecision(4));

function summary(metrics, compare) {
  return {
    targets: Object.fromEntries(
      metrics.filter((m) => m.target).map((m) => [m.id, { value: round(m.value), unit: m.unit, target: m.target.text, ratio: round(m.ratio) }]),
    ),
    engines: Object.fromEntries(compare.map((r) => [r.key, { unit: r.unit, "quickjs-ng": round(r["quickjs-ng"]), quickjs: round(r.quickjs) }])),
  };
}

/** Two-level JSON with one entry per line: short enough to read, still valid JSON. */
function compactJson(obj) {
  const groups = Object.entries(obj).map(([k, group]) => {
    const lines = Object.entries(group).map(([id, v]) => `    ${JSON.stringify(id)}: ${JSON.stringify(v)}`);
    return lines.length ? `  ${JSON.stringify(k)}: {\n${lines.join(",\n")}\n  }` : `  ${JSON.stringify(k)}: {}`;
  });
  return `{\n${groups.join(",\n")}\n}`;
}

async function main() {
  if (!existsSync(join(ROOT, "dist", "index.js"))) throw new Error("dist/index.js is missing: run `npm run build` first (npm run bench does)");
  const info = meta();
  const only = process.env.BENCH_ONLY?.split(",").map((f) => f.trim()).filter(Boolean);
  const families = [...CORE, ...OPTIONAL.filter((f) => existsSync(join(BENCH_DIR, `${f}.mjs`)))].filter((f) => !only || only.includes(f));
  process.stderr.write(`quicksand bench — ${info.node}, ${info.cores} × ${info.cpu}, load ${info.loadavgBefore.map((x) => x.toFixed(2)).join(" ")}\n`);
  if (info.loadavgBefore[0] > 0.5) process.stderr.write("warning: the machine is busy (1-minute load > 0.5); numbers will be noisy\n");

  const tmp = mkdtempSync(join(tmpdir(), "quicksand-bench-"));
  const results = [];
  try {
    for (const f of families) results.push(await runFamily(f, tmp));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  info.loadavgAfter = loadavg();

  for (const r of results) {
    console.log(`\n## ${r.family}${r.error ? ` — FAILED: ${r.error}` : ""} (${r.seconds.toFixed(1)} s)\n`);
    if (r.metrics.length) console.log(metricsTable(r.metrics));
    for (const note of r.notes ?? []) console.log(`  note: ${note}`);
  }

  const core = results.filter((r) => CORE.includes(r.family));
  const coreMetrics = core.flatMap((r) => r.metrics);
  const compare = comparison(coreMetrics);
  console.log("\n## quickjs-ng vs quickjs (p50 or value; lower is better)\n");
  console.log(table(
    ["metric", "quickjs-ng", "quickjs", "ng ÷ quickjs"],
    compare.map((r) => [r.label, fmt(r["quickjs-ng"], r.unit), fmt(r.quickjs, r.unit), `${r.ngOverQuickjs.toFixed(2)}×`]),
  ));

  const targeted = results.flatMap((r) => r.metrics).filter((m) => m.target);
  console.log("\n## targets (issue 2; ÷ target ≤ 1 meets it)\n");
  console.log(table(
    ["metric", "engine", "value", "target", "÷ target"],
    targeted.map((m) => [m.label, m.engine ?? "", `${fmt(m.value, m.unit)} ${m.unit === "×" ? "" : m.unit}`.trim(), m.target.text, m.ratio.toFixed(2)]),
  ));

  const sum = summary(coreMetrics, compare);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, "core.json"), JSON.stringify({ meta: info, summary: sum, comparison: compare, families: core }, null, 2) + "\n");
  for (const r of results.filter((x) => !CORE.includes(x.family))) {
    writeFileSync(join(RESULTS_DIR, `${r.family}.json`), JSON.stringify({ meta: info, ...r }, null, 2) + "\n");
  }
  console.log("\n## summary (also in bench/results/core.json)\n");
  console.log(compactJson(sum));
  if (results.some((r) => r.error)) process.exitCode = 1;
}

await main();
