import { beforeEach, describe, expect, it } from "vitest";
import { createInMemoryFileSystem, createNodeDriver, NodeRuntime, allowAllFs } from "../../../src/index.js";
import type { VirtualFileSystem } from "../../../src/index.js";

/** A project tree on an in-memory filesystem, required and imported from /app/main.js. */
async function project(): Promise<ReturnType<typeof createInMemoryFileSystem>> {
  const fs = createInMemoryFileSystem();
  const files: Record<string, string> = {
    "/app/package.json": JSON.stringify({ name: "app", imports: { "#util": "./src/util.js", "#dep": "dep" }, exports: { "./self": "./src/self.js" } }),
    "/app/lib.js": "exports.add = (a, b) => a + b; exports.file = __filename; exports.dir = __dirname;",
    "/app/data.json": '{"x": 1, "list": [1, 2]}',
    "/app/bad.json": "{ nope",
    "/app/dir/index.js": "module.exports = 'dir index';",
    "/app/src/util.js": "module.exports = 'util via #imports';",
    "/app/src/self.js": "module.exports = 'self reference';",
    "/app/throws.js": "throw new Error('module threw')",
    "/app/syntax.js": "const a = 1;\nconst = 2;",
    "/app/cycle-a.js": "exports.a = 1; const b = require('./cycle-b'); exports.fromB = b.b; exports.done = true;",
    "/app/cycle-b.js": "const a = require('./cycle-a'); exports.b = 'b sees a=' + a.a + ' done=' + a.done;",
    "/app/node_modules/dep/package.json": JSON.stringify({ name: "dep", main: "main.js" }),
    "/app/node_modules/dep/main.js": "module.exports = { dep: true, req: typeof require };",
    "/app/node_modules/cond/package.json": JSON.stringify({ name: "cond", exports: { ".": { import: "./esm.mjs", require: "./cjs.js" }, "./feature/*": "./lib/*.js", "./hidden/*": null } }),
    "/app/node_modules/cond/cjs.js": "module.exports = { kind: 'cjs' };",
    "/app/node_modules/cond/esm.mjs": "export const kind = 'esm'; export default 'esm default';",
    "/app/node_modules/cond/lib/x.js": "module.exports = 'feature x';",
    "/app/node_modules/esm-only/package.json": JSON.stringify({ name: "esm-only", type: "module", exports: "./index.js" }),
    "/app/node_modules/esm-only/index.js": "export const value = 42; export default function hello() { return 'hi' }",
    "/app/node_modules/tla/package.json": JSON.stringify({ name: "tla", type: "module", main: "index.js" }),
    "/app/node_modules/tla/index.js": "export const v = await Promise.resolve(1);",
    "/app/esm/entry.mjs": "import { add } from '../lib.js'; import data from '../data.json' with { type: 'json' }; export const sum = add(data.x, 2);",
    "/app/esm/pure.mjs": "import { twice } from './helper.mjs'; import data from '../data.json' with { type: 'json' }; export const sum = twice(data.x) + 1;",
    "/app/esm/helper.mjs": "export const twice = (n) => n * 2;",
    "/app/typed/package.json": JSON.stringify({ type: "module" }),
    "/app/typed/main.js": "import { add } from '../lib.js'; console.log('typed module', add(1, 1), typeof require, import.meta.url);",
  };
  for (const [path, text] of Object.entries(files)) await fs.writeFile(path, text);
  return fs;
}

let runtime: NodeRuntime;
beforeEach(async () => {
  runtime?.dispose();
  runtime = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: await project(), permissions: allowAllFs }) });
});

async function run(code: string, filePath = "/app/main.js") {
  return runtime.exec(code, { filePath });
}

