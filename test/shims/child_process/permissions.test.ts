/**
 * The childProcess permission: checked on the host before the executor is called, for
 * every spawn form, with exactly what will run (shell lines as `/bin/sh -c <line>`).
 */
import { describe, expect, it } from "vitest";
import { createNodeCommandExecutor, createNodeDriver } from "../../../src/index.js";
import type { ChildProcessAccessRequest, CommandExecutor } from "../../../src/index.js";
import { run } from "./_helpers.js";

/** An executor that records calls: a denied spawn must never reach it. */
function recording() {
  const calls: string[] = [];
  const inner = createNodeCommandExecutor();
  const executor: CommandExecutor = {
    spawn: (c, a, o) => (calls.push(`spawn ${c} ${JSON.stringify(a)}`), inner.spawn(c, a, o)),
    spawnSync: (c, a, o) => (calls.push(`spawnSync ${c} ${JSON.stringify(a)}`), inner.spawnSync!(c, a, o)),
  };
  return { calls, executor };
}

function onlyLs() {
  const seen: ChildProcessAccessRequest[] = [];
  const { calls, executor } = recording();
  const options = {
    systemDriver: createNodeDriver({
      commandExecutor: executor,
      permissions: {
        childProcess: (req: ChildProcessAccessRequest) => {
          seen.push(req);
          return req.command === "ls" ? { allow: true } : { allow: false, reason: `Blocked command: ${req.command}` };
        },
      },
    }),
  };
  return { seen, calls, options };
}

describe("allow and deny for each spawn form", () => {
  const forms: [string, string, string][] = [
    ["spawn", `try { require("child_process").spawn(CMD, ["/"]) .on("close", (c) => console.log("ran", c)) } catch (e) { console.log(e.code, e.errno, e.syscall, e.path, e.message) }`, "sync-throw"],
    ["spawnSync", `const r = require("child_process").spawnSync(CMD, ["/"]); console.log(r.error ? [r.error.code, r.error.message].join(" ") : "ran " + r.status)`, "result"],
    ["execFile", `require("child_process").execFile(CMD, ["/"], (e) => console.log(e ? [e.code, e.message].join(" ") : "ran 0"))`, "callback"],
    ["execFileSync", `try { require("child_process").execFileSync(CMD, ["/"]); console.log("ran 0") } catch (e) { console.log(e.code, e.message) }`, "sync-throw"],
  ];
  for (const [name, template] of forms) {
    it(`${name}: an allowed command runs, a denied one fails with EACCES before the executor is called`, async () => {
      const { calls, options } = onlyLs();
      const allowed = await run(template.replace("CMD", '"ls"'), options);
      expect(allowed.stdout).toMatch(/^ran 0\n$/);
      expect(calls).toHaveLength(1);
      const denied = await run(template.replace("CMD", '"cat"'), options);
      expect(denied.stdout).toContain("EACCES");
      expect(denied.stdout).toContain("permission denied, spawn 'cat' (Blocked command: cat)");
      expect(calls).toHaveLength(1);
    });
  }

  it("spawn's EACCES has Node's error fields", async () => {
    const { options } = onlyLs();
    const r = await run(`try { require("child_process").spawn("rm", ["-rf", "/"]) } catch (e) { console.log(e.code, e.errno, e.syscall, e.path, e.spawnargs) }`, options);
    expect(r.stdout).toBe("EACCES -13 spawn rm [ '-rf', '/' ]\n");
  });

  it("exec and execSync ask for /bin/sh -c <line>: the callback sees the whole line", async () => {
    const { seen, calls, options } = onlyLs();
    const r = await run(
      `
      const cp = require("child_process");
      try { cp.execSync("ls; rm -rf /") } catch (e) { console.log("execSync", e.code) }
      cp.exec("ls; rm -rf /", (e) => console.log("exec", e.code));
    `,
      options,
    );
    expect(r.stdout).toBe("execSync EACCES\nexec EACCES\n");
    expect(seen.map((s) => [s.command, s.args])).toEqual([
      ["/bin/sh", ["-c", "ls; rm -rf /"]],
      ["/bin/sh", ["-c", "ls; rm -rf /"]],
    ]);
    expect(calls).toEqual([]);
  });

  it("spawn with shell: true and a custom shell string ask for that shell", async () => {
    const { seen, options } = onlyLs();
    await run(`const cp = require("child_process"); for (const shell of [true, "/bin/bash"]) try { cp.spawn("ls", ["-l"], { shell }) } catch {}`, options);
    expect(seen.map((s) => [s.command, s.args])).toEqual([
      ["/bin/sh", ["-c", "ls -l"]],
      ["/bin/bash", ["-c", "ls -l"]],
    ]);
  });

  it("the request carries args, the resolved cwd and the child's environment", async () => {
    const { seen, options } = onlyLs();
    await run(`require("child_process").spawnSync("ls", ["-a"], { cwd: "sub", env: { X: "1" } })`, options);
    expect(seen).toEqual([{ command: "ls", args: ["-a"], cwd: "/root/sub", env: { X: "1" } }]);
  });

  it("a thrown or async permission callback never lets the spawn through", async () => {
    const { calls, executor } = recording();
    const throwing = await run(`try { require("child_process").spawn("ls") } catch (e) { console.log(e.code) }`, {
      systemDriver: createNodeDriver({ commandExecutor: executor, permissions: { childProcess: () => { throw new Error("policy down"); } } }),
    });
    expect(throwing.stdout).not.toBe("");
    const asyncCb = await run(`try { require("child_process").spawn("ls") } catch (e) { console.log(e.code) }`, {
      systemDriver: createNodeDriver({ commandExecutor: executor, permissions: { childProcess: async () => true } }),
    });
    expect(asyncCb.stdout).toBe("ERR_SANDBOX_SYNC_UNAVAILABLE\n");
    expect(calls).toEqual([]);
  });

  it("deny by default: no childProcess callback means EACCES", async () => {
    const { calls, executor } = recording();
    const r = await run(`try { require("child_process").spawn("ls") } catch (e) { console.log(e.code) }`, { systemDriver: createNodeDriver({ commandExecutor: executor }) });
    expect(r.stdout).toBe("EACCES\n");
    expect(calls).toEqual([]);
  });

  it("no executor configured: a clear ERR_SANDBOX_NOT_SUPPORTED for every form", async () => {
    const r = await run(
      `
      const cp = require("child_process");
      try { cp.spawn("ls") } catch (e) { console.log(e.code, e.message) }
      try { cp.execSync("ls") } catch (e) { console.log(e.code) }
      cp.exec("ls", (e) => console.log(e.code));
    `,
      { systemDriver: createNodeDriver({ permissions: { childProcess: () => true } }) },
    );
    expect(r.stdout).toBe(
      "ERR_SANDBOX_NOT_SUPPORTED child processes are not available: this sandbox has no commandExecutor (pass one to createNodeDriver, e.g. createNodeCommandExecutor())\nERR_SANDBOX_NOT_SUPPORTED\nERR_SANDBOX_NOT_SUPPORTED\n",
    );
  });
});
