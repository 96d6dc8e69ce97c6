/**
 * Limits: children die with their exec (dispose, CPU limit, process.exit), the number of
 * concurrent children is bounded, and output waiting on the host is bounded.
 */
import { describe, expect, it } from "vitest";
import { NodeRuntime, allowAll, createNodeCommandExecutor, createNodeDriver } from "../../../src/index.js";
import type { CommandExecutor } from "../../../src/index.js";
import { run } from "./_helpers.js";

/** The shipped executor, remembering each child's wait() so a test can see it die. */
function watched() {
  const exits: Promise<number>[] = [];
  const inner = createNodeCommandExecutor();
  const executor: CommandExecutor = {
    spawn(c, a, o) {
      const p = inner.spawn(c, a, o);
      exits.push(p.wait());
      return p;
    },
  };
  return { exits, options: { systemDriver: createNodeDriver({ commandExecutor: executor, permissions: allowAll }), cpuTimeLimitMs: 500 } };
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms))]);

describe("children end with their sandbox", () => {
  it("disposing a sandbox kills its running children (a shell's own children too)", async () => {
    const { exits, options } = watched();
    const rt = new NodeRuntime(options);
    const result = rt.exec(`require("child_process").spawn("sh", ["-c", "sleep 30; echo never"]).stdout.on("data", (d) => console.log(String(d)))`);
    while (exits.length === 0) await new Promise((r) => setTimeout(r, 5));
    rt.dispose();
    const r = await result;
    expect(r.code).toBe(143);
    expect(await within(exits[0]!, 5000)).toBe(137);
  });

  it("the CPU limit ending an exec kills its children", async () => {
    const { exits, options } = watched();
    const r = await run(`require("child_process").spawn("sleep", ["30"]); setTimeout(() => { for (;;) {} }, 10)`, options);
    expect(r.code).toBe(124);
    expect(await within(exits[0]!, 5000)).toBe(137);
  });

  it("process.exit() with children running kills them", async () => {
    const { exits, options } = watched();
    const r = await run(`require("child_process").spawn("sleep", ["30"]); setTimeout(() => process.exit(5), 10)`, options);
    expect(r.code).toBe(5);
    expect(await within(exits[0]!, 5000)).toBe(137);
  });

  it("the exec waits for a running child, as Node does", async () => {
    const r = await run(`require("child_process").spawn("sleep", ["0.2"]).on("exit", (c) => console.log("exited", c))`);
    expect(r.stdout).toBe("exited 0\n");
  });
});

describe("bounds", () => {
  it("at most 16 children run at once; the 17th spawn fails with EAGAIN, and a slot frees on exit", async () => {
    const r = await run(`
      const cp = require("child_process");
      const kids = [];
      for (let i = 0; i < 16; i++) kids.push(cp.spawn("sleep", ["30"]));
      try { cp.spawn("sleep", ["30"]) } catch (e) { console.log(e.code, e.syscall) }
      kids[0].on("exit", () => {
        const again = cp.spawn("true");
        again.on("exit", (c) => { console.log("17th ran", c); for (const k of kids) k.kill("SIGKILL") });
      });
      kids[0].kill();
    `);
    expect(r.stdout).toBe("EAGAIN spawn\n17th ran 0\n");
  });

  it("large output streams through intact", async () => {
    const r = await run(`
      const c = require("child_process").spawn("head", ["-c", "5000000", "/dev/zero"]);
      let n = 0;
      c.stdout.on("data", (d) => n += d.length);
      c.on("close", (code) => console.log(code, n));
    `);
    expect(r.stdout).toBe("0 5000000\n");
  });

  it("execSync's output is bounded by maxBuffer", async () => {
    const r = await run(`try { require("child_process").execSync("head -c 100000 /dev/zero", { maxBuffer: 1000 }) } catch (e) { console.log(e.code, e.stdout.length) }`);
    expect(r.stdout).toBe("ENOBUFS 1000\n");
  });
});
