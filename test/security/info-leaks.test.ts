/**
 * Information leaks: nothing about the host beyond what the configuration exposes — no
 * host environment, no host paths in stacks, error messages or module metadata, and no
 * real clock under timing mitigation "freeze" (including the SharedArrayBuffer/Atomics
 * timer, which needs Atomics or a second thread: neither exists in the guest).
 */
import { describe, expect, it } from "vitest";
import { createNodeDriver, allowAllFs } from "../../src/index.js";
import { attack, attackModule, expectNoHostDetail, RAW } from "./harness.js";

describe("leaks: host environment and paths", () => {
  it("shows only the configured environment, cwd, argv and os values", async () => {
    const r = await attack(`
      const os = require("os");
      console.log(JSON.stringify({ env: process.env, cwd: process.cwd(), argv: process.argv, execPath: process.execPath, pid: process.pid,
        home: os.homedir(), tmp: os.tmpdir(), host: os.hostname(), user: (() => { try { return os.userInfo(); } catch (e) { return e.code; } })(),
        cpus: os.cpus().length, nets: os.networkInterfaces(), versions: process.versions, release: process.release, config: process.config,
        report: (() => { try { return process.report?.getReport?.(); } catch (e) { return e.code; } })(), features: process.features,
        mem: process.memoryUsage(), res: (() => { try { return process.resourceUsage(); } catch (e) { return e.code; } })() }));
    `);
    expect(r.code).toBe(0);
    expectNoHostDetail(r.stdout);
    const seen = JSON.parse(r.stdout) as { env: Record<string, string> };
    expect(seen.env).toEqual({ PUBLIC_NAME: "visible" });
  });

  it("keeps host paths out of every error message and stack the guest can provoke", async () => {
    const r = await attack(`${RAW}
      const texts = [];
      const grab = (e) => { texts.push(String(e && e.message), String(e && e.stack)); };
      const fs = require("fs");
      for (const p of ["/nope", "/sandbox/nope/x", "/secret/key.txt", "", "\\u0000", "/root/node_modules/nope", "../../../../../../etc/passwd"]) {
        for (const f of [fs.readFileSync, fs.statSync, fs.readdirSync, fs.realpathSync, fs.openSync, fs.rmSync, (x) => fs.writeFileSync(x + "/y", "z")]) { try { f(p); } catch (e) { grab(e); } }
        try { require(p); } catch (e) { grab(e); }
        try { require.resolve(p); } catch (e) { grab(e); }
      }
      for (const name of ["fs.readFile", "module.resolve", "module.compileCjs", "module.loadUnit", "process.chdir", "os.info", "child.spawn", "fetch.response"]) {
        try { rawCall(name, "/x", "/y", "require"); } catch (e) { grab(e); }
        try { rawCall(name); } catch (e) { grab(e); }
      }
      try { require("child_process").execSync("ls"); } catch (e) { grab(e); }
      try { new Function("\\n\\n throw new Error('x')")(); } catch (e) { grab(e); }
      texts.push(JSON.stringify(require("module")._nodeModulePaths?.("/sandbox") ?? []), JSON.stringify(module.paths), __filename, __dirname, require.resolve.paths("x").join());
      console.log(texts.join("\\n"));
      setTimeout(() => { throw new Error("uncaught at the end"); });
    `);
    expectNoHostDetail(r.stdout + r.stderr + (r.errorMessage ?? ""));
  });

  it("keeps host paths out of ES module errors and import.meta", async () => {
    const r = await attackModule(`
      const out = [import.meta.url, import.meta.filename, import.meta.dirname];
      for (const spec of ["nope", "./nope.mjs", "/secret/key.txt", "node:nope"]) { try { await import(spec); } catch (e) { out.push(String(e.message), String(e.stack)); } }
      export default out.join("\\n");
    `);
    expect(r.code).toBe(0);
    expectNoHostDetail(JSON.stringify(r));
  });
});

describe("leaks: module overlay", () => {
  it("serves host node_modules under /root/node_modules with no host path in paths, stacks or errors", async () => {
    const r = await attack(`
      const out = [];
      const fs = require("fs");
      out.push(require.resolve("semver"), fs.realpathSync("/root/node_modules/semver"), JSON.stringify(fs.readdirSync("/root/node_modules").length > 0));
      try { require("semver/nope"); } catch (e) { out.push(e.message, e.stack); }
      try { fs.writeFileSync("/root/node_modules/semver/package.json", "{}"); } catch (e) { out.push(e.code, e.message); }
      try { fs.mkdirSync("/root/node_modules/evil"); } catch (e) { out.push(e.code); }
      try { fs.readFileSync("/root/node_modules/../../../../../../etc/hostname", "utf8"); out.push("read"); } catch (e) { out.push(e.code); }
      try { fs.readFileSync("/root/node_modules/semver/../../../package.json", "utf8"); out.push("read-pkg"); } catch (e) { out.push(e.code); }
      console.log(out.join("\\n"));
    `, { systemDriver: createNodeDriver({ permissions: allowAllFs }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("/root/node_modules/semver");
    expect(r.stdout).toMatch(/EACCES|EROFS/);
    expect(r.stdout).not.toMatch(/^read(-pkg)?$/m);
    expectNoHostDetail(r.stdout);
  });
});

describe("leaks: clocks under timing mitigation", () => {
  const CLOCKS = `
    const read = () => [Date.now(), new Date().getTime(), +new Date(), Date(), performance.now(), performance.timeOrigin, process.hrtime().join(), String(process.hrtime.bigint()), process.uptime()].join("|");
    const before = read();
    let x = 0; for (let i = 0; i < 3e6; i++) x += i;
    setTimeout(() => { const after = read(); console.log(before === after ? "frozen" : "moving"); }, 20);
  `;

  it("freezes Date, performance.now, hrtime and uptime for the whole run", async () => {
    const r = await attack(CLOCKS);
    expect(r.stdout).toBe("frozen\n");
  });

  it("gives real clocks under 'off' (the control)", async () => {
    const r = await attack(CLOCKS, { timingMitigation: "off" });
    expect(r.stdout).toBe("moving\n");
  });

  it("leaves no SharedArrayBuffer-based timer: no Atomics, no worker, and a SharedArrayBuffer changes only when the guest writes it", async () => {
    const r = await attack(`
      const sab = new SharedArrayBuffer(8);
      const view = new Int32Array(sab);
      const before = view[0];
      let spins = 0; for (let i = 0; i < 1e6; i++) spins += view[0] === before ? 1 : 0;
      let w; try { require("worker_threads").Worker; w = "worker"; } catch (e) { w = e.code; }
      console.log(typeof globalThis.Atomics, typeof globalThis.WebAssembly, w, spins === 1e6);
    `);
    expect(r.stdout).toBe("undefined undefined ERR_SANDBOX_NOT_SUPPORTED true\n");
  });
});