describe("require", () => {
  const cases: [string, string, string][] = [
    ["relative files with extension probing", "const l = require('./lib'); console.log(l.add(2, 3), l.file, l.dir)", "5 /app/lib.js /app\n"],
    ["JSON files", "console.log(require('./data.json'))", "{ x: 1, list: [ 1, 2 ] }\n"],
    ["directory index", "console.log(require('./dir'))", "dir index\n"],
    ["node_modules with package main", "console.log(require('dep'))", "{ dep: true, req: 'function' }\n"],
    ["exports with the require condition", "console.log(require('cond'))", "{ kind: 'cjs' }\n"],
    ["exports subpath patterns", "console.log(require('cond/feature/x'))", "feature x\n"],
    ["package imports (#x)", "console.log(require('#util'), require('#dep').dep)", "util via #imports true\n"],
    ["self-reference by package name", "console.log(require('app/self'))", "self reference\n"],
    ["cycles return partial exports", "console.log(require('./cycle-a'))", "{ a: 1, fromB: 'b sees a=1 done=undefined', done: true }\n"],
    ["the module cache", "const a = require('./lib'); console.log(a === require('./lib.js'), Object.keys(require.cache).sort().join(','))", "true /app/lib.js,/app/main.js\n"],
    ["require.resolve", "console.log(require.resolve('cond'), require.resolve('./lib'), require.resolve('fs'), require.resolve.paths('x')[0])", "/app/node_modules/cond/cjs.js /app/lib.js fs /app/node_modules\n"],
    ["module.createRequire", "const r = require('module').createRequire('/app/src/x.js'); console.log(r('./util.js'))", "util via #imports\n"],
    ["require.main and module.parent", "console.log(require.main === module, module.id, module.parent)", "true . null\n"],
    ["require() of an ES module (Node 22)", "const m = require('esm-only'); console.log(m.value, m.default())", "42 hi\n"],
    ["node: builtins and bare builtin names", "console.log(require('node:util') === require('util'))", "true\n"],
  ];
  for (const [what, code, out] of cases) {
    it(`resolves ${what}`, async () => {
      const r = await run(code);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(out);
    });
  }

  it("throws MODULE_NOT_FOUND with the require stack", async () => {
    const r = await run("try { require('./missing') } catch (e) { console.log(e.code, JSON.stringify(e.message), e.requireStack) }");
    expect(r.stdout).toBe(`MODULE_NOT_FOUND "Cannot find module './missing'\\nRequire stack:\\n- /app/main.js" [ '/app/main.js' ]\n`);
  });

  it("throws ERR_PACKAGE_PATH_NOT_EXPORTED for a subpath outside exports", async () => {
    const r = await run("try { require('cond/hidden/y') } catch (e) { console.log(e.code) } try { require('cond/nope') } catch (e) { console.log(e.code, e.message) }");
    expect(r.stdout).toBe(`ERR_PACKAGE_PATH_NOT_EXPORTED\nERR_PACKAGE_PATH_NOT_EXPORTED Package subpath './nope' is not defined by "exports" in /app/node_modules/cond/package.json\n`);
  });

  it("throws ERR_REQUIRE_ASYNC_MODULE for an ES module with top-level await", async () => {
    const r = await run("try { require('tla') } catch (e) { console.log(e.code) }");
    expect(r.stdout).toBe("ERR_REQUIRE_ASYNC_MODULE\n");
  });

  it("reports a syntax error with file and line", async () => {
    const r = await run("require('./syntax')");
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/^SyntaxError: /);
    expect(r.errorMessage).toContain("/app/syntax.js:2");
  });

  it("reports a JSON parse error naming the file", async () => {
    const r = await run("try { require('./bad.json') } catch (e) { console.log(e.name, e.message.startsWith('/app/bad.json: ')) }");
    expect(r.stdout).toBe("SyntaxError true\n");
  });

  it("does not cache a module that threw", async () => {
    const r = await run("for (let i = 0; i < 2; i++) try { require('./throws') } catch (e) { console.log(e.message) } console.log(Object.keys(require.cache).length)");
    expect(r.stdout).toBe("module threw\nmodule threw\n1\n");
  });
});

describe("ES modules", () => {
  it("imports relative files, JSON, CommonJS and packages with the import condition", async () => {
    const r = await run("import { sum } from './esm/entry.mjs'; import c, { kind } from 'cond'; import dep from 'dep'; console.log(sum, c, kind, dep.dep)", "/app/main.mjs");
    expect(r).toMatchObject({ code: 0, stdout: "3 esm default esm true\n" });
  });

  it("runs a .js file under \"type\": \"module\" as an ES module", async () => {
    const r = await run(await (await project()).readTextFile("/app/typed/main.js"), "/app/typed/main.js");
    expect(r).toMatchObject({ code: 0, stdout: "typed module 2 undefined file:///app/typed/main.js\n" });
  });

  it("detects ES module syntax in a plain .js file, as Node 22 does", async () => {
    const r = await run("import { add } from './lib.js'; console.log(add(20, 22))");
    expect(r).toMatchObject({ code: 0, stdout: "42\n" });
  });

  it("runs a script with top-level await as an ES module, as Node 22 does", async () => {
    const r = await run("const v = await Promise.resolve(7); console.log(v * 6)");
    expect(r).toMatchObject({ code: 0, stdout: "42\n" });
  });

  it("has import.meta.url, dirname and filename", async () => {
    const r = await run("console.log(import.meta.url, import.meta.dirname, import.meta.filename)", "/app/m.mjs");
    expect(r.stdout).toBe("file:///app/m.mjs /app /app/m.mjs\n");
  });

  it("supports dynamic import() from CommonJS", async () => {
    const r = await run("import('./esm/entry.mjs').then((m) => console.log(m.sum))");
    expect(r.stdout).toBe("3\n");
  });

  it("fails with ERR_MODULE_NOT_FOUND for a missing file", async () => {
    const r = await run("import './nope.mjs'", "/app/m.mjs");
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module '\/app\/nope\.mjs' imported from \/app\/m\.mjs/);
  });

  it("returns exports from run() with re-exports", async () => {
    const r = await runtime.run("export { sum } from './esm/entry.mjs'; export { value } from 'esm-only';", "/app/entry.mjs");
    expect(r.exports).toEqual({ sum: 3, value: 42 });
  });
});

