/**
 * Worker mode: the same guest world as in-process, with guest code on a pool of worker
 * threads and host ops served on this thread.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { allowAll, createInMemoryFileSystem, createNodeCommandExecutor, createNodeDriver, createQuickJSRuntimeDriverFactory, NodeRuntime, WorkerPool } from "../../../src/index.js";
import type { StdioEvent } from "../../../src/index.js";

const pool = new WorkerPool({ size: 2 });
afterAll(() => pool.close());

// Sorting millions of numbers is one long native call: QuickJS's interrupt check does not
// run inside it, so in-process the run overstays its budget (see the watchdog tests).
const longNativeCall = "const a = new Array(3e6).fill(1.5); a.sort(); console.log('done')";

function runtime(options: ConstructorParameters<typeof NodeRuntime>[0] = {}) {
  return new NodeRuntime({ workerPool: pool, ...options });
}

describe("worker mode: the guest world", () => {
  it("runs a script and returns its output, like in-process", async () => {
    const rt = runtime();
    const r = await rt.exec("console.log('hi', 6 * 7); console.error('oops'); process.stdout.write('x\\n')");
    rt.dispose();
    expect(r).toEqual({ code: 0, stdout: "hi 42\nx\n", stderr: "oops\n" });
  });

  it("delivers onStdio events in order, interleaved with host ops", async () => {
    const events: StdioEvent[] = [];
    const fs = createInMemoryFileSystem();
    const rt = runtime({ systemDriver: createNodeDriver({ filesystem: fs, permissions: allowAll }), onStdio: (e) => events.push(e) });
    const r = await rt.exec("console.log(1); require('fs').writeSync(1, 'two\\n'); console.error(3); console.log(4)");
    rt.dispose();
    expect(r.code).toBe(0);
    expect(events).toEqual([
      { channel: "stdout", message: "1\n" },
      { channel: "stdout", message: "two\n" },
      { channel: "stderr", message: "3\n" },
      { channel: "stdout", message: "4\n" },
    ]);
  });

  it("returns run() exports as copies", async () => {
    const rt = runtime();
    const r = await rt.run<{ default: number; m: Map<number, Date> }>("export default 40 + 2; export const m = new Map([[1, new Date(0)]]);");
    rt.dispose();
    expect(r.code).toBe(0);
    expect(r.exports!.default).toBe(42);
    expect(r.exports!.m).toEqual(new Map([[1, new Date(0)]]));
  });

  it("starts every exec from a fresh guest state", async () => {
    const rt = runtime();
    await rt.exec("globalThis.leak = 1");
    const r = await rt.exec("console.log(typeof globalThis.leak)");
    rt.dispose();
    expect(r.stdout).toBe("undefined\n");
  });

  it("runs timers, immediates, nextTick and promise jobs in Node's order", async () => {
    const rt = runtime();
    const r = await rt.exec(`
      setTimeout(() => console.log('timeout'), 50);
      setImmediate(() => console.log('immediate'));
      process.nextTick(() => console.log('tick'));
      Promise.resolve().then(() => console.log('micro'));
      console.log('sync');
    `);
    rt.dispose();
    expect(r.stdout).toBe("sync\ntick\nmicro\nimmediate\ntimeout\n");
  });

  it("reports an uncaught error with the guest stack and exit code 1", async () => {
    const rt = runtime();
    const r = await rt.exec("function f() { throw new TypeError('bad') }\nf()", { filePath: "/app/main.js" });
    rt.dispose();
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/TypeError: bad/);
    expect(r.errorMessage).toMatch(/\/app\/main\.js:1/);
    expect(r.stderr).toContain("TypeError: bad");
  });

  it("ends with process.exit(n)", async () => {
    const rt = runtime();
    const r = await rt.exec("console.log('a'); process.exit(7); console.log('b')");
    rt.dispose();
    expect(r).toMatchObject({ code: 7, stdout: "a\n" });
  });

  it("keeps env and cwd on the caller's side, behind the permissions", async () => {
    const rt = runtime({
      systemDriver: createNodeDriver({ permissions: { env: (req) => ({ allow: req.key !== "SECRET" }) }, processConfig: { env: { A: "1", SECRET: "s" }, cwd: "/work" } }),
    });
    const r = await rt.exec("console.log(process.env.A, process.env.SECRET, Object.keys(process.env).join(','), process.cwd())");
    rt.dispose();
    expect(r.stdout).toBe("1 undefined A /work\n");
  });

  it("freezes the guest's clocks by default and runs the engine the runtime picked", async () => {
    const rt = runtime({ runtimeDriverFactory: createQuickJSRuntimeDriverFactory({ variant: "quickjs" }) });
    const r = await rt.exec("const a = Date.now(), p = performance.now(); let x = 0; for (let i = 0; i < 1e6; i++) x += i; console.log(Date.now() === a, performance.now() === p, process.versions.quickjs)");
    rt.dispose();
    expect(r.stdout).toBe("true true quickjs\n");
  });

  it("reports the sandbox's own memory figures (served on its thread)", async () => {
    const rt = runtime({ memoryLimit: 64 });
    const r = await rt.exec("const m = process.memoryUsage(); console.log(m.rss >= 16 * 2 ** 20, require('os').totalmem() === 64 * 2 ** 20, require('os').freemem() > 0)");
    rt.dispose();
    expect(r).toMatchObject({ code: 0, stdout: "true true true\n" });
  });

  it("denies fs by default with EACCES", async () => {
    const rt = runtime({ systemDriver: createNodeDriver({ filesystem: createInMemoryFileSystem() }) });
    const r = await rt.exec("try { require('fs').writeFileSync('/x', 'y') } catch (e) { console.log(e.code) }");
    rt.dispose();
    expect(r.stdout).toBe("EACCES\n");
  });
});

describe("worker mode: network and child processes", () => {
  it("fetches from a loopback server and runs a child process", async () => {
    const server = createServer((req, res) => res.end(`pong ${req.url}`)).listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const rt = runtime({
      systemDriver: createNodeDriver({ permissions: allowAll, useDefaultNetwork: true, loopbackExemptPorts: [port], commandExecutor: createNodeCommandExecutor() }),
    });
    const r = await rt.exec(`
      import { execFile } from 'node:child_process';
      const text = await (await fetch('http://127.0.0.1:${port}/x')).text();
      const out = await new Promise((resolve) => execFile('echo', ['child'], (e, so) => resolve(so.trim())));
      console.log(text, out);
    `, { filePath: "/app/main.mjs" });
    rt.dispose();
    server.close();
    expect(r).toEqual({ code: 0, stdout: "pong /x child\n", stderr: "" });
  });

  it("serves host requests from a guest http server", async () => {
    const rt = runtime({ systemDriver: createNodeDriver({ permissions: allowAll, useDefaultNetwork: true }) });
    let answer = "";
    const r = await rt.exec("const s = require('http').createServer((q, a) => { a.end('guest says hi'); s.close() }).listen(0, () => console.log('port', s.address().port))", {
      onStdio: async (e) => {
        const m = /port (\d+)/.exec(e.message);
        if (m) answer = await (await fetch(`http://127.0.0.1:${m[1]}/`)).text();
      },
    });
    rt.dispose();
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(answer).toBe("guest says hi");
  });
});

describe("worker mode: limits", () => {
  it("ends an infinite loop with 124 while another sandbox runs normally", async () => {
    const a = runtime({ cpuTimeLimitMs: 200 });
    const b = runtime();
    const [ra, rb] = await Promise.all([a.exec("while (true) {}"), b.exec("let s = 0; for (let i = 0; i < 1e5; i++) s += i; console.log(s)")]);
    a.dispose();
    b.dispose();
    expect(ra).toMatchObject({ code: 124, errorMessage: "CPU time limit of 200 ms exceeded" });
    expect(rb).toMatchObject({ code: 0, stdout: "4999950000\n" });
  });

  it("ends a memory bomb with 134, and the runtime works again afterwards", async () => {
    const rt = runtime({ memoryLimit: 32 });
    const r = await rt.exec("const a = []; while (true) a.push('x'.repeat(1 << 20) + a.length)");
    expect(r.code).toBe(134);
    expect(r.errorMessage).toBe("memory limit of 32 MB exceeded");
    const again = await rt.exec("console.log('ok')");
    rt.dispose();
    expect(again).toMatchObject({ code: 0, stdout: "ok\n" });
  });

  it("cuts an output flood at the output budget with one marker", async () => {
    const rt = runtime({ resourceBudgets: { maxOutputBytes: 1000 } });
    const r = await rt.exec("for (let i = 0; i < 1e5; i++) console.log('line ' + i)");
    rt.dispose();
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeLessThan(1100);
    expect(r.stdout).toMatch(/\[quicksand: output truncated after 1000 characters\]\n$/);
  });

  it("dispose() during a run ends it with 143", async () => {
    const rt = runtime();
    const p = rt.exec("while (true) {}");
    await new Promise((r) => setTimeout(r, 100));
    rt.dispose();
    expect(await p).toMatchObject({ code: 143 });
  });

  it("terminate() ends a run waiting on a timer", async () => {
    const rt = runtime();
    const p = rt.exec("setTimeout(() => console.log('never'), 60_000)");
    await new Promise((r) => setTimeout(r, 100));
    await rt.terminate();
    expect(await p).toMatchObject({ code: 143, stdout: "" });
  });
});

describe("worker mode: the watchdog", () => {

  it("ends a long native builtin past the CPU budget with 124 and replaces the worker", async () => {
    const rt = runtime({ memoryLimit: 512, cpuTimeLimitMs: 100 });
    const t = performance.now();
    const r = await rt.exec(longNativeCall, { timingMitigation: "off" });
    const took = performance.now() - t;
    expect(r.code).toBe(124);
    expect(r.errorMessage).toMatch(/CPU time limit of 100 ms exceeded \(the watchdog/);
    expect(r.stdout).toBe("");
    expect(took).toBeLessThan(1500);
    // The runtime goes on, on a new worker.
    const again = await rt.exec("console.log('alive')");
    rt.dispose();
    expect(again).toMatchObject({ code: 0, stdout: "alive\n" });
  });

  it("loses no queued exec when a worker is replaced", async () => {
    const small = new WorkerPool({ size: 1 });
    try {
      const hog = new NodeRuntime({ workerPool: small, memoryLimit: 512, cpuTimeLimitMs: 100 });
      const others = Array.from({ length: 5 }, () => new NodeRuntime({ workerPool: small }));
      const results = await Promise.all([hog.exec(longNativeCall), ...others.map((o, i) => o.exec(`console.log(${i})`))]);
      expect(results[0]!.code).toBe(124);
      expect(results.slice(1).map((r) => r.stdout)).toEqual(["0\n", "1\n", "2\n", "3\n", "4\n"]);
      [hog, ...others].forEach((r) => r.dispose());
    } finally {
      await small.close();
    }
  });

  it("is what stops it: in-process the same call runs to its end, and only then is the run judged over budget", async () => {
    const rt = new NodeRuntime({ memoryLimit: 512, cpuTimeLimitMs: 100 });
    const r = await rt.exec(longNativeCall);
    rt.dispose();
    expect(r).toMatchObject({ code: 124, stdout: "done\n" });
  });
});

describe("worker mode: several execs per worker", () => {
  it("lets guests that wait share one worker thread", async () => {
    const small = new WorkerPool({ size: 1, execsPerWorker: 2 });
    const filesystem = createInMemoryFileSystem();
    const systemDriver = createNodeDriver({ filesystem, permissions: allowAll });
    const a = new NodeRuntime({ workerPool: small, systemDriver });
    const b = new NodeRuntime({ workerPool: small, systemDriver });
    try {
      // a waits for a file that only b writes: with one exec per worker, b would wait behind a.
      const pa = a.exec(`
        const fs = require('fs'); let n = 0;
        const t = setInterval(() => { if (fs.existsSync('/flag')) { clearInterval(t); console.log('seen'); } else if (++n > 200) { clearInterval(t); console.log('gave up'); } }, 5);`);
      const pb = b.exec("setTimeout(() => require('fs').writeFileSync('/flag', 'x'), 20)");
      expect((await pb).code).toBe(0);
      expect(await pa).toMatchObject({ code: 0, stdout: "seen\n" });
    } finally {
      a.dispose();
      b.dispose();
      await small.close();
    }
  });

  it("spreads execs over the workers even when their sandboxes all live on one", async () => {
    const small = new WorkerPool({ size: 2, execsPerWorker: 4 });
    const rts = [new NodeRuntime({ workerPool: small }), new NodeRuntime({ workerPool: small })];
    try {
      // Warmed one after the other, both sandboxes live on the first worker.
      for (const rt of rts) await rt.exec("1");
      const runs = rts.map((rt) => rt.exec("setTimeout(() => {}, 200)"));
      await new Promise((r) => setTimeout(r, 50));
      expect(small.stats()).toEqual({ size: 2, execsPerWorker: 4, queued: 0, running: [1, 1] });
      await Promise.all(runs);
      expect(small.stats().running).toEqual([0, 0]);
    } finally {
      rts.forEach((rt) => rt.dispose());
      await small.close();
    }
  });

  it("ends the other execs on a worker the watchdog stops, with 70 and the reason", async () => {
    const small = new WorkerPool({ size: 1, execsPerWorker: 2 });
    const waiter = new NodeRuntime({ workerPool: small });
    const hog = new NodeRuntime({ workerPool: small, memoryLimit: 512, cpuTimeLimitMs: 100 });
    try {
      const pw = waiter.exec("setTimeout(() => console.log('never'), 5000)");
      await new Promise((r) => setTimeout(r, 50));
      const [rh, rw] = await Promise.all([hog.exec(longNativeCall), pw]);
      expect(rh).toMatchObject({ code: 124 });
      expect(rw.code).toBe(70);
      expect(rw.errorMessage).toMatch(/another exec on the same worker thread overran its CPU budget/);
      // Both runtimes work again on the replacement worker.
      expect((await waiter.exec("console.log('again')")).stdout).toBe("again\n");
    } finally {
      waiter.dispose();
      hog.dispose();
      await small.close();
    }
  });
});

describe("worker mode: the pool", () => {
  it("shares one pool between runtimes and runs execs on every worker", async () => {
    const rts = Array.from({ length: 8 }, () => runtime());
    const results = await Promise.all(rts.map((rt, i) => rt.exec(`console.log(${i} * 2)`)));
    rts.forEach((rt) => rt.dispose());
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `${i * 2}\n`));
  });

  it("keeps the host's event loop free while every worker spins", async () => {
    const rts = Array.from({ length: 2 }, () => runtime({ cpuTimeLimitMs: 400 }));
    const spinning = Promise.all(rts.map((rt) => rt.exec("while (true) {}")));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const results = await spinning;
    clearInterval(timer);
    rts.forEach((rt) => rt.dispose());
    expect(results.map((r) => r.code)).toEqual([124, 124]);
    // ~40 ticks fit in 400 ms; in-process the loop would get none while the guest spins.
    expect(ticks).toBeGreaterThan(10);
  });

  it('mode: "worker" runs on the shared pool', async () => {
    const rt = new NodeRuntime({ mode: "worker" });
    const r = await rt.exec("console.log(require('os').platform())");
    rt.dispose();
    expect(r).toMatchObject({ code: 0, stdout: "linux\n" });
  });

  it("starts its workers whatever flags the host process was started with (node -e, --input-type)", () => {
    const script = `
      import { NodeRuntime, WorkerPool } from ${JSON.stringify(new URL("../../../dist/index.js", import.meta.url).href)};
      const pool = new WorkerPool({ size: 1 });
      const r = await new NodeRuntime({ workerPool: pool }).exec("console.log(6 * 7)");
      console.log(r.code, r.stdout.trim());
      await pool.close();`;
    expect(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 })).toBe("0 42\n");
  });

  it("validates its options", () => {
    expect(() => new WorkerPool({ size: 0 })).toThrow(/size must be an integer from 1 to 256/);
    expect(() => new WorkerPool({ sise: 2 } as never)).toThrow(/unknown option "sise"/);
    expect(() => new WorkerPool({ execsPerWorker: 0 })).toThrow(/execsPerWorker must be an integer from 1 to 64/);
    expect(() => new NodeRuntime({ mode: "threads" as never })).toThrow(/mode must be "in-process" or "worker"/);
    expect(() => new NodeRuntime({ workerPool: {} as never })).toThrow(/workerPool must be a WorkerPool/);
  });

  it("ends queued and running execs with 143 when the pool closes", async () => {
    const small = new WorkerPool({ size: 1 });
    const a = new NodeRuntime({ workerPool: small });
    const b = new NodeRuntime({ workerPool: small });
    const pa = a.exec("while (true) {}");
    const pb = b.exec("console.log('b')");
    await new Promise((r) => setTimeout(r, 100));
    await small.close();
    expect((await pa).code).toBe(143);
    expect((await pb).code).toBe(143);
    const late = await a.exec("1");
    expect(late).toMatchObject({ code: 143, errorMessage: "the worker pool was closed" });
  });
});
