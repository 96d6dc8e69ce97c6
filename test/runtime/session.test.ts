/**
 * Sessions (`runtime.openSession()`): steps that share one guest context, like a REPL.
 * Each step has its own output, exit code and CPU budget; the session's state (globals,
 * loaded modules, timers, cwd) carries over; a limit or process.exit() ends the session.
 */
import { afterEach, describe, expect, it } from "vitest";
import { allowAll, createInMemoryFileSystem, createNodeDriver, errors, NodeRuntime, WorkerPool } from "../../src/index.js";

let rt: NodeRuntime;
afterEach(() => rt?.dispose());

describe("sessions: state carries over", () => {
  it("keeps var, let, const, functions and classes from one step to the next", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    const first = await s.exec("var a = 1; let b = 2; const c = 3; function f() { return a + b + c; } class K { static v = 4 } console.log('defined')");
    expect(first).toEqual({ code: 0, stdout: "defined\n", stderr: "" });
    const second = await s.eval("f() + K.v");
    expect(second).toEqual({ code: 0, stdout: "", stderr: "", value: 10 });
    s.close();
  });

  it("keeps a session's state apart from the runtime's own execs", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    await s.exec("globalThis.shared = 'session'");
    expect((await rt.exec("console.log(typeof shared)")).stdout).toBe("undefined\n");
    expect((await s.eval("shared")).value).toBe("session");
  });

  it("offers require, module and __filename as globals, and keeps loaded modules", async () => {
    rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: createInMemoryFileSystem(), permissions: allowAll }) });
    const s = rt.openSession({ filePath: "/app/repl.js", cwd: "/app" });
    await s.exec("require('fs').mkdirSync('/app', { recursive: true }); require('fs').writeFileSync('/app/counter.js', 'let n = 0; module.exports = () => ++n;')");
    await s.exec("const count = require('./counter.js'); count();");
    const r = await s.eval("[count(), require('./counter.js')(), __filename, typeof module.exports, require('path').basename(__dirname)]");
    expect(r.value).toEqual([2, 3, "/app/repl.js", "object", "app"]);
  });

  it("loads ES modules with import(), and explains that import statements are not available", async () => {
    const filesystem = createInMemoryFileSystem();
    await filesystem.writeFile("/app/m.mjs", "export const x = 5;");
    rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem, permissions: allowAll }) });
    const s = rt.openSession({ cwd: "/app" });
    expect((await s.eval("(await import('./m.mjs')).x")).value).toBe(5);
    expect((await s.eval("import('node:path').then((p) => p.basename('/a/b'))")).value).toBe("b");
    const r = await s.exec("import { x } from './m.mjs'");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("SyntaxError: import and export statements are not available in a session step (it runs as a script): use require() or await import()");
  });

  it("carries the event loop over: an unref'd interval keeps ticking in later steps, a pending timer runs before the step ends", async () => {
    rt = new NodeRuntime({ timingMitigation: "off" });
    const s = rt.openSession();
    const a = await s.exec("let ticks = 0; const iv = setInterval(() => ticks++, 1); iv.unref(); setTimeout(() => console.log('timer ran'), 5)");
    expect(a.stdout).toBe("timer ran\n");
    await s.exec("await new Promise((r) => setTimeout(r, 20))");
    const r = await s.eval("clearInterval(iv), ticks");
    expect(r.value).toBeGreaterThan(1);
  });

  it("keeps process state: cwd after chdir, exitCode, listeners", async () => {
    rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: createInMemoryFileSystem(), permissions: allowAll }) });
    const s = rt.openSession();
    await s.exec("require('fs').mkdirSync('/work'); process.chdir('/work'); process.on('exit', (c) => console.log('exit listener', c));");
    expect((await s.eval("process.cwd()")).value).toBe("/work");
    const end = await s.exec("process.exit(5)");
    expect(end).toEqual({ code: 5, stdout: "exit listener 5\n", stderr: "" });
    expect(s.closed).toBe(true);
  });
});

describe("sessions: eval values", () => {
  it("copies the completion value out like run() exports", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    const r = await s.eval("const m = new Map([[1, { d: new Date(0) }]]); m");
    expect(r.value).toEqual(new Map([[1, { d: new Date(0) }]]));
    expect((await s.eval("let x = 1")).value).toBeUndefined();
    expect("value" in (await s.exec("42"))).toBe(false);
  });

  it("waits for a Promise completion value, and runs top-level await", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    expect((await s.eval("Promise.resolve(41).then((n) => n + 1)")).value).toBe(42);
    expect((await s.eval("await new Promise((r) => setTimeout(() => r('later'), 5));")).value).toBe("later");
    // Statements with top-level await run as an async function: assign to globalThis to keep a value.
    const st = await s.exec("const local = await Promise.resolve(1); globalThis.kept = local + 1");
    expect(st.code).toBe(0);
    expect((await s.eval("[typeof local, kept]")).value).toEqual(["undefined", 2]);
  });

  it("reports an uncopyable value or a rejected Promise as the step's error", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    const fn = await s.eval("() => 1");
    expect(fn.code).toBe(1);
    expect(fn.errorMessage).toContain("value is a function, which cannot be copied out of the sandbox");
    const rejected = await s.eval("Promise.reject(new RangeError('no'))");
    expect(rejected.code).toBe(1);
    expect(rejected.errorMessage).toMatch(/^RangeError: no/);
    expect((await s.eval("1 + 1")).value).toBe(2);
  });

  it("ends a step whose Promise can never settle with code 13, and the session goes on", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    const r = await s.eval("new Promise(() => {})");
    expect(r.code).toBe(13);
    expect((await s.eval("'still here'")).value).toBe("still here");
  });
});

