/**
 * ModuleAccessFileSystem: host node_modules read-only at /root/node_modules over an
 * in-memory filesystem. No path or link inside that node_modules reaches another host file.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModuleAccessFileSystem } from "../../src/driver/module-access-fs.js";
import { createInMemoryFileSystem } from "../../src/driver/in-memory-fs.js";
import { createNodeDriver } from "../../src/index.js";
import { execOnce } from "../helpers.js";

let outer: string;
let project: string;
let fs: ModuleAccessFileSystem;

beforeEach(() => {
  outer = mkdtempSync(join(tmpdir(), "quicksand-overlay-"));
  project = join(outer, "project");
  const nm = join(project, "node_modules");
  mkdirSync(join(nm, "pkg", "build"), { recursive: true });
  writeFileSync(join(nm, "pkg", "package.json"), '{"name":"pkg","main":"index.js"}');
  writeFileSync(join(nm, "pkg", "index.js"), "module.exports = 42;");
  writeFileSync(join(nm, "pkg", "build", "addon.node"), "\x7fELF");
  writeFileSync(join(outer, "secret.txt"), "SECRET");
  mkdirSync(join(outer, "elsewhere"));
  writeFileSync(join(outer, "elsewhere", "index.js"), "stolen");
  // A link between packages (as pnpm makes) is fine; links out of node_modules are not.
  symlinkSync("pkg", join(nm, "alias"));
  symlinkSync(join(outer, "elsewhere"), join(nm, "evil-abs"));
  symlinkSync("../../secret.txt", join(nm, "evil-rel"));
  symlinkSync("../../../elsewhere", join(nm, "pkg", "evil-dir"));
  fs = new ModuleAccessFileSystem(undefined, { cwd: project });
});
afterEach(() => rmSync(outer, { recursive: true, force: true }));

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

async function asyncCode(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe("ModuleAccessFileSystem", () => {
  it("shows host node_modules at /root/node_modules", async () => {
    expect(fs.readTextFileSync("/root/node_modules/pkg/index.js")).toBe("module.exports = 42;");
    expect(await fs.readTextFile("/root/node_modules/pkg/package.json")).toContain('"pkg"');
    expect(fs.readDirSync("/root/node_modules").sort()).toEqual(["alias", "evil-abs", "evil-rel", "pkg"]);
    expect(fs.readDirSync("/root")).toEqual(["node_modules"]);
    expect(fs.readDirSync("/").sort()).toEqual(["root", "tmp"]);
    expect(fs.statSync("/root/node_modules/pkg").isDirectory).toBe(true);
    expect(fs.existsSync("/root/node_modules/pkg/index.js")).toBe(true);
  });

  it("follows links that stay inside node_modules and reports guest paths", () => {
    expect(fs.readTextFileSync("/root/node_modules/alias/index.js")).toBe("module.exports = 42;");
    expect(fs.realpathSync("/root/node_modules/alias/index.js")).toBe("/root/node_modules/pkg/index.js");
    expect(fs.readlinkSync("/root/node_modules/alias")).toBe("pkg");
    expect(fs.lstatSync("/root/node_modules/alias").isSymbolicLink).toBe(true);
  });

  it("refuses every link that leads out of node_modules", async () => {
    for (const path of ["/root/node_modules/evil-abs/index.js", "/root/node_modules/evil-rel", "/root/node_modules/pkg/evil-dir/index.js"]) {
      expect(codeOf(() => fs.readFileSync(path))).toBe("EACCES");
      expect(await asyncCode(() => fs.readFile(path))).toBe("EACCES");
      expect(codeOf(() => fs.statSync(path))).toBe("EACCES");
      expect(codeOf(() => fs.realpathSync(path))).toBe("EACCES");
      expect(codeOf(() => fs.openSync(path, "r"))).toBe("EACCES");
      expect(fs.existsSync(path)).toBe(false);
    }
    expect(codeOf(() => fs.readDirSync("/root/node_modules/evil-abs"))).toBe("EACCES");
    expect(codeOf(() => fs.readlinkSync("/root/node_modules/evil-abs"))).toBe("EACCES");
    expect(codeOf(() => fs.readlinkSync("/root/node_modules/evil-rel"))).toBe("EACCES");
  });

  it("treats '..', encoded separators and backslashes as what they are", () => {
    expect(codeOf(() => fs.readFileSync("/root/node_modules/../../secret.txt"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/root/node_modules/pkg/../../../secret.txt"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/root/node_modules/..%2F..%2Fsecret.txt"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/root/node_modules/%2e%2e/%2e%2e/secret.txt"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/root/node_modules/..\\..\\secret.txt"))).toBe("ENOENT");
  });

  it("refuses writes into the overlay with EACCES", async () => {
    const p = "/root/node_modules/pkg/index.js";
    expect(codeOf(() => fs.writeFileSync(p, "x"))).toBe("EACCES");
    expect(await asyncCode(() => fs.writeFile("/root/node_modules/new.js", "x"))).toBe("EACCES");
    expect(codeOf(() => fs.appendFileSync(p, "x"))).toBe("EACCES");
    expect(codeOf(() => fs.truncateSync(p, 0))).toBe("EACCES");
    expect(codeOf(() => fs.mkdirSync("/root/node_modules/d"))).toBe("EACCES");
    expect(codeOf(() => fs.createDirSync("/root/node_modules/d"))).toBe("EACCES");
    expect(codeOf(() => fs.removeFileSync(p))).toBe("EACCES");
    expect(codeOf(() => fs.removeDirSync("/root/node_modules/pkg/build"))).toBe("EACCES");
    expect(codeOf(() => fs.renameSync(p, "/tmp.js"))).toBe("EACCES");
    expect(codeOf(() => fs.renameSync("/x", "/root/node_modules/x"))).toBe("EACCES");
    expect(codeOf(() => fs.symlinkSync("/etc", "/root/node_modules/l"))).toBe("EACCES");
    expect(codeOf(() => fs.linkSync("/a", "/root/node_modules/l"))).toBe("EACCES");
    expect(codeOf(() => fs.chmodSync(p, 0o777))).toBe("EACCES");
    expect(codeOf(() => fs.utimesSync(p, 1, 1))).toBe("EACCES");
    expect(codeOf(() => fs.copyFileSync("/a", "/root/node_modules/c"))).toBe("EACCES");
    expect(codeOf(() => fs.openSync(p, "r+"))).toBe("EACCES");
    expect(codeOf(() => fs.accessSync(p, 2))).toBe("EACCES");
    expect(codeOf(() => fs.renameSync("/root", "/r2"))).toBe("EBUSY");
    expect(codeOf(() => fs.removeDirSync("/root"))).toBe("ENOTEMPTY");
    expect(readFileSync(join(project, "node_modules", "pkg", "index.js"), "utf8")).toBe("module.exports = 42;");
  });

  it("rejects native .node addons with a clear error", async () => {
    const p = "/root/node_modules/pkg/build/addon.node";
    let error: Error | undefined;
    try {
      fs.readFileSync(p);
    } catch (e) {
      error = e as Error;
    }
    expect((error as { code?: string }).code).toBe("ERR_DLOPEN_DISABLED");
    expect(error?.message).toContain("native addon");
    expect(error?.message).toContain(p);
    expect(await asyncCode(() => fs.readFile(p))).toBe("ERR_DLOPEN_DISABLED");
    expect(codeOf(() => fs.openSync(p, "r"))).toBe("ERR_DLOPEN_DISABLED");
    expect(fs.statSync(p).isFile).toBe(true);
  });

  it("copies out of the overlay into the writable part", () => {
    fs.copyFileSync("/root/node_modules/pkg/index.js", "/copy.js");
    expect(fs.readTextFileSync("/copy.js")).toBe("module.exports = 42;");
  });

  it("keeps everything else writable and in memory", () => {
    fs.writeFileSync("/app/a.txt", "a");
    expect(fs.readTextFileSync("/app/a.txt")).toBe("a");
    fs.writeFileSync("/root/other.txt", "o");
    expect(fs.readDirSync("/root").sort()).toEqual(["node_modules", "other.txt"]);
  });

  it("layers over a given base filesystem", () => {
    const base = createInMemoryFileSystem();
    base.writeFileSync("/data/x", "x");
    const layered = new ModuleAccessFileSystem(base, { cwd: project });
    expect(layered.readTextFileSync("/data/x")).toBe("x");
    expect(layered.readDirSync("/")).toEqual(["data", "root"]);
    expect(layered.statSync("/root").isDirectory).toBe(true);
    expect(layered.readTextFileSync("/root/node_modules/pkg/index.js")).toBe("module.exports = 42;");
  });

  it("has no overlay when the project has no node_modules", () => {
    const bare = new ModuleAccessFileSystem(undefined, { cwd: outer });
    expect(codeOf(() => bare.readDirSync("/root/node_modules"))).toBe("ENOENT");
    expect(bare.readDirSync("/root")).toEqual([]);
  });
});

describe("the default filesystem of createNodeDriver", () => {
  it("is the module overlay, readable with no permissions configured", async () => {
    const driver = createNodeDriver({ moduleAccess: { cwd: project } });
    expect(driver.filesystem).toBeInstanceOf(ModuleAccessFileSystem);
    const r = await execOnce(
      `const fs = require('fs');
       console.log(fs.readFileSync('/root/node_modules/pkg/index.js', 'utf8'));
       console.log(fs.readdirSync('/root/node_modules/pkg').sort().join());
       console.log(fs.existsSync('/root/node_modules/pkg'), fs.statSync('/root/node_modules/pkg').isDirectory());
       for (const f of [() => fs.writeFileSync('/tmp.txt', 'x'), () => fs.readdirSync('/'), () => fs.writeFileSync('/root/node_modules/x', 'x'), () => fs.readFileSync('/root/node_modules/evil-rel')]) {
         try { f(); console.log('allowed'); } catch (e) { console.log(e.code, e.message); }
       }`,
      { systemDriver: driver },
    );
    expect(r.stdout).toBe(
      [
        "module.exports = 42;",
        "build,evil-dir,index.js,package.json",
        "true true",
        "EACCES EACCES: permission denied, open '/tmp.txt' (no fs permission callback configured)",
        "EACCES EACCES: permission denied, scandir '/' (no fs permission callback configured)",
        "EACCES EACCES: permission denied, open '/root/node_modules/x' (no fs permission callback configured)",
        "EACCES EACCES: permission denied, open '/root/node_modules/evil-rel'",
        "",
      ].join("\n"),
    );
  });

  it("refuses writes into the overlay even when every permission is granted", async () => {
    const driver = createNodeDriver({ moduleAccess: { cwd: project }, permissions: { fs: () => true } });
    const r = await execOnce(
      `const fs = require('fs');
       try { fs.writeFileSync('/root/node_modules/pkg/index.js', 'pwned'); } catch (e) { console.log(e.code, e.syscall, e.path); }
       try { fs.rmSync('/root/node_modules/pkg', { recursive: true }); } catch (e) { console.log(e.code); }
       try { fs.readFileSync('/root/node_modules/pkg/build/addon.node'); } catch (e) { console.log(e.code, e.message); }`,
      { systemDriver: driver },
    );
    expect(r.stdout).toBe(
      "EACCES open /root/node_modules/pkg/index.js\nEACCES\nERR_DLOPEN_DISABLED Cannot load native addon because loading addons is disabled: '/root/node_modules/pkg/build/addon.node' is a native addon (.node), which the sandbox cannot run\n",
    );
    expect(readFileSync(join(project, "node_modules", "pkg", "index.js"), "utf8")).toBe("module.exports = 42;");
  });
});
