/**
 * The measurements of bench/peers.mjs. Each `(system, section)` runs in a fresh child
 * process (node --expose-gc), so one system's heap, JIT state, threads or sidecar never
 * colour another's numbers:
 *
 *   latency     first exec in a fresh process; cold start (new sandbox + `console.log(1)` +
 *               captured output + dispose) p50/p95/p99; warm exec (one sandbox reused);
 *               host-op round trip (a guest loop of host calls minus the same loop without
 *               them); compute (fib(25), sort of 100k numbers; exec time minus warm exec)
 *   throughput  tiny execs per second with K sandboxes in flight (K = 2, 4, 8, 16), 3 s each
 *   memory      RSS growth of the process tree (the process and its children, e.g.
 *               secure-exec's V8 sidecar) over N live idle sandboxes that ran one exec each
 *   busy        the same over BUSY_N sandboxes whose guest is still running (printed, then
 *               waiting on a timer): the memory of a sandbox in use — secure-exec holds an
 *               isolate only while an exec runs, so its idle figure leaves the isolate out
 *   lag         the host's event-loop lag (a 10 ms setInterval's drift) while GUESTS guests
 *               spin in `while (true) {}` under a 2 s limit
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { summarize, median } from "../lib.mjs";
import { SYSTEMS } from "./systems.mjs";

export const SECTIONS = ["latency", "throughput", "memory", "busy", "lag"];
const TINY = "console.log(1)";
const THROUGHPUT_K = [2, 4, 8, 16];
const THROUGHPUT_MS = 3000;
const HOST_REPS = 11;
const COMPUTE_REPS = 5;
const SPINNING_GUESTS = 4;
const BUSY_N = 50;
const BUSY_HOLD_MS = 60_000;
/** Less than BUSY_HOLD_MS: no guest has ended yet when the count is read. */
const BUSY_START_TIMEOUT_MS = 20_000;
const SPIN_LIMIT_MS = 2000;

const now = () => performance.now();

/** Loads the system; a failure means it cannot run here at all (reported as n/a). */
async function load(sys) {
  try {
    await sys.load();
  } catch (e) {
    const err = new Error(`cannot load ${sys.label}: ${e?.message ?? e}`);
    err.unavailable = true;
    throw err;
  }
}

function check(r, expected, what) {
  if (r.code !== 0 || r.stdout !== expected) {
    throw new Error(`${what}: expected exit 0 and ${JSON.stringify(expected)}, got ${JSON.stringify(r).slice(0, 500)}`);
  }
}

