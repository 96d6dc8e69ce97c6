/**
 * The async forms of the process ops (what worker mode serves `process.env.X`,
 * `Object.keys(process.env)` and `process.chdir()` with): env reads wait for an async env
 * callback, and chdir stats through an async-only filesystem, with the sync forms'
 * results and errors.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryFileSystem } from "../../../src/driver/in-memory-fs.js";
import type { EnvAccessRequest } from "../../../src/driver/types.js";
import { createNodeDriver } from "../../../src/index.js";
import { asyncOnlyFs, harness, later, outcome } from "../_ops.js";

const ENV = { HOME: "/root", SECRET: "hunter2", LANG: "C" };
const envPolicy = (req: EnvAccessRequest) => req.key !== "SECRET";

describe("env.get and env.keys, async forms", () => {
  const side = () => harness(createNodeDriver({ permissions: { env: later(envPolicy) } }), { env: ENV });

  it("read a variable an async env callback allows", async () => {
    expect(await side().async("env.get", "HOME")).toBe("/root");
  });

  it("answer undefined for one it denies, and for an unset one, as the sync form does", async () => {
    const h = side();
    expect(await h.async("env.get", "SECRET")).toBeUndefined();
    expect(await h.async("env.get", "NOPE")).toBeUndefined();
    const s = harness(createNodeDriver({ permissions: { env: envPolicy } }), { env: ENV });
    expect(s.sync("env.get", "SECRET")).toBeUndefined();
  });

  it("list only the allowed keys, in the environment's order", async () => {
    expect(await side().async("env.keys")).toEqual(["HOME", "LANG"]);
    const s = harness(createNodeDriver({ permissions: { env: envPolicy } }), { env: ENV });
    expect(s.sync("env.keys")).toEqual(["HOME", "LANG"]);
  });

  it("are needed for an async callback: the sync forms count it as a denial", async () => {
    const h = side();
    expect(h.sync("env.get", "HOME")).toBeUndefined();
    expect(h.sync("env.keys")).toEqual([]);
  });

  it("count a rejecting async callback as a denial", async () => {
    const h = harness(createNodeDriver({ permissions: { env: async () => Promise.reject(new Error("policy down")) } }), { env: ENV });
    expect(await h.async("env.get", "HOME")).toBeUndefined();
    expect(await h.async("env.keys")).toEqual([]);
  });
});

describe("process.chdir, async form", () => {
  async function sides() {
    const make = async () => {
      const fs = createInMemoryFileSystem();
      await fs.mkdir("/app/sub", { recursive: true });
      await fs.writeFile("/app/file.txt", "x");
      return fs;
    };
    const permissions = { fs: (req: { path: string }) => !req.path.startsWith("/secret") };
    return {
      a: harness(createNodeDriver({ filesystem: asyncOnlyFs(await make()), permissions: { fs: later(permissions.fs) } }), { cwd: "/app" }),
      s: harness(createNodeDriver({ filesystem: await make(), permissions }), { cwd: "/app" }),
    };
  }

  it("changes the cwd over an async-only filesystem, relative to the current one", async () => {
    const { a, s } = await sides();
    await a.async("process.chdir", "sub");
    s.sync("process.chdir", "sub");
    expect(a.exec.cwd).toBe("/app/sub");
    expect(s.exec.cwd).toBe("/app/sub");
  });

  it("fails with the sync form's ENOENT, ENOTDIR and EACCES, leaving the cwd alone", async () => {
    for (const dir of ["/app/none", "/app/file.txt", "/secret"]) {
      const { a, s } = await sides();
      const ao = await outcome("process.chdir", () => a.async("process.chdir", dir));
      const so = await outcome("process.chdir", () => s.sync("process.chdir", dir));
      expect(ao).toEqual(so);
      expect(a.exec.cwd).toBe("/app");
    }
    const { a } = await sides();
    expect(await outcome("process.chdir", () => a.async("process.chdir", "/app/file.txt"))).toMatchObject({
      error: { code: "ENOTDIR", syscall: "chdir", path: "/app", dest: "/app/file.txt" },
    });
  });

  it("is what the async-only filesystem needs: the sync form fails there, naming worker mode", async () => {
    const { a } = await sides();
    expect(await outcome("process.chdir", () => a.sync("process.chdir", "sub"))).toMatchObject({
      error: { code: "ERR_SANDBOX_SYNC_UNAVAILABLE", message: expect.stringContaining("worker mode") },
    });
  });
});
