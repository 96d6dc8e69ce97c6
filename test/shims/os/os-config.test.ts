import { describe, expect, it } from "vitest";
import { createNodeDriver } from "../../../src/index.js";
import { execOnce } from "../../helpers.js";

const print = `const os = require("os"); console.log(JSON.stringify({ platform: os.platform(), arch: os.arch(), type: os.type(), release: os.release(), version: os.version(), hostname: os.hostname(), homedir: os.homedir(), tmpdir: os.tmpdir(), machine: os.machine(), cpus: os.cpus(), totalmem: os.totalmem(), interfaces: os.networkInterfaces(), user: os.userInfo() }))`;

async function osValues(options: Parameters<typeof createNodeDriver>[0] = {}, memoryLimit?: number) {
  const r = await execOnce(print, { systemDriver: createNodeDriver(options), ...(memoryLimit ? { memoryLimit } : {}) });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe("os reports osConfig, never the host", () => {
  it("uses neutral Linux defaults when osConfig is empty", async () => {
    const v = await osValues();
    expect(v).toMatchObject({
      platform: "linux", arch: "x64", type: "Linux", release: "6.0.0-quicksand", version: "#1 SMP quicksand",
      hostname: "sandbox", homedir: "/root", tmpdir: "/tmp", machine: "x86_64", interfaces: {},
    });
    expect(v.cpus).toEqual([{ model: "quicksand virtual cpu", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }]);
  });

  it("reports every osConfig field as configured", async () => {
    const v = await osValues({
      osConfig: { platform: "darwin", arch: "arm64", type: "Darwin", release: "23.1.0", version: "Darwin Kernel", homedir: "/Users/me", tmpdir: "/private/tmp", hostname: "box" },
    });
    expect(v).toMatchObject({ platform: "darwin", arch: "arm64", type: "Darwin", release: "23.1.0", version: "Darwin Kernel", homedir: "/Users/me", tmpdir: "/private/tmp", hostname: "box", machine: "aarch64" });
    expect(v.user.homedir).toBe("/Users/me");
  });

  it("totalmem is the sandbox memory limit", async () => {
    const v = await osValues({}, 48);
    expect(v.totalmem).toBe(48 * 1024 * 1024);
  });

  it("userInfo takes uid/gid from processConfig", async () => {
    const v = await osValues({ processConfig: { uid: 0, gid: 0 } });
    expect(v.user).toEqual({ uid: 0, gid: 0, username: "root", homedir: "/root", shell: "/bin/sh" });
  });

  it("tmpdir and homedir prefer TMPDIR and HOME from the sandbox env, as Node does", async () => {
    const r = await execOnce(`const os = require("os"); console.log(os.tmpdir(), os.homedir())`, {
      systemDriver: createNodeDriver({ permissions: { env: () => ({ allow: true }) } }),
    }, { env: { TMPDIR: "/scratch/", HOME: "/home/x" } });
    expect(r.stdout).toBe("/scratch /home/x\n");
  });
});
