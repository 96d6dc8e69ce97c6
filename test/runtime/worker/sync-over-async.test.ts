/**
 * Sync over async: in worker mode every synchronous guest API works over async-only
 * adapters and async permission callbacks, because the guest's thread waits while this
 * thread awaits the host work. In-process the same calls fail with an error naming
 * worker mode (the last test of each group shows it).
 */
import { afterAll, describe, expect, it } from "vitest";
import { allowAll, createInMemoryFileSystem, createNodeCommandExecutor, createNodeDriver, NodeRuntime, WorkerPool } from "../../../src/index.js";
import type { CommandExecutor, NodeRuntimeOptions, Permissions, VirtualFileSystem } from "../../../src/index.js";
import { asyncOnlyFs } from "../../helpers.js";

const pool = new WorkerPool({ size: 2 });
afterAll(() => pool.close());

const tick = () => new Promise((r) => setTimeout(r, 1));

/** An async-only filesystem holding a small CommonJS and ES module project. */
async function projectFs(): Promise<VirtualFileSystem> {
  const fs = createInMemoryFileSystem();
  await fs.mkdir("/app/node_modules/greet/lib", { recursive: true });
  await fs.writeFile("/app/data.txt", "hello from an async-only fs");
  await fs.writeFile("/app/config.json", JSON.stringify({ port: 8080 }));
  await fs.writeFile("/app/node_modules/greet/package.json", JSON.stringify({ name: "greet", main: "lib/index.js" }));
  await fs.writeFile("/app/node_modules/greet/lib/index.js", "const { suffix } = require('./suffix'); exports.greet = (n) => 'hi ' + n + suffix;");
  await fs.writeFile("/app/node_modules/greet/lib/suffix.js", "module.exports = { suffix: '!' };");
  await fs.writeFile("/app/esm.mjs", "import { greet } from 'greet'; export const text = greet('esm');");
  return asyncOnlyFs(fs);
}

/** The shipped executor without spawnSync: only async spawn. */
function asyncOnlyExecutor(): CommandExecutor {
  const inner = createNodeCommandExecutor();
  return { spawn: (c, a, o) => inner.spawn(c, a, o) };
}

async function exec(code: string, options: NodeRuntimeOptions, filePath = "/app/main.js") {
  const rt = new NodeRuntime({ workerPool: pool, ...options });
  try {
    return await rt.exec(code, { filePath });
  } finally {
    rt.dispose();
  }
}

describe("sync guest APIs over an async-only filesystem", () => {
  it("readFileSync, statSync, existsSync, writeFileSync and readdirSync", async () => {
    const fs = await projectFs();
    const r = await exec(
      `const fs = require('fs');
       console.log(fs.readFileSync('/app/data.txt', 'utf8'));
       console.log(fs.statSync('/app/data.txt').size, fs.existsSync('/app/nope'));
       fs.writeFileSync('/app/out.txt', 'written');
       console.log(fs.readdirSync('/app').join(','));
       try { fs.readFileSync('/app/missing') } catch (e) { console.log(e.code, e.syscall) }`,
      { systemDriver: createNodeDriver({ filesystem: fs, permissions: allowAll }) },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hello from an async-only fs\n27 false\nconfig.json,data.txt,esm.mjs,node_modules,out.txt\nENOENT open\n");
    expect(new TextDecoder().decode(await fs.readFile("/app/out.txt"))).toBe("written");
  });

  it("require() of a package, a relative file and JSON", async () => {
    const r = await exec("const { greet } = require('greet'); console.log(greet('cjs'), require('./config.json').port, require.resolve('greet'))", {
      systemDriver: createNodeDriver({ filesystem: await projectFs(), permissions: allowAll }),
    });
    expect(r).toMatchObject({ code: 0, stdout: "hi cjs! 8080 /app/node_modules/greet/lib/index.js\n" });
  });

  it("an ES module graph that imports CommonJS", async () => {
    const rt = new NodeRuntime({ workerPool: pool, systemDriver: createNodeDriver({ filesystem: await projectFs(), permissions: allowAll }) });
    const r = await rt.run<{ text: string; port: number }>("export { text } from './esm.mjs'; import c from './config.json' with { type: 'json' }; export const port = c.port;", "/app/entry.mjs");
    rt.dispose();
    expect(r).toMatchObject({ code: 0, exports: { text: "hi esm!", port: 8080 } });
  });

  it("in-process, the same require() fails with an error naming worker mode", async () => {
    const rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: await projectFs(), permissions: allowAll }) });
    const r = await rt.exec("try { require('greet') } catch (e) { console.log(e.code, /worker mode/.test(e.message)) }", { filePath: "/app/main.js" });
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_SYNC_UNAVAILABLE true\n");
  });
});

