/**
 * The sandboxes bench/peers.mjs compares, behind one small interface:
 *
 *   system.name, system.label, system.flavor ("cjs": `require`, "esm": `import`)
 *   await system.load()            imports the library, builds what all sandboxes share;
 *                                  throws (with the reason) when the system cannot run here
 *   await system.prepare()         after the first exec: whatever keeps the process warm
 *   await system.create({ cpuTimeLimitMs, longLived, realClock })  → sandbox
 *                                  (realClock: performance.now() runs in the guest, for the
 *                                  compute section; quicksand and secure-exec freeze it by default;
 *                                  onOutput: called with each chunk of output as the guest writes)
 *   await sandbox.exec(code)       → { code, stdout, error? } (stdout captured, "1\n" style)
 *   await sandbox.dispose()
 *   await system.close()
 *   system.cheapHostCall           { name, op, setup }: the cheapest guest → host call it has
 *   system.counts                  how many samples each section takes (slow peers take fewer)
 *
 * Every sandbox gets 64 MB of memory, a CPU (or wall-clock, where that is all the peer
 * has) limit, and allow-all permissions over the peer's default filesystem, so the guest
 * code of every section runs unchanged (up to `require` vs `import`).
 */
import { availableParallelism } from "node:os";
import { DIST_URL } from "../lib.mjs";

const MEMORY_MB = 64;
/** A limit for sandboxes that live through a whole section and never hit it. */
const LONG_LIMIT_MS = 3_600_000;

const DEFAULT_COUNTS = { cold: 200, warm: 200, hostCalls: 1000, memory: 200 };

function quicksand({ worker }) {
  let lib;
  let driver;
  let pool;
  return {
    name: worker ? "quicksand-worker" : "quicksand",
    label: worker ? "quicksand worker" : "quicksand in-process",
    flavor: "cjs",
    counts: DEFAULT_COUNTS,
    cheapHostCall: { name: "process.cwd()", setup: "const p = process; p.cwd();", op: "x = p.cwd();" },
    async load() {
      lib = await import(DIST_URL);
      if (worker) {
        if (typeof lib.WorkerPool !== "function") {
          throw new Error("worker mode is not in dist/index.js yet (no WorkerPool export); rerun after `npm run build` once it lands");
        }
        // Waiting guests share a worker (the busy row); a spinning one still holds only its own.
        pool = new lib.WorkerPool({ size: availableParallelism(), execsPerWorker: 32 });
      }
      driver = lib.createNodeDriver({ permissions: lib.allowAll });
    },
    async prepare() {},
    async create({ cpuTimeLimitMs = 2000, realClock = false, onOutput } = {}) {
      const rt = new lib.NodeRuntime({
        systemDriver: driver,
        memoryLimit: MEMORY_MB,
        cpuTimeLimitMs,
        ...(realClock ? { timingMitigation: "off" } : {}),
        ...(worker ? { workerPool: pool } : {}),
        ...(onOutput ? { onStdio: (e) => onOutput(e.message) } : {}),
      });
      return {
        async exec(code) {
          const r = await rt.exec(code);
          return { code: r.code, stdout: r.stdout, error: r.errorMessage };
        },
        dispose: () => rt.dispose(),
      };
    },
    async close() {
      await pool?.close();
    },
    versions: () => ({ quicksand: "dist/" }),
  };
}

function sebastianwessel() {
  let runSandboxed;
  return {
    name: "sebastianwessel",
    label: "@sebastianwessel/quickjs",
    flavor: "esm",
    // Its host calls are slow (≈ 0.3 ms for a host function, ≈ 6 ms for fs.existsSync on
    // its memfs): fewer of them keep the section short.
    counts: { ...DEFAULT_COUNTS, hostCalls: 100 },
    cheapHostCall: { name: "env.ping() (host function)", setup: "", op: "x = env.ping();" },
    async load() {
      const variant = (await import("@jitl/quickjs-ng-wasmfile-release-sync")).default;
      ({ runSandboxed } = await (await import("@sebastianwessel/quickjs")).loadQuickJs(variant));
    },
    async prepare() {},
    /**
     * A sandbox of this library lives for one `runSandboxed(fn)` call; a long-lived one is a
     * call whose `fn` waits until dispose. Its `executionTimeout` is a wall-clock deadline
     * from the sandbox's creation (it has no CPU meter), so long-lived sandboxes get an
     * hour: the interrupt handler is installed, as in the others, and never fires.
     */
    async create({ cpuTimeLimitMs = 2000, longLived = false, onOutput } = {}) {
      let out = "";
      const write = (...args) => {
        const text = args.map(String).join(" ") + "\n";
        out += text;
        onOutput?.(text);
      };
      let release;
      const released = new Promise((resolve) => (release = resolve));
      let evalCode;
      let done;
      await new Promise((resolve, reject) => {
        done = runSandboxed(
          async (sb) => {
            evalCode = sb.evalCode;
            resolve();
            await released;
          },
          {
            allowFs: true,
            env: { ping: () => 1 },
            memoryLimit: MEMORY_MB * 1024 * 1024,
            executionTimeout: longLived ? LONG_LIMIT_MS : cpuTimeLimitMs,
            console: { log: write, info: write, warn: write, error: write },
          },
        );
        done.catch(reject);
      });
      return {
        async exec(code) {
          out = "";
          const r = await evalCode(code);
          return { code: r.ok ? 0 : 1, stdout: out, error: r.ok ? undefined : `${r.error?.name}: ${r.error?.message}` };
        },
        async dispose() {
          release();
          await done;
        },
      };
    },
    async close() {},
  };
}

