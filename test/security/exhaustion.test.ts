/**
 * Resource exhaustion: memory, CPU in every kind of callback (including the ones the host
 * triggers itself — formatting an uncaught error, copying run() exports), deep recursion
 * in the parser, regexps, JSON, structuredClone and inspect, output, timer, op-call and
 * async floods. Each must end the run with its limit's exit code or fail the one
 * operation with a clear error, and the host and other sandboxes must keep working.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { ExitCode, NodeRuntime, createInMemoryFileSystem, createNodeCommandExecutor, createNodeDriver, allowAll } from "../../src/index.js";
import { attack, attackModule, restrictedDriver } from "./harness.js";

const CPU = { cpuTimeLimitMs: 300 };

describe("exhaustion: CPU in every kind of callback", () => {
  const BOMBS: [string, string][] = [
    ["top-level code", "for (;;);"],
    ["a promise job", "Promise.resolve().then(() => { for (;;); });"],
    ["an async function after await", "(async () => { await null; for (;;); })();"],
    ["a timer callback", "setTimeout(() => { for (;;); }, 1);"],
    ["a busy interval", "setInterval(() => { for (let i = 0; i < 1e5; i++); }, 0);"],
    ["setImmediate recursion", "const f = () => setImmediate(f); f();"],
    ["process.nextTick recursion", "const f = () => process.nextTick(f); f();"],
    ["a getter read by console.log's formatting", "console.log({ get x() { for (;;); } }, require('util').inspect({ get y() { for (;;); } }, { getters: true }));"],
    ["a thrown object's message getter (read by the host)", "throw { get message() { for (;;); } };"],
    ["a thrown Proxy (read by the host)", "throw new Proxy({}, { get() { for (;;); } });"],
    ["toString of an uncaught error", "const e = new Error('x'); e.toString = () => { for (;;); }; Object.defineProperty(e, 'stack', { get() { for (;;); } }); throw e;"],
    ["an 'exit' listener", "process.on('exit', () => { for (;;); });"],
    ["an 'uncaughtException' listener", "process.on('uncaughtException', () => { for (;;); }); throw new Error('x');"],
    ["catastrophic regexp backtracking", "/^(a+)+$/.test('a'.repeat(64) + 'b');"],
    ["a sort comparator", "new Array(1000).fill(0).map((_, i) => i).sort(() => { for (;;); });"],
    ["a JSON.parse reviver", "JSON.parse('[1]', () => { for (;;); });"],
    ["a stream transform", "const { Readable } = require('stream'); Readable.from([1]).on('data', () => { for (;;); });"],
    ["an fs callback", "require('fs').stat('/sandbox', () => { for (;;); });"],
  ];
  for (const [where, code] of BOMBS) {
    it(`ends an infinite loop in ${where} with the CPU limit`, async () => {
      const t = performance.now();
      const r = await attack(code, CPU);
      expect(r.code).toBe(ExitCode.CPU_TIME_LIMIT);
      expect(performance.now() - t).toBeLessThan(5_000);
    });
  }

  for (const code of [
    "export const x = { get y() { for (;;); } };",
    "export default new Proxy({}, { ownKeys() { for (;;); } });",
    "JSON.stringify = (v) => { for (;;); }; export const a = 1;",
  ]) {
    it(`ends CPU bombs met while copying run() exports: ${code.slice(0, 40)}`, async () => {
      const r = await attackModule(code, CPU);
      expect(r.code).toBe(ExitCode.CPU_TIME_LIMIT);
    });
  }

  it("does not read a non-string export answer on the host (its toString would run on the host's time)", async () => {
    const r = await attackModule("JSON.stringify = () => ({ toString() { for (;;); } }); export const a = 1;", CPU);
    expect(r.code).toBe(ExitCode.UNCAUGHT);
    expect(r.errorMessage).toMatch(/could not be copied out/);
  });

  it("fails cleanly when tampered export data is not a string or is malformed", async () => {
    for (const fake of ["() => 42", "() => '['.repeat(200000)", "() => JSON.stringify(['o', 0, [['__proto__', ['v', 1]]]]).slice(1)"]) {
      const r = await attackModule(`JSON.stringify = ${fake}; export const a = 1;`, CPU);
      expect(r.code).toBe(ExitCode.UNCAUGHT);
      expect(r.exports).toBeUndefined();
    }
  });
});

describe("exhaustion: memory", () => {
  for (const [what, code] of [
    ["string doubling", "let s = 'x'; for (;;) s += s;"],
    ["an ArrayBuffer flood", "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20));"],
    ["an object flood", "const a = []; for (;;) a.push({ a: 1, b: [1, 2, 3] });"],
    ["one huge allocation", "new ArrayBuffer(2 ** 31); new Uint8Array(2 ** 32 - 1);"],
    ["Buffer.alloc", "const b = []; for (;;) b.push(Buffer.alloc(4 << 20));"],
    ["String.prototype.repeat and padStart", "'x'.repeat(2 ** 29); 'y'.padStart(2 ** 30);"],
  ] as const) {
    it(`stops ${what} at the memory limit and the runtime works again after`, async () => {
      const runtime = new NodeRuntime({ memoryLimit: 32, cpuTimeLimitMs: 10_000, systemDriver: restrictedDriver() });
      try {
        const r = await runtime.exec(code);
        expect([ExitCode.MEMORY_LIMIT, ExitCode.UNCAUGHT]).toContain(r.code);
        if (r.code === ExitCode.UNCAUGHT) expect(r.errorMessage).toMatch(/RangeError|out of memory|Invalid|too long/);
        const again = await runtime.exec("console.log(1 + 1)");
        expect(again.stdout).toBe("2\n");
      } finally {
        runtime.dispose();
      }
    });
  }
});

describe("exhaustion: an out-of-memory error the guest catches still ends the run", () => {
  const bomb = "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20));";
  const escapes: Record<string, string> = {
    "catch, then spin": `try { ${bomb} } catch {} for (;;) {}`,
    "catch, then exit 0": `try { ${bomb} } catch {} process.exit(0)`,
    "catch inside finally": `try { ${bomb} } finally { try { ${bomb} } catch {} }`,
    "catch, then schedule more work": `try { ${bomb} } catch {} setInterval(() => console.log('alive'), 1)`,
    "a rejection swallowed by an unhandledRejection listener": `process.on('unhandledRejection', () => {}); (async () => { ${bomb} })(); setTimeout(() => console.log('alive'), 5)`,
    "a rejection caught by a then handler that keeps allocating": `(async () => { ${bomb} })().catch(() => { const b = []; for (let i = 0; i < 4; i++) b.push(new ArrayBuffer(1 << 10)); console.log('alive') })`,
    "catch in a queueMicrotask": `queueMicrotask(() => { try { ${bomb} } catch {} }); setTimeout(() => console.log('alive'), 5)`,
    "an 'exit' listener that allocates": `process.on('exit', () => { try { ${bomb} } catch {} console.log('alive') })`,
    "a catch that hides the error in a getter": `let e; try { ${bomb} } catch (x) { e = x } Object.defineProperty(globalThis, 'x', { get() { for (;;) {} } })`,
  };
  for (const [how, code] of Object.entries(escapes)) {
    it(`ends with 134: ${how}`, async () => {
      const started = performance.now();
      const r = await attack(code, { memoryLimit: 16, cpuTimeLimitMs: Infinity });
      expect(r).toMatchObject({ code: ExitCode.MEMORY_LIMIT, errorMessage: "memory limit of 16 MB exceeded" });
      expect(r.stdout).not.toContain("alive");
      expect(performance.now() - started).toBeLessThan(10_000);
    });
  }
});

describe("exhaustion: a run that never ends is ended by the wall-clock limit", () => {
  const stalls: Record<string, string> = {
    "swallowing every interrupt in a loop": "for (;;) { try { for (;;) {} } catch {} }",
    "an 'exit' listener that spins, behind an interval": "process.on('exit', () => { for (;;) {} }); setInterval(() => {}, 5)",
    "an uncaughtException listener that rearms a throwing timer": "process.on('uncaughtException', () => setTimeout(() => { throw new Error('again') }, 1)); setTimeout(() => { throw new Error('first') }, 1)",
    "an endless chain of cheap host calls": "const fs = require('fs'); (async () => { for (;;) { await fs.promises.stat('/sandbox').catch(() => {}) } })()",
    "an endless chain of immediates": "const f = () => setImmediate(f); f()",
    "a promise that re-schedules itself through nextTick": "const f = () => process.nextTick(() => Promise.resolve().then(f)); f()",
  };
  for (const mode of ["in-process", "worker"] as const) {
    for (const [how, code] of Object.entries(stalls)) {
      it(`ends ${how} with 124 at the bound (${mode})`, async () => {
        const started = performance.now();
        const r = await attack(code, { mode, cpuTimeLimitMs: Infinity, wallTimeLimitMs: 300 });
        expect(r).toMatchObject({ code: ExitCode.WALL_TIME_LIMIT, errorMessage: "wall-clock time limit of 300 ms exceeded" });
        expect(performance.now() - started).toBeLessThan(5_000);
      });
    }
  }
});

describe("exhaustion: nothing the guest holds outlives dispose()", () => {
  for (const mode of ["in-process", "worker"] as const) {
    it(`closes the guest's server and kills its children even when it fights the stop (${mode})`, async () => {
      const duration = `31.${process.pid}${mode === "worker" ? 2 : 1}7`;
      const hostErrors: unknown[] = [];
      const onError = (e: unknown) => hostErrors.push(e);
      process.on("unhandledRejection", onError);
      process.on("uncaughtException", onError);
      try {
        const runtime = new NodeRuntime({
          mode,
          cpuTimeLimitMs: Infinity,
          systemDriver: createNodeDriver({ permissions: allowAll, useDefaultNetwork: true, commandExecutor: createNodeCommandExecutor() }),
        });
        let port = 0;
        const result = runtime.exec(
          `const http = require('http'), cp = require('child_process');
           const again = () => { try { cp.spawn('sleep', ['${duration}']) } catch {} try { http.createServer(() => {}).listen(0) } catch {} };
           process.on('exit', again);
           process.on('uncaughtException', again);
           cp.spawn('sleep', ['${duration}']);
           const s = http.createServer(() => {});
           s.listen(0, () => { console.log('PORT ' + s.address().port); for (;;) { try { for (;;) {} } catch { again() } } });`,
          {
            onStdio: (e) => {
              const m = /PORT (\d+)/.exec(e.message);
              if (!m) return;
              port = Number(m[1]);
              // In-process the guest holds the thread: stop it from the host callback it calls.
              if (mode === "in-process") runtime.dispose();
            },
          },
        );
        while (port === 0) await new Promise((r) => setTimeout(r, 10));
        const started = performance.now();
        runtime.dispose();
        const r = await result;
        expect(r.code).toBe(ExitCode.TERMINATED);
        expect(performance.now() - started).toBeLessThan(3_000);
        const connected = await new Promise<boolean>((resolve) => {
          const sock = connect(port, "127.0.0.1");
          sock.on("connect", () => (sock.destroy(), resolve(true)));
          sock.on("error", () => resolve(false));
        });
        expect(connected).toBe(false);
        await new Promise((r) => setTimeout(r, 300));
        let left = "";
        try {
          left = execFileSync("pgrep", ["-f", `^sleep ${duration.replace(".", "\\.")}$`], { encoding: "utf8" });
        } catch {
          // pgrep exits 1 when nothing matches.
        }
        expect(left).toBe("");
        expect(hostErrors).toEqual([]);
      } finally {
        process.off("unhandledRejection", onError);
        process.off("uncaughtException", onError);
      }
    });
  }
});

describe("exhaustion: deep recursion", () => {
  const DEEP: [string, string][] = [
    ["function recursion", "const f = () => f(); f();"],
    ["the parser (nested parentheses)", "eval('('.repeat(100000) + '1' + ')'.repeat(100000));"],
    ["the parser (nested arrays)", "eval('['.repeat(100000) + ']'.repeat(100000));"],
    ["the parser (nested functions)", "new Function('function a(){'.repeat(20000) + '}'.repeat(20000));"],
    ["a regexp with deep groups", "new RegExp('('.repeat(50000) + 'a' + ')'.repeat(50000)).test('a');"],
    ["a regexp on a huge input", "/(?:a|b)*c/.test('ab'.repeat(5_000_000));"],
    ["JSON.parse", "JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000));"],
    ["JSON.stringify", "let o = {}; for (let i = 0; i < 1_000_000; i++) o = { o }; JSON.stringify(o);"],
    ["structuredClone", "let o = {}; for (let i = 0; i < 1_000_000; i++) o = { o }; structuredClone(o);"],
    ["util.inspect with depth Infinity", "let o = {}; for (let i = 0; i < 1_000_000; i++) o = { o }; require('util').inspect(o, { depth: Infinity });"],
    ["console.log of a deep array", "let o = []; for (let i = 0; i < 1_000_000; i++) o = [o]; console.dir(o, { depth: null });"],
    ["Function.prototype.toString on a deep bound chain", "let f = () => 1; for (let i = 0; i < 100000; i++) f = f.bind(null); f(); String(f);"],
    ["a Proxy chain", "let p = {}; for (let i = 0; i < 100000; i++) p = new Proxy(p, {}); p.x;"],
    ["a prototype chain", "let p = {}; for (let i = 0; i < 100000; i++) p = Object.create(p); p.x; String(p);"],
  ];
  for (const [where, code] of DEEP) {
    it(`turns deep recursion in ${where} into a guest error or a limit, and the runtime works after`, async () => {
      const runtime = new NodeRuntime({ cpuTimeLimitMs: 5_000, memoryLimit: 64, systemDriver: restrictedDriver() });
      try {
        const r = await runtime.exec(code);
        // INTERNAL_ERROR: the host thread's own stack ran out inside the engine (QuickJS's
        // stack check counts WebAssembly's shadow stack, not the native one); the
        // instance is discarded and replaced. Never a host crash, never a host error.
        expect([ExitCode.OK, ExitCode.UNCAUGHT, ExitCode.CPU_TIME_LIMIT, ExitCode.MEMORY_LIMIT, ExitCode.INTERNAL_ERROR]).toContain(r.code);
        expect(r.errorMessage ?? "").not.toMatch(/host operation failed/);
        expect((await runtime.exec("console.log('alive')")).stdout).toBe("alive\n");
      } finally {
        runtime.dispose();
      }
    });
  }
});

describe("exhaustion: floods", () => {
  it("cuts an output flood at maxOutputBytes", async () => {
    const r = await attack("for (;;) { console.log('x'.repeat(1000)); process.stdout.write('y'); }", { cpuTimeLimitMs: 500, resourceBudgets: { maxOutputBytes: 10_000 } });
    expect(r.code).toBe(ExitCode.CPU_TIME_LIMIT);
    // The budget counts characters of output; the cut line may end with a short notice.
    expect(r.stdout.length + r.stderr.length).toBeLessThanOrEqual(10_000 + 200);
  });

  it("fails setTimeout/setInterval/setImmediate past maxTimers with ERR_SANDBOX_BUDGET_EXCEEDED", async () => {
    const r = await attack(`
      const out = [];
      for (const make of [() => setTimeout(() => {}, 1e6), () => setInterval(() => {}, 1e6), () => setImmediate(() => {})]) {
        let n = 0;
        try { for (;;) { make(); n++; } } catch (e) { out.push(n, e.code, e instanceof RangeError); }
      }
      console.log(out.join());
      process.exit(0);
    `, { resourceBudgets: { maxTimers: 100 } });
    expect(r.stdout).toBe("100,ERR_SANDBOX_BUDGET_EXCEEDED,true,0,ERR_SANDBOX_BUDGET_EXCEEDED,true,0,ERR_SANDBOX_BUDGET_EXCEEDED,true\n");
  });

  it("frees timer slots when timers fire or are cleared", async () => {
    const r = await attack(`
      let fired = 0;
      for (let round = 0; round < 5; round++) {
        const ts = []; for (let i = 0; i < 50; i++) ts.push(setTimeout(() => {}, 1e6));
        ts.forEach(clearTimeout);
      }
      const next = (n) => { if (n === 0) return console.log("done", fired); setTimeout(() => { fired++; next(n - 1); }, 0); };
      next(500);
    `, { resourceBudgets: { maxTimers: 50 } });
    expect(r.stdout).toBe("done 500\n");
  });

  it("fails host-op calls past maxOpCalls with ERR_SANDBOX_BUDGET_EXCEEDED", async () => {
    const r = await attack(`
      const fs = require("fs");
      let n = 0;
      // Output is an op too, so the verdict leaves through the exit code.
      try { for (;;) { fs.statSync("/sandbox/ok.txt"); n++; } } catch (e) { process.exitCode = n > 100 && n <= 1000 && e.code === "ERR_SANDBOX_BUDGET_EXCEEDED" ? 42 : 1; }
    `, { resourceBudgets: { maxOpCalls: 1000 } });
    expect(r.code).toBe(42);
  });

  it("fails async ops past maxPendingOps, and frees the slots once results are taken", async () => {
    const r = await attack(`
      const fsp = require("fs").promises;
      (async () => {
        const ps = [];
        for (let i = 0; i < 100; i++) ps.push(fsp.stat("/sandbox").then(() => "ok", (e) => e.code));
        const first = await Promise.all(ps);
        const again = await Promise.all([fsp.stat("/sandbox").then(() => "ok")]);
        console.log(first.filter((x) => x === "ok").length, first.filter((x) => x === "ERR_SANDBOX_BUDGET_EXCEEDED").length, again.join());
      })();
    `, { resourceBudgets: { maxPendingOps: 10 } });
    expect(r.stdout).toBe("10 90 ok\n");
  });

  it("bounds host memory held by async ops in flight (maxPendingBytes)", async () => {
    const fs = createInMemoryFileSystem();
    const r = await attack(`
      const fsp = require("fs").promises;
      const big = new Uint8Array(1 << 20);
      (async () => {
        const ps = [];
        for (let i = 0; i < 64; i++) ps.push(fsp.writeFile("/f" + (i % 4), big).then(() => "ok", (e) => e.code));
        const rs = await Promise.all(ps);
        console.log(rs.filter((x) => x === "ok").length, rs.filter((x) => x === "ERR_SANDBOX_BUDGET_EXCEEDED").length);
      })();
    `, { systemDriver: createNodeDriver({ filesystem: fs, permissions: allowAll }), resourceBudgets: { maxPendingBytes: 8 << 20 } });
    const [ok, refused] = r.stdout.trim().split(" ").map(Number);
    expect(ok! + refused!).toBe(64);
    expect(ok).toBeLessThanOrEqual(8);
    expect(refused).toBeGreaterThanOrEqual(56);
  });

  it("refuses bad budget values at construction", () => {
    for (const bad of [0, -1, NaN, "1", null]) {
      expect(() => new NodeRuntime({ resourceBudgets: { maxOpCalls: bad as never } })).toThrow(TypeError);
      expect(() => new NodeRuntime({ resourceBudgets: { maxTimers: bad as never } })).toThrow(TypeError);
    }
    expect(() => new NodeRuntime({ resourceBudgets: { maxFds: 1 } as never })).toThrow(/unknown option "maxFds"/);
  });

  it("refuses writes into an in-memory filesystem past its byte budget with ENOSPC", async () => {
    const r = await attack(`
      const fs = require("fs");
      const big = new Uint8Array(1 << 20);
      let n = 0;
      try { for (; n < 300; n++) fs.writeFileSync("/f" + n, big); } catch (e) { console.log(e.code); }
      console.log(n);
    `, { systemDriver: createNodeDriver({ filesystem: createInMemoryFileSystem(), permissions: allowAll }) });
    expect(r.stdout).toBe("ENOSPC\n256\n");
  });
});

describe("exhaustion: other sandboxes are untouched", () => {
  it("keeps a second runtime working while and after the first hits every limit", async () => {
    const a = new NodeRuntime({ memoryLimit: 32, cpuTimeLimitMs: 300, systemDriver: restrictedDriver() });
    const b = new NodeRuntime({ systemDriver: restrictedDriver() });
    try {
      const runs = await Promise.all([
        a.exec("for (;;);"),
        b.exec("console.log('b1')"),
        a.exec("let s = 'x'; for (;;) s += s;"),
        b.exec("setTimeout(() => console.log('b2'), 5)"),
        a.exec("throw { get message() { for (;;); } }"),
      ]);
      expect(runs.map((r) => r.code)).toEqual([ExitCode.CPU_TIME_LIMIT, 0, expect.any(Number), 0, ExitCode.CPU_TIME_LIMIT]);
      expect([ExitCode.MEMORY_LIMIT, ExitCode.UNCAUGHT]).toContain(runs[2]!.code);
      expect(runs[1]!.stdout + runs[3]!.stdout).toBe("b1\nb2\n");
      expect((await a.exec("console.log('a ok')")).stdout).toBe("a ok\n");
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
