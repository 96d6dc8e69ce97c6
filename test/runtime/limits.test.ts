import { afterAll, describe, expect, it } from "vitest";
import { NodeRuntime, ExitCode, allowAll, createInMemoryFileSystem, createNodeDriver } from "../../src/index.js";

/**
 * Hard limits: each hostile script must end with its limit's exit code and message,
 * while a well-behaved sandbox next to it keeps working.
 */
const runtimes: NodeRuntime[] = [];
function runtime(options: ConstructorParameters<typeof NodeRuntime>[0] = {}) {
  const r = new NodeRuntime(options);
  runtimes.push(r);
  return r;
}
afterAll(() => runtimes.forEach((r) => r.dispose()));

const bystander = runtime();
async function bystanderWorks() {
  const r = await bystander.exec("let s = 0; for (let i = 0; i < 1000; i++) s += i; console.log(s)");
  expect(r).toMatchObject({ code: 0, stdout: "499500\n" });
}

describe("CPU time limit", () => {
  const loops: Record<string, string> = {
    "top-level code": "while (true) {}",
    "a promise job": "Promise.resolve().then(() => { while (true) {} })",
    "a timer callback": "setTimeout(() => { for (;;) {} }, 1)",
    "an interval callback": "setInterval(() => { for (;;) {} }, 1)",
    "setImmediate": "setImmediate(() => { for (;;) {} })",
    "process.nextTick": "process.nextTick(() => { for (;;) {} })",
    "an async function": "(async () => { await null; while (true) {} })()",
    "an endless await chain": "(async () => { for (;;) await 0 })()",
    "a catastrophic regular expression": "/(a+)+$/.test('a'.repeat(40) + 'b')",
    "a catch block that swallows the interrupt": "for (;;) { try { while (true) {} } catch (e) {} }",
    "a finally block": "try { while (true) {} } finally { while (true) {} }",
  };
  for (const [where, code] of Object.entries(loops)) {
    it(`ends an infinite loop in ${where} with exit code 124`, async () => {
      const rt = runtime({ cpuTimeLimitMs: 50 });
      const started = performance.now();
      const r = await rt.exec(code);
      expect(r.code).toBe(ExitCode.CPU_TIME_LIMIT);
      expect(r.errorMessage).toBe("CPU time limit of 50 ms exceeded");
      // Promptly: well before 10x the budget even on a loaded 2-core machine.
      expect(performance.now() - started).toBeLessThan(2000);
      await bystanderWorks();
    });
  }

  it("takes the per-exec cpuTimeLimitMs over the runtime's", async () => {
    const rt = runtime({ cpuTimeLimitMs: 60_000 });
    const r = await rt.exec("for (;;) {}", { cpuTimeLimitMs: 30 });
    expect(r).toMatchObject({ code: 124, errorMessage: "CPU time limit of 30 ms exceeded" });
  });

  it("counts only guest CPU time, not time spent waiting on timers", async () => {
    const rt = runtime({ cpuTimeLimitMs: 100 });
    const r = await rt.exec("setTimeout(() => console.log('done'), 300)");
    expect(r).toMatchObject({ code: 0, stdout: "done\n" });
  });

  it("runs the next exec normally after a CPU limit was hit", async () => {
    const rt = runtime({ cpuTimeLimitMs: 30 });
    expect((await rt.exec("for (;;) {}")).code).toBe(124);
    expect(await rt.exec("console.log('again')")).toMatchObject({ code: 0, stdout: "again\n" });
  });
});