describe("sessions: errors, limits and lifetime", () => {
  it("ends a step with an uncaught error with code 1 and keeps the session and its state", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    await s.exec("const before = 'kept'");
    const bad = await s.exec("throw new TypeError('bad step')");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("TypeError: bad step");
    const syntax = await s.exec("let = = 1");
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain("SyntaxError");
    expect(await s.eval("before")).toEqual({ code: 0, stdout: "", stderr: "", value: "kept" });
  });

  it("gives each step its own output and its own CPU budget", async () => {
    rt = new NodeRuntime({ cpuTimeLimitMs: 1000, timingMitigation: "off" });
    const s = rt.openSession();
    for (let i = 0; i < 3; i++) {
      // ~400 ms of CPU per step: three steps together are over the budget, each alone is not.
      const r = await s.exec(`const until${i} = Date.now() + 400; while (Date.now() < until${i}); console.log(${i})`);
      expect(r).toEqual({ code: 0, stdout: `${i}\n`, stderr: "" });
    }
  });

  it("closes the session when a step hits the CPU limit, with a clear error for later steps", async () => {
    rt = new NodeRuntime({ cpuTimeLimitMs: 100 });
    const s = rt.openSession();
    const r = await s.exec("for (;;) {}");
    expect(r.code).toBe(124);
    expect(s.closed).toBe(true);
    await expect(s.eval("1")).rejects.toThrow(errors.SessionClosedError);
    await expect(s.eval("1")).rejects.toThrow(/Session.eval\(\) was called after the session closed \(a step hit a limit/);
  });

  it("closes the session at the memory limit, leaving the runtime usable", async () => {
    rt = new NodeRuntime({ memoryLimit: 32 });
    const s = rt.openSession();
    const r = await s.exec("const keep = []; for (;;) keep.push(new Array(1e5).fill(1.5))");
    expect(r.code).toBe(134);
    expect(s.closed).toBe(true);
    expect((await rt.exec("console.log('runtime fine')")).stdout).toBe("runtime fine\n");
  });

  it("close() ends a running step with code 143 and frees the session; dispose() closes open sessions", async () => {
    rt = new NodeRuntime({ timingMitigation: "off" });
    const s = rt.openSession();
    const running = s.exec("setInterval(() => {}, 1000)");
    await new Promise((r) => setTimeout(r, 50));
    s.close();
    expect((await running).code).toBe(143);
    await expect(s.exec("1")).rejects.toThrow(/close\(\) was called/);
    const other = rt.openSession();
    await other.exec("1");
    rt.dispose();
    expect(other.closed).toBe(true);
    await expect(other.exec("1")).rejects.toThrow(/the runtime was disposed/);
    expect(() => rt.openSession()).toThrow(errors.RuntimeDisposedError);
  });

  it("runs steps one at a time in the order they were asked for", async () => {
    rt = new NodeRuntime();
    const s = rt.openSession();
    const results = await Promise.all([s.exec("var log = []; log.push(1)"), s.exec("log.push(2)"), s.eval("log")]);
    expect(results[2].value).toEqual([1, 2]);
  });

  it("counts op calls against maxOpCalls for the session as a whole", async () => {
    rt = new NodeRuntime({ resourceBudgets: { maxOpCalls: 50 } });
    const s = rt.openSession();
    await s.exec("for (let i = 0; i < 30; i++) process.cwd()");
    const r = await s.eval("let code; try { for (let i = 0; i < 30; i++) process.cwd() } catch (e) { code = e.code } code");
    expect(r.value).toBe("ERR_SANDBOX_BUDGET_EXCEEDED");
  });

  it("validates its options and refuses what is not supported with a clear error", async () => {
    rt = new NodeRuntime();
    expect(() => rt.openSession({ cwd: "relative" })).toThrow(/NodeRuntime.openSession: cwd must be an absolute POSIX path/);
    expect(() => rt.openSession({ nope: 1 } as never)).toThrow(/unknown option "nope"/);
    const s = rt.openSession();
    expect(() => s.save()).toThrow(errors.NotSupportedError);
    expect(() => s.save()).toThrow(/Session.save\(\) is not supported yet/);
    await expect(s.exec(42 as never)).rejects.toThrow(/code must be a string, got number/);
    const pool = new WorkerPool({ size: 1 });
    const worker = new NodeRuntime({ workerPool: pool });
    expect(() => worker.openSession()).toThrow(/not supported in worker mode yet/);
    worker.dispose();
    await pool.close();
  });

  it("calls host bindings from a session", async () => {
    let n = 0;
    rt = new NodeRuntime({ bindings: { next: () => ++n, later: async (x) => x } });
    const s = rt.openSession();
    await s.exec("const { next } = SecureExec.bindings; next()");
    expect((await s.eval("[next(), await SecureExec.bindings.later('a')]")).value).toEqual([2, "a"]);
  });
});
