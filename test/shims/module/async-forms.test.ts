/**
 * The async forms of the module ops (what worker mode serves `require()` with): over an
 * async-only filesystem and an async fs permission callback they resolve and read
 * exactly what the sync forms do over a synchronous filesystem and callback, and fail
 * with the same errors.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createInMemoryFileSystem } from "../../../src/driver/in-memory-fs.js";
import type { FsAccessRequest, VirtualFileSystem } from "../../../src/driver/types.js";
import { createNodeDriver } from "../../../src/index.js";
import { asyncOnlyFs, harness, later, outcome, type Harness } from "../_ops.js";

const FILES: Record<string, string> = {
  "/app/main.js": "require('pkg')",
  "/app/node_modules/pkg/package.json": JSON.stringify({ name: "pkg", main: "lib/index.js" }),
  "/app/node_modules/pkg/lib/index.js": "#!/usr/bin/env node\nmodule.exports = require('./data.json');",
  "/app/node_modules/pkg/lib/data.json": '{ "answer": 42 }',
  "/app/node_modules/dual/package.json": JSON.stringify({ name: "dual", exports: { ".": { import: "./esm.mjs", require: "./cjs.cjs" }, "./sub": "./sub.js" } }),
  "/app/node_modules/dual/esm.mjs": "export const v = 1;",
  "/app/node_modules/dual/cjs.cjs": "exports.v = 1;",
  "/app/node_modules/dual/sub.js": "exports.sub = true;",
  "/app/node_modules/broken/package.json": "{ not json",
  "/app/secret/node_modules/hidden/index.js": "exports.hidden = true;",
  "/app/secret/main.js": "",
};

async function project(): Promise<VirtualFileSystem> {
  const fs = createInMemoryFileSystem();
  for (const [path, text] of Object.entries(FILES)) {
    await fs.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await fs.writeFile(path, text);
  }
  return fs;
}

/** Everything but /app/secret may be read; the async one answers after a macrotask. */
const policy = (req: FsAccessRequest) => (req.path.startsWith("/app/secret") ? { allow: false, reason: "secret" } : true);

let syncSide: Harness;
let asyncSide: Harness;
beforeAll(async () => {
  syncSide = harness(createNodeDriver({ filesystem: await project(), permissions: { fs: policy } }), { cwd: "/app" });
  asyncSide = harness(createNodeDriver({ filesystem: asyncOnlyFs(await project()), permissions: { fs: later(policy) } }), { cwd: "/app" });
});

/** Both forms of one call: the async one over the async-only side, the sync one over the sync side. */
async function both(name: string, ...args: unknown[]) {
  const a = await outcome(name, () => asyncSide.async(name, ...args), args);
  const s = await outcome(name, () => syncSide.sync(name, ...args), args);
  return { a, s };
}