async function gcAll() {
  if (typeof globalThis.gc !== "function") return;
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------
// Guest code
// ---------------------------------------------------------------------------

/** A loop of `n` host calls, or (op = false) the same loop without them. */
function hostLoop(sys, kind, n, op) {
  if (kind === "fs") {
    const head = sys.flavor === "esm" ? "import { existsSync } from 'node:fs';" : "const { existsSync } = require('fs');";
    const body = op ? "if (existsSync('/x')) k++;" : "if (existsSync === null) k++;";
    return `${head} let k = 0; for (let i = 0; i < ${n}; i++) { ${body} } console.log(k)`;
  }
  const c = sys.cheapHostCall;
  return `${c.imports ?? ""} ${c.setup} let x; for (let i = 0; i < ${n}; i++) { ${op ? c.op : "x = i;"} } console.log(typeof x === "undefined" ? "u" : "d")`;
}

/**
 * Compute workloads, timed inside the guest with performance.now() (real clocks on), so
 * the number is the engine's, without the exec's fixed cost around it. The guests' clocks
 * tick in whole milliseconds, so the workload repeats for at least COMPUTE_WINDOW_MS and
 * the time per run is the mean (for V8 that includes its JIT warming up over the runs).
 */
const COMPUTE = {
  fib: {
    label: "fib(25)",
    work: "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); } return fib(25);",
    out: "75025",
  },
  sort: {
    label: "sort 100k numbers",
    work: `let s = 1; const a = new Array(100000);
for (let i = 0; i < a.length; i++) { s = (s * 1103515245 + 12345) % 2147483648; a[i] = s; }
a.sort((x, y) => x - y);
for (let i = 1; i < a.length; i++) if (a[i - 1] > a[i]) return "unsorted";
return a.length;`,
    out: "100000",
  },
};

const COMPUTE_WINDOW_MS = 200;
const computeCode = (w) =>
  `function work() { ${w.work} }
let r, runs = 0; const t0 = performance.now();
do { r = work(); runs++; } while (performance.now() - t0 < ${COMPUTE_WINDOW_MS});
console.log(String(r) + " " + (performance.now() - t0) / runs + " " + runs)`;

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

async function latency(sys, progress) {
  const out = {};
  // The first exec of a fresh process: import, compile/spawn, first sandbox.
  const t0 = now();
  await load(sys);
  const first = await sys.create();
  check(await first.exec(TINY), "1\n", "first exec");
  out.firstExec = now() - t0;
  await sys.prepare();
  await first.dispose();

  const { cold, warm, hostCalls } = sys.counts;
  progress(`cold start × ${cold}`);
  const coldOnce = async () => {
    const t = now();
    const sb = await sys.create();
    const r = await sb.exec(TINY);
    await sb.dispose();
    const dt = now() - t;
    check(r, "1\n", "cold start");
    return dt;
  };
  for (let i = 0; i < 5; i++) await coldOnce();
  const coldSamples = [];
  for (let i = 0; i < cold; i++) coldSamples.push(await coldOnce());
  out.cold = summarize(coldSamples);

  progress(`warm exec × ${warm}`);
  const sb = await sys.create({ longLived: true });
  for (let i = 0; i < 5; i++) check(await sb.exec(TINY), "1\n", "warm exec");
  const warmSamples = [];
  for (let i = 0; i < warm; i++) {
    const t = now();
    const r = await sb.exec(TINY);
    warmSamples.push(now() - t);
    check(r, "1\n", "warm exec");
  }
  out.warm = summarize(warmSamples);

  for (const kind of ["fs", "cheap"]) {
    const n = kind === "fs" ? hostCalls : Math.max(hostCalls, 1000);
    progress(`host-op round trip: ${kind === "fs" ? "fs.existsSync('/x')" : sys.cheapHostCall.name} × ${n}, ${HOST_REPS} reps`);
    const codes = { empty: hostLoop(sys, kind, n, false), op: hostLoop(sys, kind, n, true) };
    const expected = kind === "fs" ? "0\n" : { empty: "d\n", op: "d\n" };
    const times = { empty: [], op: [] };
    for (let rep = 0; rep < HOST_REPS + 1; rep++) {
      for (const k of ["empty", "op"]) {
        const t = now();
        const r = await sb.exec(codes[k]);
        const dt = now() - t;
        check(r, typeof expected === "string" ? expected : expected[k], `host loop (${kind}, ${k})`);
        if (rep > 0) times[k].push(dt);
      }
    }
    out[kind === "fs" ? "hostFs" : "hostCheap"] = {
      usPerCall: ((median(times.op) - median(times.empty)) / n) * 1000,
      calls: n,
      name: kind === "fs" ? "fs.existsSync('/x')" : sys.cheapHostCall.name,
      execMsP50: { empty: median(times.empty), op: median(times.op) },
    };
  }

  const cb = await sys.create({ longLived: true, realClock: true, cpuTimeLimitMs: 30_000 });
  for (const [key, w] of Object.entries(COMPUTE)) {
    progress(`compute: ${w.label} × ${COMPUTE_REPS}`);
    const code = computeCode(w);
    const inGuest = [];
    const execMs = [];
    let runsPerExec;
    for (let i = 0; i < COMPUTE_REPS + 1; i++) {
      const t = now();
      const r = await cb.exec(code);
      const dt = now() - t;
      const [value, ms, runs] = r.stdout.trim().split(" ");
      if (r.code !== 0 || value !== w.out || !Number.isFinite(Number(ms))) throw new Error(`${w.label}: ${JSON.stringify(r).slice(0, 500)}`);
      if (i > 0) {
        inGuest.push(Number(ms));
        runsPerExec = Number(runs);
        execMs.push(dt);
      }
    }
    out[key] = { ms: median(inGuest), execMsP50: median(execMs), runsPerExec, reps: COMPUTE_REPS };
  }
  await cb.dispose();
  await sb.dispose();
  return out;
}

async function throughput(sys, progress) {
  await load(sys);
  await sys.prepare();
  const byK = {};
  for (const k of THROUGHPUT_K) {
    progress(`throughput: ${k} in flight for ${THROUGHPUT_MS} ms`);
    const boxes = [];
    for (let i = 0; i < k; i++) boxes.push(await sys.create({ longLived: true }));
    for (const b of boxes) check(await b.exec(TINY), "1\n", "throughput warm-up");
    let count = 0;
    let failed = 0;
    const t0 = now();
    const end = t0 + THROUGHPUT_MS;
    await Promise.all(
      boxes.map(async (b) => {
        while (now() < end) {
          const r = await b.exec(TINY);
          if (r.code === 0 && r.stdout === "1\n") count++;
          else failed++;
        }
      }),
    );
    const elapsed = now() - t0;
    for (const b of boxes) await b.dispose();
    byK[k] = { execsPerSec: (count / elapsed) * 1000, count, failed, elapsedMs: elapsed };
  }
  const best = Object.entries(byK).reduce((a, b) => (b[1].execsPerSec > a[1].execsPerSec ? b : a));
  return { throughput: { execsPerSec: best[1].execsPerSec, inFlight: Number(best[0]), byInFlight: byK } };
}

/**
 * Every lazy path once, on as many sandboxes at once as there are cores (so a worker pool
 * has started all its threads); then pools refill and garbage goes.
 */
async function warmUp(sys, what) {
  const boxes = [];
  for (let i = 0; i < Math.max(2, availableParallelism()); i++) boxes.push(await sys.create({ longLived: true }));
  for (const r of await Promise.all(boxes.map((b) => b.exec(TINY)))) check(r, "1\n", what);
  for (const b of boxes) await b.dispose();
}

/** RSS in bytes of this process and all its descendants (e.g. secure-exec's sidecar). */
function treeRss(pid = process.pid) {
  let total = 0;
  const pids = [];
  const walk = (p) => {
    let status;
    try {
      status = readFileSync(`/proc/${p}/status`, "utf8");
    } catch {
      return;
    }
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    if (m) total += Number(m[1]) * 1024;
    pids.push(p);
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {}
    for (const t of tasks) {
      let children = "";
      try {
        children = readFileSync(`/proc/${p}/task/${t}/children`, "utf8");
      } catch {}
      for (const c of children.trim().split(/\s+/).filter(Boolean)) walk(Number(c));
    }
  };
  walk(pid);
  return { rss: total, processes: pids.length };
}

async function memory(sys, progress) {
  await load(sys);
  await sys.prepare();
  const n = sys.counts.memory;
  await warmUp(sys, "memory warm-up");
  await sleep(500);
  await gcAll();
  const before = treeRss();
  progress(`memory: ${n} idle sandboxes`);
  const keep = [];
  for (let i = 0; i < n; i++) {
    const sb = await sys.create({ longLived: true });
    check(await sb.exec(TINY), "1\n", "memory exec");
    keep.push(sb);
  }
  await sleep(200);
  await gcAll();
  await sleep(200);
  const after = treeRss();
  const perSandbox = (after.rss - before.rss) / n;
  for (const sb of keep) await sb.dispose();
  return {
    memory: {
      n,
      perSandboxKiB: perSandbox / 1024,
      perGiB: perSandbox > 0 ? 1024 ** 3 / perSandbox : null,
      rssBeforeMiB: before.rss / 2 ** 20,
      rssAfterMiB: after.rss / 2 ** 20,
      processes: after.processes,
    },
  };
}

async function busy(sys, progress) {
  // secure-exec's sidecar runs 4 sessions at once by default here and queues the rest;
  // this section wants them all alive at once (the sidecar reads the variable at spawn).
  process.env.SECURE_EXEC_V8_MAX_SESSIONS = String(BUSY_N + 8);
  await load(sys);
  await sys.prepare();
  const hold = sys.flavor === "esm"
    ? `console.log(1); await new Promise((resolve) => setTimeout(resolve, ${BUSY_HOLD_MS}));`
    : `console.log(1); setTimeout(() => {}, ${BUSY_HOLD_MS});`;
  await warmUp(sys, "busy warm-up");
  await sleep(100);
  await gcAll();
  const before = treeRss();
  progress(`busy memory: ${BUSY_N} sandboxes running a guest that waits on a timer`);
  let started = 0;
  const boxes = [];
  const runs = [];
  for (let i = 0; i < BUSY_N; i++) {
    const sb = await sys.create({ longLived: true, cpuTimeLimitMs: BUSY_HOLD_MS * 2, onOutput: () => started++ });
    boxes.push(sb);
    runs.push(sb.exec(hold).catch(() => undefined));
  }
  const deadline = now() + BUSY_START_TIMEOUT_MS;
  while (started < BUSY_N && now() < deadline) await sleep(20);
  await sleep(200);
  await gcAll();
  await sleep(200);
  const after = treeRss();
  const running = started;
  for (const sb of boxes) {
    try {
      await sb.dispose();
    } catch {}
  }
  if (running < BUSY_N) {
    return { busy: { n: BUSY_N, running, note: `only ${running} of ${BUSY_N} guests ran at once (after ${BUSY_START_TIMEOUT_MS / 1000} s the others were still queued), so there is no per-sandbox figure` } };
  }
  const perSandbox = (after.rss - before.rss) / BUSY_N;
  return { busy: { n: BUSY_N, running, perSandboxKiB: perSandbox / 1024, rssBeforeMiB: before.rss / 2 ** 20, rssAfterMiB: after.rss / 2 ** 20, processes: after.processes } };
}

async function lag(sys, progress) {
  await load(sys);
  await sys.prepare();
  const boxes = [];
  for (let i = 0; i < SPINNING_GUESTS; i++) boxes.push(await sys.create({ cpuTimeLimitMs: SPIN_LIMIT_MS }));
  for (const b of boxes) check(await b.exec(TINY), "1\n", "lag warm-up");
  progress(`lag: ${SPINNING_GUESTS} guests spinning under a ${SPIN_LIMIT_MS} ms limit`);
  const samples = [];
  let last = now();
  const timer = setInterval(() => {
    const t = now();
    samples.push(Math.max(0, t - last - 10));
    last = t;
  }, 10);
  await sleep(100);
  const t0 = now();
  const results = await Promise.all(boxes.map((b) => b.exec("while (true) {}")));
  const wall = now() - t0;
  await sleep(100);
  clearInterval(timer);
  // The last tick after the guests end, if the loop was blocked until then.
  const t = now();
  if (t - last > 10) samples.push(t - last - 10);
  for (const b of boxes) await b.dispose();
  const s = summarize(samples);
  return {
    lag: {
      p99: s.p99,
      p50: s.p50,
      max: s.max,
      ticks: s.n,
      guests: SPINNING_GUESTS,
      wallMs: wall,
      exits: results.map((r) => r.code),
      errors: [...new Set(results.map((r) => r.error).filter(Boolean))],
    },
  };
}

const RUNNERS = { latency, throughput, memory, busy, lag };

/** Runs one section of one system; what bench/peers.mjs's child processes call. */
export async function runSection(systemName, section) {
  const sys = SYSTEMS[systemName]();
  const progress = (text) => process.stderr.write(`  · ${sys.label}: ${text}\n`);
  try {
    return { system: systemName, section, ok: true, results: await RUNNERS[section](sys, progress) };
  } catch (e) {
    return { system: systemName, section, ok: false, unavailable: Boolean(e?.unavailable), error: e?.unavailable ? e.message : String(e?.stack ?? e).slice(0, 2000) };
  } finally {
    try {
      await sys.close();
    } catch {}
  }
}