/**
 * secure-exec: V8 isolates in one Rust sidecar process (`secure-exec-v8`) per Node
 * process, shared by all runtimes; each exec creates a fresh isolate there and destroys it
 * at the end, so a NodeRuntime holds no isolate between execs. The sidecar is spawned by
 * the first exec and killed when the last runtime is disposed: `prepare()` keeps one
 * runtime alive (the first one) so a cold start measures a new runtime, not a new process.
 *
 * `exec()` (CommonJS, like quicksand's) ends every successful run with a fixed 100 ms
 * grace period (NodeExecutionDriver.waitForManagedResources: "give async bridge callbacks
 * a moment to register their host-side handles"); `run()` (ES module) has none. Both are
 * measured: "secure-exec" is exec(), "secure-exec-run" is run().
 */
function secureExec({ mode }) {
  let se;
  let driver;
  let factory;
  let anchor;
  const live = new Set();
  return {
    name: mode === "run" ? "secure-exec-run" : "secure-exec",
    label: mode === "run" ? "secure-exec run()" : "secure-exec exec()",
    flavor: mode === "run" ? "esm" : "cjs",
    counts: mode === "run" ? { cold: 100, warm: 100, hostCalls: 1000, memory: 200 } : { cold: 40, warm: 40, hostCalls: 1000, memory: 200 },
    // process.cwd() is answered inside the isolate; fs is its cheapest call to the host.
    cheapHostCall: mode === "run"
      ? { name: "fs.existsSync('/x')", setup: "", op: "x = existsSync('/x');", imports: "import { existsSync } from 'node:fs';" }
      : { name: "fs.existsSync('/x')", setup: "const fs = require('fs');", op: "x = fs.existsSync('/x');" },
    async load() {
      se = await import("secure-exec");
      driver = se.createNodeDriver({ permissions: se.allowAll });
      factory = se.createNodeRuntimeDriverFactory();
    },
    async prepare() {
      anchor = new se.NodeRuntime({ systemDriver: driver, runtimeDriverFactory: factory });
      await anchor.exec("1");
    },
    async create({ cpuTimeLimitMs = 2000, realClock = false, onOutput } = {}) {
      let out = "";
      const rt = new se.NodeRuntime({
        systemDriver: driver,
        runtimeDriverFactory: factory,
        memoryLimit: MEMORY_MB,
        cpuTimeLimitMs,
        ...(realClock ? { timingMitigation: "off" } : {}),
        onStdio: (e) => {
          out += e.message;
          onOutput?.(e.message);
        },
      });
      live.add(rt);
      return {
        async exec(code) {
          out = "";
          const r = mode === "run" ? await rt.run(code) : await rt.exec(code);
          return { code: r.code, stdout: out, error: r.errorMessage };
        },
        dispose() {
          live.delete(rt);
          rt.dispose();
        },
      };
    },
    async close() {
      for (const rt of live) rt.dispose();
      anchor?.dispose();
    },
  };
}

export const SYSTEMS = {
  quicksand: () => quicksand({ worker: false }),
  "quicksand-worker": () => quicksand({ worker: true }),
  sebastianwessel: () => sebastianwessel(),
  "secure-exec": () => secureExec({ mode: "exec" }),
  "secure-exec-run": () => secureExec({ mode: "run" }),
};

export const LABELS = Object.fromEntries(Object.entries(SYSTEMS).map(([k, f]) => [k, f().label]));
