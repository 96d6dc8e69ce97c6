/**
 * `npm run bench:peers`: quicksand side by side with its peers, in one run —
 *
 *   quicksand in-process      NodeRuntime, guest code on the caller's thread
 *   quicksand worker          NodeRuntime on a WorkerPool (n/a until dist/ exports WorkerPool)
 *   @sebastianwessel/quickjs  QuickJS-ng WASM too, all sandboxes in one shared module
 *   secure-exec exec()        V8 isolates in a Rust sidecar process (CommonJS exec, like ours)
 *   secure-exec run()         the same, ES module run (no 100 ms grace period at the end)
 *
 * The peers live in bench/peers/ with their own package.json and lock (bench/peers/install.mjs
 * installs them; npm run bench:peers does that first). Every (system, section) runs in a
 * fresh child process with --expose-gc (bench/peers/sections.mjs says what each section
 * measures). The run prints one table of metric × system, the ratios against secure-exec,
 * the targets of issue 8, and writes everything to bench/results/peers-<date>.json.
 * Benchmarks print numbers; nothing here fails on time.
 *
 * PEERS_ONLY=quicksand,secure-exec and PEERS_SECTIONS=latency,lag run a subset.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { BENCH_DIR, ROOT, table } from "./lib.mjs";
import { SECTIONS } from "./peers/sections.mjs";
import { LABELS, SYSTEMS } from "./peers/systems.mjs";

const PEERS_DIR = join(BENCH_DIR, "peers");
const RESULTS_DIR = join(BENCH_DIR, "results");
const SE = "secure-exec";
const SE_RUN = "secure-exec-run";
const QS = "quicksand";
const QW = "quicksand-worker";

const list = (v) => v?.split(",").map((x) => x.trim()).filter(Boolean);
const onlySystems = list(process.env.PEERS_ONLY);
const onlySections = list(process.env.PEERS_SECTIONS);
const systems = Object.keys(SYSTEMS).filter((s) => !onlySystems || onlySystems.includes(s));
const sections = SECTIONS.filter((s) => !onlySections || onlySections.includes(s));

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/** Runs bench/peers/child.mjs for one (system, section); its stderr (progress) passes through. */
function runChild(system, section, timeoutMs = 300_000) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--expose-gc", join(PEERS_DIR, "child.mjs"), system, section], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const line = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        resolve({ system, section, ok: false, seconds, error: `child exited with ${code ?? signal}: ${stdout.slice(-1000)}` });
      } else {
        resolve({ ...JSON.parse(line), seconds });
      }
    });
  });
}

