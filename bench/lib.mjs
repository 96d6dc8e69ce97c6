/**
 * Shared helpers for the benchmarks: timing, percentiles, child processes, metric records
 * and plain-text tables. Benchmarks never pass or fail; they print numbers and the ratio of
 * each number to its target from issue 2.
 *
 * A benchmark family is a module `bench/<family>.mjs` that exports
 *
 *   export async function run(): Promise<{ family: string, metrics: Metric[], notes?: string[] }>
 *
 * and ends with `await runIfMain(import.meta.url, run)` so `node bench/<family>.mjs` prints
 * its own table. `bench/run.mjs` runs every family in a fresh child process (so one family's
 * heap, JIT state and pools never colour another's numbers) and collects the results.
 *
 * A Metric is a plain object (see `metric()` below): the `value` is what the table shows
 * and the target is checked against; `stats` carries p50/p95/p99 when there was a
 * distribution; `engine` and `key` let run.mjs pivot the quickjs vs quickjs-ng table.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = dirname(BENCH_DIR);
/** The benchmarks measure the built library, exactly what `npm install quicksand` ships. */
export const DIST_URL = pathToFileURL(join(ROOT, "dist", "index.js")).href;
export const ENGINES = /** @type {const} */ (["quickjs-ng", "quickjs"]);

// ---------------------------------------------------------------------------
// Timing and statistics
// ---------------------------------------------------------------------------

export const now = () => performance.now();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Linear-interpolated percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, min: s[0], mean, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] };
}

export const median = (xs) => percentile([...xs].sort((a, b) => a - b), 50);

/**
 * Times `fn` `runs` times after `warmup` untimed calls. `fn` may return a number of ms to
 * use instead of the wall time around it (for phase timings it measures itself).
 */
export async function sample(runs, fn, { warmup = 0, between } = {}) {
  for (let i = 0; i < warmup; i++) {
    await fn();
    if (between) await between();
  }
  const out = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    const r = await fn();
    out[i] = typeof r === "number" ? r : now() - t0;
    if (between) await between();
  }
  return out;
}

/** Full collections, repeated so finalizers and weak references settle. Needs --expose-gc. */
export async function fullGc() {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------

/**
 * Runs `node [...nodeArgs] --input-type=module -e <script> [...argv]` and returns its exit
 * code, output and the wall time from spawn to exit. stderr is passed through when
 * `inheritStderr` is set, so progress lines of long children stay visible.
 */
export function runNodeScript(script, { nodeArgs = [], argv = [], env, timeoutMs = 120_000, inheritStderr = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, [...nodeArgs, "--input-type=module", "-e", script, ...argv], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", inheritStderr ? "inherit" : "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, wallMs: now() - t0 });
    });
  });
}

/** Runs a child script that prints one JSON object as its last stdout line, and parses it. */
export async function runNodeJson(script, options) {
  const r = await runNodeScript(script, options);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !line.startsWith("{")) {
    throw new Error(`benchmark child failed (code ${r.code}${r.signal ? `, ${r.signal}` : ""}): ${r.stderr.slice(-2000) || r.stdout.slice(-2000)}`);
  }
  return { ...JSON.parse(line), wallMs: r.wallMs };
}

export function progress(text) {
  process.stderr.write(`  · ${text}\n`);
}

// ---------------------------------------------------------------------------
// Metrics and targets
// ---------------------------------------------------------------------------

/** The targets of issue 2 (§6), on this 2-core machine. `limit` is in the metric's unit. */
export const TARGETS = Object.freeze({
  coldStart: { limit: 3, unit: "ms", text: "p50 ≤ 3 ms" },
  warmExec: { limit: 1, unit: "ms", text: "p50 ≤ 1 ms" },
  idleSandbox: { limit: 1024, unit: "KiB", text: "≤ 1 MiB" },
  compute: { limit: 1.1, unit: "×", text: "≤ 1.1× bare" },
  coldVsBare: { limit: 5, unit: "×", text: "≤ 5× bare" },
});

/**
 * One row of the results. `value` is compared with `target.limit`; `ratio` = value / limit,
 * so ≤ 1 meets the target. `key` names the measurement independent of engine.
 */
export function metric({ key, engine, label, unit, value, stats, target, detail }) {
  const m = { id: engine ? `${key}.${engine}` : key, key, label, unit, value };
  if (engine) m.engine = engine;
  if (stats) m.stats = stats;
  if (target) {
    m.target = target;
    m.ratio = value / target.limit;
  }
  if (detail) m.detail = detail;
  return m;
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

export function fmt(value, unit) {
  if (value === undefined || value === null || Number.isNaN(value)) return "–";
  if (unit === "×") return `${value.toFixed(2)}×`;
  if (unit === "KiB" || unit === "count") return Math.round(value).toLocaleString("en-US");
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

/** A plain-text table; `align` holds "l" or "r" per column. */
export function table(header, rows, align = header.map((_, i) => (i === 0 ? "l" : "r"))) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (align[i] === "l" ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The main results table: one row per metric, target and ratio where there is one. */
export function metricsTable(metrics) {
  const header = ["metric", "engine", "unit", "n", "p50/value", "p95", "p99", "target", "÷ target"];
  const rows = metrics.map((m) => [
    m.label,
    m.engine ?? "",
    m.unit,
    m.stats?.n ?? "",
    fmt(m.stats?.p50 ?? m.value, m.unit),
    m.stats ? fmt(m.stats.p95, m.unit) : "",
    m.stats ? fmt(m.stats.p99, m.unit) : "",
    m.target?.text ?? "",
    m.ratio === undefined ? "" : `${m.ratio.toFixed(2)}${m.ratio <= 1 ? "  ok" : "  over"}`,
  ]);
  return table(header, rows, ["l", "l", "l", "r", "r", "r", "r", "l", "r"]);
}

/** For `node bench/<family>.mjs`: run the family alone and print its table. */
export async function runIfMain(moduleUrl, run) {
  if (!process.argv[1] || pathToFileURL(process.argv[1]).href !== moduleUrl) return;
  const result = await run();
  console.log(`\n${result.family}\n${metricsTable(result.metrics)}`);
  for (const note of result.notes ?? []) console.log(`note: ${note}`);
}