describe("memory limit", () => {
  const bombs: Record<string, string> = {
    "ArrayBuffers": "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20))",
    "typed arrays": "const a = []; for (;;) a.push(new Float64Array(1 << 17))",
    "one huge string": "'x'.repeat(2 ** 28)",
    "many strings": "const a = []; for (let i = 0; ; i++) a.push('y'.repeat(1 << 16) + i)",
    "objects": "const a = []; for (let i = 0; ; i++) a.push({ i, s: String(i), arr: [i, i, i, i] })",
    "array growth": "const a = []; for (let i = 0; ; i++) a[i] = i + 0.5",
    "a Map": "const m = new Map(); for (let i = 0; ; i++) m.set('k' + i, { v: i })",
  };
  for (const [what, code] of Object.entries(bombs)) {
    it(`ends a memory bomb of ${what} with exit code 134 and hands the sandbox back`, async () => {
      const rt = runtime({ memoryLimit: 16, cpuTimeLimitMs: 20_000 });
      const r = await rt.exec(code);
      expect(r.code).toBe(ExitCode.MEMORY_LIMIT);
      expect(r.errorMessage).toBe("memory limit of 16 MB exceeded");
      // The broken instance was discarded; the same runtime runs on a fresh one.
      expect(await rt.exec("console.log(1 + 1)")).toMatchObject({ code: 0, stdout: "2\n" });
      await bystanderWorks();
    });
  }

  it("ends the run with 134 when the guest catches the error of one big allocation, and runs no host operation after it", async () => {
    const filesystem = createInMemoryFileSystem();
    const rt = runtime({ memoryLimit: 16, systemDriver: createNodeDriver({ filesystem, permissions: allowAll }) });
    const r = await rt.exec(
      "const fs = require('fs'); try { new ArrayBuffer(64 * 1024 * 1024) } catch (e) { try { fs.writeFileSync('/after', e.name) } catch {} console.log(e.name) }",
    );
    expect(r).toMatchObject({ code: 134, errorMessage: "memory limit of 16 MB exceeded", stdout: "" });
    expect(filesystem.existsSync!("/after")).toBe(false);
  });

  it("reports a memory bomb inside a timer callback", async () => {
    const rt = runtime({ memoryLimit: 16 });
    const r = await rt.exec("setTimeout(() => { const a = []; for (;;) a.push(new ArrayBuffer(1 << 20)) }, 1)");
    expect(r).toMatchObject({ code: 134, errorMessage: "memory limit of 16 MB exceeded" });
  });

  it("ends the run with 134 when a promise job bombs memory, even though the guest handles the rejection", async () => {
    const rt = runtime({ memoryLimit: 16 });
    const r = await rt.exec(
      "Promise.resolve().then(() => { const a = []; for (;;) a.push(new ArrayBuffer(1 << 20)) })" +
        ".catch((e) => console.log('rejected:', e === null ? 'null' : e.message))",
    );
    expect(r).toMatchObject({ code: 134, errorMessage: "memory limit of 16 MB exceeded" });
    // The instance that hit its cap is replaced before the next exec.
    expect(await rt.exec("console.log(new ArrayBuffer(1 << 20).byteLength)")).toMatchObject({ code: 0, stdout: "1048576\n" });
  });

  it("keeps linear memory of a sandbox at or under its limit", async () => {
    const rt = runtime({ memoryLimit: 24 });
    const r = await rt.exec("const a = []; for (;;) { a.push(new ArrayBuffer(1 << 20)); if (process.memoryUsage().rss > 24 * 1024 * 1024) console.log('over') }");
    expect(r).toMatchObject({ code: 134, stdout: "" });
  });

  it("does not take a sandbox that merely came close to its limit for one that hit it", async () => {
    // Growing the heap near the cap first tries sizes past it, then a smaller one that
    // fits: no allocation failed, so an ordinary error stays an ordinary error (1).
    const rt = runtime({ memoryLimit: 64 });
    const r = await rt.exec(
      "const a = []; for (let i = 0; i < 55; i++) a.push(new ArrayBuffer(1 << 20));" +
        "console.log(process.memoryUsage().rss > 56 * 1024 * 1024); throw new Error('plain')",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("true\n");
    expect(r.errorMessage).toMatch(/^Error: plain/);
  });

  const bomb = "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20));";
  const everywhere: Record<string, string> = {
    "an async function after an awaited host call": `(async () => { await require('fs').promises.readFile('/data.txt'); ${bomb} })()`,
    "an async function after a failed host call": `(async () => { await require('fs').promises.readFile('/missing').catch(() => {}); ${bomb} })()`,
    "an async function after await null": `(async () => { await null; ${bomb} })()`,
    "a promise job": `Promise.resolve().then(() => { ${bomb} })`,
    "a timer callback": `setTimeout(() => { ${bomb} }, 1)`,
    "an immediate": `setImmediate(() => { ${bomb} })`,
    "process.nextTick": `process.nextTick(() => { ${bomb} })`,
    "an I/O callback": `require('fs').readFile('/data.txt', () => { ${bomb} })`,
    "a try/catch that carries on": `try { ${bomb} } catch (e) { console.log('caught') } console.log('carried on')`,
    "a try/catch that then loops forever": `try { ${bomb} } catch {} for (;;) {}`,
    "a catch in an async function that awaits again": `(async () => { try { ${bomb} } catch {} await require('fs').promises.readFile('/data.txt'); console.log('after') })()`,
    "an uncaughtException listener that swallows it": `process.on('uncaughtException', () => {}); setTimeout(() => console.log('still here'), 5); ${bomb}`,
  };
  for (const [where, code] of Object.entries(everywhere)) {
    for (const mode of ["in-process", "worker"] as const) {
      it(`ends the run with 134 when memory runs out in ${where} (${mode})`, async () => {
        const filesystem = createInMemoryFileSystem();
        await filesystem.writeFile("/data.txt", "hello");
        const rt = runtime({ mode, memoryLimit: 16, cpuTimeLimitMs: Infinity, systemDriver: createNodeDriver({ filesystem, permissions: allowAll }) });
        const started = performance.now();
        const r = await rt.exec(code);
        expect(r).toMatchObject({ code: 134, errorMessage: "memory limit of 16 MB exceeded" });
        expect(r.stdout).not.toMatch(/after|still here/);
        expect(performance.now() - started).toBeLessThan(10_000);
        expect(await rt.exec("console.log(1 + 1)")).toMatchObject({ code: 0, stdout: "2\n" });
      });
    }
  }
});

describe("stack depth", () => {
  it("turns runaway recursion into a catchable RangeError", async () => {
    const rt = runtime();
    const r = await rt.exec(
      "function f(n) { return f(n + 1) + 1 }\n" +
        "try { f(0) } catch (e) { console.log(e instanceof RangeError, e.message) }",
    );
    expect(r).toMatchObject({ code: 0, stdout: "true Maximum call stack size exceeded\n" });
  });

  it("reports uncaught runaway recursion as an ordinary uncaught RangeError", async () => {
    const rt = runtime();
    const r = await rt.exec("const f = () => f(); f()");
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/^RangeError: Maximum call stack size exceeded/);
    await bystanderWorks();
  });
});