function version(pkg, base = join(PEERS_DIR, "node_modules")) {
  try {
    return JSON.parse(readFileSync(join(base, pkg, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

function meta() {
  const git = (args) => {
    try {
      return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return undefined;
    }
  };
  const dist = join(ROOT, "dist", "index.js");
  return {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "--short", "HEAD"]),
    dirty: Boolean(git(["status", "--porcelain", "--untracked-files=no", "--", "src"])),
    distBuilt: existsSync(dist) ? statSync(dist).mtime.toISOString() : undefined,
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadavgBefore: loadavg(),
    versions: {
      "secure-exec": version("secure-exec"),
      "@secure-exec/v8": version("@secure-exec/v8"),
      "@secure-exec/v8-linux-x64-gnu": version("@secure-exec/v8-linux-x64-gnu"),
      "@sebastianwessel/quickjs": version("@sebastianwessel/quickjs"),
      "@jitl/quickjs-ng-wasmfile-release-sync (peers)": version("@jitl/quickjs-ng-wasmfile-release-sync"),
      "@jitl/quickjs-ng-wasmfile-release-sync (quicksand)": version("@jitl/quickjs-ng-wasmfile-release-sync", join(ROOT, "node_modules")),
    },
  };
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

/** One row per metric: how to read it from a system's merged section results. */
const ROWS = [
  { key: "cold.p50", label: "cold start p50 (new sandbox + console.log(1) + dispose)", unit: "ms", better: "lower", get: (r) => r.cold?.p50 },
  { key: "cold.p95", label: "cold start p95", unit: "ms", better: "lower", get: (r) => r.cold?.p95 },
  { key: "cold.p99", label: "cold start p99", unit: "ms", better: "lower", get: (r) => r.cold?.p99 },
  { key: "firstExec", label: "first exec in a fresh process (import + first sandbox)", unit: "ms", better: "lower", get: (r) => r.firstExec },
  { key: "warm.p50", label: "warm exec p50 (one sandbox reused)", unit: "ms", better: "lower", get: (r) => r.warm?.p50 },
  { key: "throughput", label: "tiny execs per second (best of 2/4/8/16 in flight)", unit: "exec/s", better: "higher", get: (r) => r.throughput?.execsPerSec },
  // secure-exec keeps no isolate in an idle runtime: no ratio against it for these two (n/c).
  { key: "memory.idle", label: "RSS per idle sandbox (after one exec)", unit: "KiB", better: "lower", get: (r) => r.memory?.perSandboxKiB, noRatio: true },
  { key: "memory.perGiB", label: "idle sandboxes per GiB", unit: "count", better: "higher", get: (r) => r.memory?.perGiB, noRatio: true },
  { key: "memory.busy", label: "RSS per busy sandbox (guest waiting on a timer)", unit: "KiB", better: "lower", get: (r) => r.busy?.perSandboxKiB },
  { key: "hostFs", label: "host-op round trip: fs.existsSync('/x')", unit: "µs", better: "lower", get: (r) => r.hostFs?.usPerCall },
  { key: "hostCheap", label: "host-op round trip: cheapest host call (¹)", unit: "µs", better: "lower", get: (r) => r.hostCheap?.usPerCall },
  { key: "fib", label: "compute: fib(25), in-guest time", unit: "ms", better: "lower", get: (r) => r.fib?.ms },
  { key: "sort", label: "compute: sort 100k numbers, in-guest time", unit: "ms", better: "lower", get: (r) => r.sort?.ms },
  { key: "lag.p99", label: "host event-loop lag p99, 4 guests spinning (2 s limit)", unit: "ms", better: "lower", get: (r) => r.lag?.p99 },
  { key: "lag.max", label: "host event-loop lag max, same", unit: "ms", better: "lower", get: (r) => r.lag?.max },
];

function fmt(v, unit) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return "∞";
  if (unit === "count" || unit === "KiB" || unit === "exec/s") return Math.round(v).toLocaleString("en-US");
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

/** How many times better `v` is than `base` (> 1: better), by the row's direction. */
function timesBetter(row, v, base) {
  if (v === undefined || base === undefined || v === null || base === null) return undefined;
  // An RSS growth at or below zero is noise around nothing kept: no meaningful ratio.
  if (v <= 0 || base <= 0) return undefined;
  return row.better === "higher" ? v / base : base / v;
}

function fmtX(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return "∞";
  return `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2)}×`;
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(ROOT, "dist", "index.js"))) throw new Error("dist/index.js is missing: run `npm run build` first (npm run bench:peers does)");
  const info = meta();
  process.stderr.write(`quicksand peers bench — ${info.node}, ${info.cores} × ${info.cpu}, load ${info.loadavgBefore.map((x) => x.toFixed(2)).join(" ")}\n`);
  if (info.loadavgBefore[0] > 0.5) process.stderr.write("warning: the machine is busy (1-minute load > 0.5); numbers will be noisy\n");

  /** system → { available, reason?, results: merged section results, errors: {section: msg} } */
  const bySystem = {};
  for (const system of systems) {
    const entry = (bySystem[system] = { label: LABELS[system], available: true, results: {}, errors: {}, seconds: 0 });
    for (const section of sections) {
      process.stderr.write(`\n▶ ${LABELS[system]} — ${section}\n`);
      const r = await runChild(system, section);
      entry.seconds += r.seconds ?? 0;
      if (r.ok) {
        Object.assign(entry.results, r.results);
      } else if (r.unavailable) {
        entry.available = false;
        entry.reason = r.error;
        process.stderr.write(`  n/a: ${r.error}\n`);
        break;
      } else {
        entry.errors[section] = r.error;
        process.stderr.write(`  FAILED: ${r.error.split("\n")[0]}\n`);
      }
    }
  }
  info.loadavgAfter = loadavg();

  const cell = (system, row) => {
    const e = bySystem[system];
    if (!e) return undefined;
    return e.available ? row.get(e.results) : undefined;
  };

  // Table 1: metric × system.
  const header = ["metric", "unit", ...systems.map((s) => LABELS[s])];
  const rows = ROWS.map((row) => [row.label, `${row.unit} ${row.better === "higher" ? "↑" : "↓"}`, ...systems.map((s) => (bySystem[s].available ? fmt(cell(s, row), row.unit) : "n/a"))]);
  console.log(`\n## quicksand and its peers — ${info.node}, ${info.cores} × ${info.cpu}\n`);
  console.log(table(header, rows, ["l", "l", ...systems.map(() => "r")]));
  console.log("\n↓ lower is better, ↑ higher is better; – not measured (see notes).");
  const cheapNames = systems.filter((s) => bySystem[s].results.hostCheap).map((s) => `${LABELS[s]}: ${bySystem[s].results.hostCheap.name}`);
  if (cheapNames.length) console.log(`(¹) ${cheapNames.join("; ")}.`);

  // Table 2: ratios against secure-exec.
  const others = systems.filter((s) => s !== SE && s !== SE_RUN);
  const ratioRows = [];
  const ratios = {};
  if (bySystem[SE]?.available || bySystem[SE_RUN]?.available) {
    for (const row of ROWS) {
      const seExec = cell(SE, row);
      const seRun = cell(SE_RUN, row);
      ratios[row.key] = {};
      const cells = others.map((s) => {
        const v = bySystem[s].available ? cell(s, row) : undefined;
        const a = timesBetter(row, v, seExec);
        const b = timesBetter(row, v, seRun);
        if (row.noRatio) return bySystem[s].available ? "n/c" : "n/a";
        ratios[row.key][s] = { vsExec: a, vsRun: b };
        return bySystem[s].available ? `${fmtX(a)} / ${fmtX(b)}` : "n/a";
      });
      ratioRows.push([row.label, ...cells]);
    }
    console.log("\n## against secure-exec: times better (vs exec() / vs run()); > 1× is better than secure-exec\n");
    console.log(table(["metric", ...others.map((s) => LABELS[s])], ratioRows, ["l", ...others.map(() => "r")]));
    console.log("\nn/c: not comparable — an idle secure-exec runtime holds no isolate (its idle RSS is noise around zero); compare the busy row.");
  }

  // Table 3: the targets of issue 8.
  const targets = [];
  const qsSystems = [QS, QW].filter((s) => bySystem[s]);
  const v = (s, key) => cell(s, ROWS.find((r) => r.key === key));
  for (const s of qsSystems) {
    const avail = bySystem[s].available;
    const cold = timesBetter(ROWS[0], v(s, "cold.p50"), v(SE, "cold.p50"));
    const coldRun = timesBetter(ROWS[0], v(s, "cold.p50"), v(SE_RUN, "cold.p50"));
    targets.push({ target: "cold start p50 ≥ 10× faster than secure-exec exec()", system: s, value: cold, limit: 10, dir: "min", show: fmtX(cold), avail });
    targets.push({ target: "cold start p50 ≥ 10× faster than secure-exec run()", system: s, value: coldRun, limit: 10, dir: "min", show: fmtX(coldRun), avail });
    const perGiB = v(s, "memory.perGiB");
    targets.push({ target: "≥ 2,000 idle sandboxes per GiB", system: s, value: perGiB, limit: 2000, dir: "min", show: fmt(perGiB, "count"), avail });
    const tp = ROWS.find((r) => r.key === "throughput");
    const tpX = timesBetter(tp, v(s, "throughput"), v(SE, "throughput"));
    const tpRunX = timesBetter(tp, v(s, "throughput"), v(SE_RUN, "throughput"));
    targets.push({ target: "tiny-exec throughput ≥ 10× secure-exec exec()'s", system: s, value: tpX, limit: 10, dir: "min", show: fmtX(tpX), avail });
    targets.push({ target: "tiny-exec throughput ≥ 10× secure-exec run()'s", system: s, value: tpRunX, limit: 10, dir: "min", show: fmtX(tpRunX), avail });
    const lag = v(s, "lag.p99");
    targets.push({ target: "host event-loop lag p99 ≤ 10 ms under full guest load", system: s, value: lag, limit: 10, dir: "max", show: `${fmt(lag, "ms")} ms`, avail });
  }
  if (bySystem[QS] && bySystem[QW]) {
    const avail = bySystem[QS].available && bySystem[QW].available;
    for (const [key, what] of [["warm.p50", "warm exec p50"], ["cold.p50", "cold start p50"]]) {
      const d = avail ? v(QW, key) - v(QS, key) : undefined;
      targets.push({ target: `worker mode adds ≤ 1 ms per exec over in-process (${what})`, system: QW, value: d, limit: 1, dir: "max", show: d === undefined ? "–" : `${d >= 0 ? "+" : ""}${fmt(d, "ms")} ms`, avail });
    }
  }
  for (const t of targets) {
    t.met = t.avail && t.value !== undefined && !Number.isNaN(t.value) ? (t.dir === "min" ? t.value >= t.limit : t.value <= t.limit) : undefined;
  }
  console.log("\n## targets (issue 8)\n");
  console.log(table(
    ["target", "system", "measured", "meets"],
    targets.map((t) => [t.target, LABELS[t.system], t.avail ? t.show : "n/a", t.met === undefined ? "n/a" : t.met ? "yes" : "no"]),
    ["l", "l", "r", "l"],
  ));

  // Notes: unavailable systems, failed sections, peculiarities worth knowing.
  const notes = [];
  for (const s of systems) {
    const e = bySystem[s];
    if (!e.available) notes.push(`${LABELS[s]}: n/a — ${e.reason}`);
    for (const [section, err] of Object.entries(e.errors)) notes.push(`${LABELS[s]}: section ${section} failed — ${err.split("\n")[0]}`);
    if (e.results.memory && e.results.memory.perSandboxKiB <= 0) {
      notes.push(`${LABELS[s]}: idle sandboxes left no measurable RSS (${fmt(e.results.memory.perSandboxKiB, "KiB")} KiB each), so sandboxes per GiB is not bounded by this measure`);
    }
    if (e.results.busy?.note) notes.push(`${LABELS[s]}: busy memory — ${e.results.busy.note}`);
    if (e.results.throughput) {
      const by = Object.entries(e.results.throughput.byInFlight).map(([k, x]) => `${k}: ${fmt(x.execsPerSec, "exec/s")}`).join(", ");
      notes.push(`${LABELS[s]}: exec/s by in-flight count — ${by}`);
    }
    if (e.results.lag) notes.push(`${LABELS[s]}: lag run — ${fmt(e.results.lag.wallMs, "ms")} ms wall for ${e.results.lag.guests} spinning guests, ${e.results.lag.ticks} ticks, exits ${e.results.lag.exits.join(",")}`);
  }
  if (bySystem[SE]?.available) {
    notes.push("secure-exec: exec() ends every successful run with a fixed 100 ms grace period (NodeExecutionDriver.waitForManagedResources); run() has none, hence both columns.");
    notes.push("secure-exec: a NodeRuntime holds no isolate between execs (each exec makes and destroys one in the shared Rust sidecar), so its idle rows are RSS noise around zero, not a per-isolate cost; the busy row counts the isolate (the sidecar's session cap, 4 by default here, is raised for that row only).");
    notes.push("secure-exec: one sidecar process per Node process runs at most 4 sessions at once by default; throughput uses that default. Each exec costs about 25 ms of sidecar CPU (a new isolate and its bridge) and 10 ms of Node CPU. RSS figures include the sidecar (process tree).");
  }
  if (bySystem.sebastianwessel?.available) {
    notes.push("@sebastianwessel/quickjs: all sandboxes share one WebAssembly module (one linear memory) on the caller's thread; its executionTimeout is wall-clock from the sandbox's creation, not CPU time.");
  }
  console.log("\nnotes:");
  for (const n of notes) console.log(`- ${n}`);

  const day = info.date.slice(0, 10);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `peers-${day}.json`);
  const tableJson = Object.fromEntries(ROWS.map((row) => [row.key, { label: row.label, unit: row.unit, better: row.better, ...Object.fromEntries(systems.map((s) => [s, bySystem[s].available ? (cell(s, row) ?? null) : "n/a"])) }]));
  writeFileSync(file, JSON.stringify({ meta: info, systems: Object.fromEntries(systems.map((s) => [s, bySystem[s]])), table: tableJson, ratiosVsSecureExec: ratios, targets, notes }, null, 2) + "\n");
  console.log(`\nresults: ${file.slice(ROOT.length + 1)}`);
}

await main();