describe("permissions on module loading", () => {
  it("denies require of a file the fs callback refuses, with EACCES", async () => {
    const fs = await project();
    const rt = new NodeRuntime({
      systemDriver: createNodeDriver({ filesystem: fs, permissions: { fs: (req) => ({ allow: !req.path.endsWith("lib.js"), reason: "no lib" }) } }),
    });
    const r = await rt.exec("try { require('./lib.js') } catch (e) { console.log(e.code) }", { filePath: "/app/main.js" });
    rt.dispose();
    // A denied probe looks like a missing file: the guest learns nothing it may not stat.
    expect(r.stdout).toBe("MODULE_NOT_FOUND\n");
  });

  it("denies an ES module import the fs callback refuses to read, with EACCES as fs does", async () => {
    const fs = await project();
    const rt = new NodeRuntime({
      systemDriver: createNodeDriver({ filesystem: fs, permissions: { fs: (req) => ({ allow: !(req.op === "read" && req.path.endsWith("helper.mjs")), reason: "no helper" }) } }),
    });
    const r = await rt.exec("import('./esm/helper.mjs').then(() => console.log('LOADED'), (e) => console.log(e.code, e.message))", { filePath: "/app/main.js" });
    rt.dispose();
    expect(r.stdout).toBe("EACCES EACCES: permission denied, open '/app/esm/helper.mjs' (no helper)\n");
  });

  it("in-process, fails require() and import() under an async fs callback with an error naming worker mode", async () => {
    const fs = await project();
    const rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: fs, permissions: { fs: async () => true } }) });
    const r = await rt.exec(
      "try { require('./lib') } catch (e) { console.log(e.code, /worker mode/.test(e.message)) }\n" +
        "import('./esm/helper.mjs').then(() => console.log('LOADED'), (e) => console.log(e.code, /worker mode/.test(e.message)))",
      { filePath: "/app/main.js" },
    );
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_SYNC_UNAVAILABLE true\nERR_SANDBOX_SYNC_UNAVAILABLE true\n");
  });
});

describe("an async-only filesystem", () => {
  async function asyncOnly(): Promise<VirtualFileSystem> {
    const fs = await project();
    const only: Record<string, unknown> = {};
    for (const key of Object.keys(Object.getPrototypeOf(fs)).concat(Object.keys(fs))) {
      const v = (fs as unknown as Record<string, unknown>)[key];
      if (typeof v === "function" && !key.endsWith("Sync")) only[key] = (v as (...a: unknown[]) => unknown).bind(fs);
    }
    return only as unknown as VirtualFileSystem;
  }

  it("runs an ES module graph by resolving imports asynchronously first", async () => {
    const rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: await asyncOnly(), permissions: allowAllFs }) });
    const r = await rt.run("export { sum } from './esm/pure.mjs'; import { value } from 'esm-only'; export const v = value;", "/app/entry.mjs");
    rt.dispose();
    expect(r).toMatchObject({ code: 0, exports: { sum: 3, v: 42 } });
  });

  it("fails require() with an error naming worker mode", async () => {
    const rt = new NodeRuntime({ systemDriver: createNodeDriver({ filesystem: await asyncOnly(), permissions: allowAllFs }) });
    const r = await rt.exec("try { require('./lib') } catch (e) { console.log(e.code, /worker mode/.test(e.message)) }", { filePath: "/app/main.js" });
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_SYNC_UNAVAILABLE true\n");
  });
});