describe("CPU time and host waits", () => {
  it("does not count time the guest waits for a slow adapter as its CPU time", async () => {
    const fs = createInMemoryFileSystem();
    await fs.writeFile("/slow.txt", "worth the wait");
    const slow = { ...asyncOnlyFs(fs), readFile: async (p: string) => (await new Promise((r) => setTimeout(r, 150)), fs.readFile(p)) };
    const rt = new NodeRuntime({ workerPool: pool, cpuTimeLimitMs: 400, systemDriver: createNodeDriver({ filesystem: slow, permissions: allowAll }) });
    // Some computing after the waits lets QuickJS's interrupt check run and judge the budget.
    const r = await rt.exec("const fs = require('fs'); for (let i = 0; i < 4; i++) fs.readFileSync('/slow.txt'); let x = 0; for (let i = 0; i < 1e5; i++) x += i; console.log(fs.readFileSync('/slow.txt', 'utf8'))");
    rt.dispose();
    expect(r).toMatchObject({ code: 0, stdout: "worth the wait\n" });
  });
});

describe("sync guest APIs with async permission callbacks", () => {
  const asyncPermissions: Permissions = {
    fs: async (req) => {
      await tick();
      return req.path.startsWith("/app/secret") ? { allow: false, reason: "secrets are off limits" } : { allow: true };
    },
    env: async (req) => {
      await tick();
      return { allow: req.key !== "TOKEN" };
    },
    childProcess: async (req) => {
      await tick();
      return { allow: req.command === "/bin/sh" || req.command === "echo" };
    },
  };

  it("readFileSync is allowed or denied by an async fs callback", async () => {
    const fs = createInMemoryFileSystem();
    await fs.mkdir("/app", { recursive: true });
    await fs.writeFile("/app/ok.txt", "fine");
    await fs.writeFile("/app/secret.txt", "nope");
    const r = await exec(
      "const fs = require('fs'); console.log(fs.readFileSync('/app/ok.txt', 'utf8')); try { fs.readFileSync('/app/secret.txt') } catch (e) { console.log(e.code, e.message) }",
      { systemDriver: createNodeDriver({ filesystem: fs, permissions: asyncPermissions }) },
    );
    expect(r.stdout).toBe("fine\nEACCES EACCES: permission denied, open '/app/secret.txt' (secrets are off limits)\n");
  });

  it("process.env is filtered by an async env callback", async () => {
    const r = await exec("console.log(process.env.USER, process.env.TOKEN, Object.keys(process.env).join(','))", {
      systemDriver: createNodeDriver({ permissions: asyncPermissions, processConfig: { env: { USER: "ada", TOKEN: "t0k" } } }),
    });
    expect(r.stdout).toBe("ada undefined USER\n");
  });

  it("execSync is allowed or denied by an async childProcess callback", async () => {
    const r = await exec(
      "const cp = require('child_process'); console.log(cp.execSync('echo via-shell').toString().trim()); try { cp.execFileSync('ls') } catch (e) { console.log(e.code) }",
      { systemDriver: createNodeDriver({ commandExecutor: createNodeCommandExecutor(), permissions: asyncPermissions }) },
    );
    expect(r.stdout).toBe("via-shell\nEACCES\n");
  });

  it("in-process, a sync API with an async callback fails with an error naming worker mode", async () => {
    const fs = createInMemoryFileSystem();
    const rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: fs, permissions: asyncPermissions }) });
    const r = await rt.exec("try { require('fs').readFileSync('/app/ok.txt') } catch (e) { console.log(e.code, /worker mode/.test(e.message)) }");
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_SYNC_UNAVAILABLE true\n");
  });
});

describe("sync child_process APIs over an executor with only spawn()", () => {
  const driver = () => createNodeDriver({ commandExecutor: asyncOnlyExecutor(), permissions: allowAll });

  it("execSync, execFileSync and spawnSync run real processes", async () => {
    const r = await exec(
      `const cp = require('child_process');
       console.log(cp.execSync('echo a; echo b >&2; echo c', { stdio: 'pipe' }).toString());
       console.log(cp.execFileSync('cat', { input: 'piped input' }).toString());
       const s = cp.spawnSync('sh', ['-c', 'echo out; exit 3'], { encoding: 'utf8' });
       console.log(s.status, JSON.stringify(s.stdout));
       try { cp.execSync('exit 5', { stdio: 'pipe' }) } catch (e) { console.log('status', e.status) }`,
      { systemDriver: driver() },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('a\nc\n\npiped input\n3 "out\\n"\nstatus 5\n');
  });

  it("a sync call's timeout kills the child", async () => {
    const r = await exec("const s = require('child_process').spawnSync('sleep', ['5'], { timeout: 200 }); console.log(s.signal, s.error && s.error.code)", { systemDriver: driver() });
    expect(r.stdout).toBe("SIGTERM ETIMEDOUT\n");
  });

  it("in-process, execSync over the same executor fails with an error naming worker mode", async () => {
    const rt = new NodeRuntime({ systemDriver: driver() });
    const r = await rt.exec("try { require('child_process').execSync('echo hi') } catch (e) { console.log(e.code, /worker mode/.test(e.message)) }");
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_SYNC_UNAVAILABLE true\n");
  });
});
