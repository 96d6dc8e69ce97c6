/**
 * Which ops are `local`: in worker mode they run on the sandbox's own thread instead of
 * crossing to the caller's. Only ops that touch nothing outside the sandbox qualify: no
 * capability, no permission, nothing of the exec's host-side state (cwd, env, stdin).
 */
import { describe, expect, it } from "vitest";
import { OPS } from "../../src/shims/index.js";

const LOCAL = [
  "os.info",
  "crypto.hashCreate", "crypto.hashUpdate", "crypto.hashDigest", "crypto.hashCopy", "crypto.hashFree",
  "crypto.hashOnce", "crypto.randomBytes", "crypto.pbkdf2", "crypto.scrypt",
  "zlib.process", "zlib.crc32",
  "fetch.parseUrl",
  "module.loadUnit", "module.isBuiltin", "module.builtinNames",
  "process.exit", "process.memoryUsage",
  "stdio.write", "stdio.print",
];

describe("local ops", () => {
  it("are exactly the ops that touch nothing outside the sandbox", () => {
    const local = [...OPS.values()].filter((op) => op.local).map((op) => op.name);
    expect(local.sort()).toEqual([...LOCAL].sort());
  });

  it("never ask for a permission", () => {
    for (const name of LOCAL) expect(OPS.get(name)!.permission).toBeUndefined();
  });

  it("leave the ops that read the exec's cwd or env, or reach an adapter, to the caller's thread", () => {
    for (const name of ["process.cwd", "process.chdir", "env.get", "env.keys", "env.set", "module.resolve", "module.compileCjs", "child.spawnSync", "fs.readFile"]) {
      expect(OPS.get(name)!.local, name).toBeFalsy();
    }
  });
});
