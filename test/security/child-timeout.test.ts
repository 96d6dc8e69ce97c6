/**
 * The host's time limit on a child (`createNodeCommandExecutor({ timeoutMs })`) and the
 * guest's own `timeout` option: the stricter one wins, in the sync and async paths, and
 * a timed-out spawnSync reports ETIMEDOUT and the signal as Node does.
 */
import { describe, expect, it } from "vitest";
import { createNodeCommandExecutor, createNodeDriver, NodeRuntime } from "../../src/index.js";

const MODES = ["in-process", "worker"] as const;

async function execWithExecutor(mode: (typeof MODES)[number], timeoutMs: number, code: string) {
  const rt = new NodeRuntime({
    mode,
    systemDriver: createNodeDriver({
      commandExecutor: createNodeCommandExecutor({ timeoutMs }),
      permissions: { childProcess: () => true },
    }),
  });
  try {
    const t = performance.now();
    const r = await rt.exec(code);
    return { ...r, ms: performance.now() - t };
  } finally {
    rt.dispose();
  }
}

const SPAWN_SYNC = (timeout: number) => `
  const r = require("child_process").spawnSync("sleep", ["5"], { timeout: ${timeout} });
  console.log(JSON.stringify({ status: r.status, signal: r.signal, code: r.error && r.error.code, syscall: r.error && r.error.syscall, errno: r.error && r.error.errno }));`;

describe("child time limits: the stricter wins", () => {
  for (const mode of MODES) {
    it(`ends a guest spawnSync with a long timeout at the host's 300 ms, with ETIMEDOUT and SIGKILL (${mode})`, async () => {
      const r = await execWithExecutor(mode, 300, SPAWN_SYNC(60_000));
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ status: null, signal: "SIGKILL", code: "ETIMEDOUT", syscall: "spawnSync sleep", errno: -110 });
      expect(r.ms).toBeLessThan(3_000);
    });

    it(`keeps the guest's own shorter timeout and signal, as Node reports it (${mode})`, async () => {
      const r = await execWithExecutor(mode, 10_000, SPAWN_SYNC(200));
      expect(JSON.parse(r.stdout)).toEqual({ status: null, signal: "SIGTERM", code: "ETIMEDOUT", syscall: "spawnSync sleep", errno: -110 });
      expect(r.ms).toBeLessThan(3_000);
    });

    it(`ends an async spawn with a long timeout at the host's limit (${mode})`, async () => {
      const r = await execWithExecutor(
        mode,
        300,
        `require("child_process").spawn("sleep", ["5"], { timeout: 60000 }).on("exit", (code, signal) => console.log(code, signal));`,
      );
      expect(r.stdout).toBe("null SIGKILL\n");
      expect(r.ms).toBeLessThan(3_000);
    });

    it(`reports execSync past the host's limit as ETIMEDOUT (${mode})`, async () => {
      const r = await execWithExecutor(
        mode,
        300,
        `try { require("child_process").execSync("sleep 5", { timeout: 60000 }); } catch (e) { console.log(e.code, e.signal); }`,
      );
      expect(r.stdout).toBe("ETIMEDOUT SIGKILL\n");
      expect(r.ms).toBeLessThan(3_000);
    });
  }

  it("kills the child's whole process group at the host's limit", async () => {
    // The shell's own child (sleep) would keep the pipes open, and the run, for 5 s.
    const r = await execWithExecutor("in-process", 300, `
      require("child_process").exec("sleep 5; echo late", (err, out) => console.log(err && err.signal, JSON.stringify(out)));`);
    expect(r.stdout).toBe('SIGKILL ""\n');
    expect(r.ms).toBeLessThan(3_000);
  });
});