describe("module.resolve's async form", () => {
  it("resolves a CommonJS package through its main over an async-only filesystem", async () => {
    const { a, s } = await both("module.resolve", "pkg", "/app/main.js", "require");
    expect(a).toEqual({ value: { path: "/app/node_modules/pkg/lib/index.js", format: "commonjs" } });
    expect(a).toEqual(s);
  });

  it("resolves relative files, JSON, exports conditions and subpaths as the sync form does", async () => {
    const cases: unknown[][] = [
      ["./data.json", "/app/node_modules/pkg/lib/index.js", "require"],
      ["dual", "/app/main.js", "require"],
      ["dual", "/app/main.mjs", "import"],
      ["dual/sub", "/app/main.js", "require"],
      ["fs", "/app/main.js", "require"],
      ["node:path", "/app/main.mjs", "import"],
    ];
    const expected = [
      { path: "/app/node_modules/pkg/lib/data.json", format: "json" },
      { path: "/app/node_modules/dual/cjs.cjs", format: "commonjs" },
      { path: "/app/node_modules/dual/esm.mjs", format: "module" },
      { path: "/app/node_modules/dual/sub.js", format: "commonjs" },
      { path: "node:fs", format: "builtin" },
      { path: "node:path", format: "builtin" },
    ];
    for (const [i, args] of cases.entries()) {
      const { a, s } = await both("module.resolve", ...args);
      expect(a).toEqual({ value: expected[i] });
      expect(a).toEqual(s);
    }
  });

  it("fails with the sync form's errors: not found, not exported, invalid package config", async () => {
    const cases: [unknown[], string, string][] = [
      [["./missing", "/app/main.js", "require"], "MODULE_NOT_FOUND", "Cannot find module './missing'"],
      [["missing", "/app/main.mjs", "import"], "ERR_MODULE_NOT_FOUND", "Cannot find package 'missing' imported from /app/main.mjs"],
      [["dual/nope", "/app/main.js", "require"], "ERR_PACKAGE_PATH_NOT_EXPORTED", `Package subpath './nope' is not defined by "exports" in /app/node_modules/dual/package.json`],
      [["broken", "/app/main.js", "require"], "ERR_INVALID_PACKAGE_CONFIG", "Invalid package config /app/node_modules/broken/package.json"],
    ];
    for (const [args, code, message] of cases) {
      const { a, s } = await both("module.resolve", ...args);
      expect(a).toMatchObject({ error: { code } });
      expect((a as { error: { message: string } }).error.message).toContain(message);
      expect(a).toEqual(s);
    }
  });

  it("treats a probe the async fs callback denies as a missing file", async () => {
    const { a, s } = await both("module.resolve", "hidden", "/app/secret/main.js", "require");
    expect(a).toMatchObject({ error: { code: "MODULE_NOT_FOUND" } });
    expect(a).toEqual(s);
  });

  it("is what the async-only side needs: its sync form fails there, naming worker mode", async () => {
    const s = await outcome("module.resolve", () => asyncSide.sync("module.resolve", "pkg", "/app/main.js", "require"));
    expect(s).toMatchObject({ error: { code: "ERR_SANDBOX_SYNC_UNAVAILABLE", message: expect.stringContaining("worker mode") } });
  });
});

describe("the async forms of the module readers", () => {
  it("compiles the resolved CommonJS file (shebang commented out) as the sync form does", async () => {
    const { a, s } = await both("module.compileCjs", "/app/node_modules/pkg/lib/index.js");
    expect(a).toEqual({
      value: {
        source: "(function (exports, require, module, __filename, __dirname) {///usr/bin/env node\nmodule.exports = require('./data.json');\n})",
        filename: "/app/node_modules/pkg/lib/index.js",
        strict: false,
      },
    });
    expect(a).toEqual(s);
  });

  it("reads JSON and ES module sources, relative paths against the cwd", async () => {
    const json = await both("module.readJson", "node_modules/pkg/lib/data.json");
    expect(json.a).toEqual({ value: '{ "answer": 42 }' });
    expect(json.a).toEqual(json.s);
    const esm = await both("module.requireEsm", "/app/node_modules/dual/esm.mjs");
    expect(esm.a).toEqual({ value: { source: "export const v = 1;", filename: "/app/node_modules/dual/esm.mjs" } });
    expect(esm.a).toEqual(esm.s);
    const source = await both("module.readSource", "/app/node_modules/dual/esm.mjs");
    expect(source.a).toEqual({ value: "export const v = 1;" });
    expect(source.a).toEqual(source.s);
  });

  it("tells a file's format from its extension and package scope, as the sync form does", async () => {
    const cases: [string, string][] = [
      ["/app/node_modules/dual/esm.mjs", "module"],
      ["/app/node_modules/pkg/lib/index.js", "commonjs"],
      ["/app/node_modules/pkg/lib/data.json", "json"],
    ];
    for (const [path, format] of cases) {
      const { a, s } = await both("module.format", path);
      expect(a).toEqual({ value: format });
      expect(a).toEqual(s);
    }
    const broken = await both("module.format", "/app/node_modules/broken/index.js");
    expect(broken.a).toMatchObject({ error: { code: "ERR_INVALID_PACKAGE_CONFIG" } });
    expect(broken.a).toEqual(broken.s);
  });

  it("fails a missing file with ENOENT and a denied one with EACCES and the callback's reason", async () => {
    const missing = await both("module.compileCjs", "/app/none.js");
    expect(missing.a).toMatchObject({ error: { code: "ENOENT", syscall: "open", path: "/app/none.js" } });
    expect(missing.a).toEqual(missing.s);
    const denied = await both("module.compileCjs", "/app/secret/main.js");
    expect(denied.a).toMatchObject({ error: { code: "EACCES", message: "EACCES: permission denied, open '/app/secret/main.js' (secret)" } });
    expect(denied.a).toEqual(denied.s);
  });
});
