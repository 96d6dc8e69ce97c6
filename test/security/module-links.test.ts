/**
 * Module loading takes the same road as `fs`: with fs allowed only under /sandbox, a
 * symbolic link inside /sandbox that leads out of it is as closed to `require`, `import`,
 * `import()`, `require.resolve`, `createRequire` and package.json lookups as it is to
 * `fs.readFileSync`, in-process and in worker mode. Every module probe and read is an op
 * checked on the name and on where its links lead; a link whose target is allowed loads.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createInMemoryFileSystem, createNodeDriver, NodeRuntime, WorkerPool } from "../../src/index.js";
import type { FsAccessRequest, InMemoryFileSystem, NodeRuntimeOptions, VirtualFileSystem } from "../../src/index.js";
import { asyncOnlyFs } from "../helpers.js";
import { RAW } from "./harness.js";

const SECRET = "TOP-SECRET-module-7e2a";
/** Text of a file the resolver would only pick if it had read a package.json out of bounds. */
const LEAKED_MAIN = "LEAKED-MAIN-c91d";

function makeFs(): InMemoryFileSystem {
  const fs = createInMemoryFileSystem();
  const files: Record<string, string> = {
    "/secret/key.js": `module.exports = ${JSON.stringify(SECRET)};`,
    "/secret/key.mjs": `export default ${JSON.stringify(SECRET)};`,
    "/secret/key.json": JSON.stringify({ s: SECRET }),
    "/secret/pkg/package.json": JSON.stringify({ name: "evil", main: "index.js" }),
    "/secret/pkg/index.js": `module.exports = ${JSON.stringify(SECRET)};`,
    "/secret/pkg-json/package.json": JSON.stringify({ name: "pjout", main: "./leak.js" }),
    "/secret/scope/package.json": JSON.stringify({ type: "module" }),
    "/sandbox/node_modules/mainout/package.json": JSON.stringify({ name: "mainout", main: "./entry.js" }),
    "/sandbox/node_modules/pjout/leak.js": `module.exports = ${JSON.stringify(LEAKED_MAIN)};`,
    "/sandbox/node_modules/pjout/index.js": "module.exports = 'safe';",
    "/secret/node_modules/hidden/index.js": `module.exports = ${JSON.stringify(SECRET)};`,
    // "exports" names its target without a probe: the read of the file itself is refused.
    "/sandbox/node_modules/expout/package.json": JSON.stringify({ name: "expout", exports: "./main.js" }),
    "/sandbox/ok/real.js": "module.exports = 'allowed target';",
    "/sandbox/ok/real.mjs": "export default 'allowed esm target';",
  };
  for (const [path, text] of Object.entries(files)) {
    fs.mkdirSync!(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    fs.writeFileSync!(path, text);
  }
  fs.mkdirSync!("/sandbox/esm", { recursive: true });
  const links: [string, string][] = [
    ["/secret/key.js", "/sandbox/link.js"],
    ["/secret/key.mjs", "/sandbox/link.mjs"],
    ["/secret/key.json", "/sandbox/link.json"],
    ["/secret", "/sandbox/dir"],
    ["/secret/pkg", "/sandbox/node_modules/evil"],
    ["/secret/key.js", "/sandbox/node_modules/mainout/entry.js"],
    ["/secret/key.js", "/sandbox/node_modules/expout/main.js"],
    ["/secret/pkg-json/package.json", "/sandbox/node_modules/pjout/package.json"],
    ["/secret/scope/package.json", "/sandbox/esm/package.json"],
    ["/sandbox/ok/real.js", "/sandbox/ok-link.js"],
    // A relative link: resolved from the link's own directory.
    ["ok/real.mjs", "/sandbox/ok-link.mjs"],
  ];
  for (const [target, link] of links) fs.symlinkSync!(target, link);
  return fs;
}

const inSandbox = (req: FsAccessRequest) => req.path === "/sandbox" || req.path.startsWith("/sandbox/");

interface Mode {
  name: string;
  options(): NodeRuntimeOptions;
}

const pool = new WorkerPool({ size: 2 });
afterAll(() => pool.close());

const MODES: Mode[] = [
  {
    name: "in-process",
    options: () => ({ systemDriver: createNodeDriver({ filesystem: makeFs(), permissions: { fs: inSandbox } }) }),
  },
  {
    name: "worker mode",
    options: () => ({ workerPool: pool, systemDriver: createNodeDriver({ filesystem: makeFs(), permissions: { fs: inSandbox } }) }),
  },
  {
    name: "worker mode over an async-only filesystem and an async permission callback",
    options: () => ({
      workerPool: pool,
      systemDriver: createNodeDriver({
        filesystem: asyncOnlyFs(makeFs()) as VirtualFileSystem,
        permissions: { fs: async (req: FsAccessRequest) => (await new Promise((r) => setTimeout(r, 0)), inSandbox(req)) },
      }),
    }),
  },
];

async function exec(mode: Mode, code: string, filePath = "/sandbox/main.js") {
  const rt = new NodeRuntime({ cpuTimeLimitMs: 10_000, ...mode.options() });
  try {
    return await rt.exec(code, { filePath, cwd: "/sandbox" });
  } finally {
    rt.dispose();
  }
}

async function run(mode: Mode, code: string, filePath = "/sandbox/main.mjs") {
  const rt = new NodeRuntime({ cpuTimeLimitMs: 10_000, ...mode.options() });
  try {
    return await rt.run<Record<string, unknown>>(code, filePath);
  } finally {
    rt.dispose();
  }
}

function expectNoSecret(...texts: (string | undefined)[]): void {
  for (const t of texts) {
    expect(t ?? "").not.toContain(SECRET);
    expect(t ?? "").not.toContain(LEAKED_MAIN);
  }
}

/** Guest code trying one form; prints what it got (the value, or the error code). */
const tryLoad = (expr: string) => `
  try { const v = ${expr}; console.log('LOADED', JSON.stringify(v)) } catch (e) { console.log(e.code) }
`;
const tryImport = (expr: string) => `
  ${expr}.then((m) => console.log('LOADED', JSON.stringify(m.default)), (e) => console.log(e.code));
`;

for (const mode of MODES) {
  describe(`module links (${mode.name})`, () => {
    it("fs itself refuses the link out (the reference behaviour)", async () => {
      const r = await exec(mode, tryLoad("require('fs').readFileSync('/sandbox/link.js', 'utf8')"));
      expectNoSecret(r.stdout, r.stderr);
      expect(r.stdout).toBe("EACCES\n");
    });

    const refused: [string, string, string][] = [
      ["require() of a linked file", tryLoad("require('/sandbox/link.js')"), "MODULE_NOT_FOUND\n"],
      ["require() of a linked file by a relative name, extension probed", tryLoad("require('./link')"), "MODULE_NOT_FOUND\n"],
      ["require() of a linked JSON file", tryLoad("require('./link.json')"), "MODULE_NOT_FOUND\n"],
      ["require() of a linked ES module", tryLoad("require('./link.mjs')"), "MODULE_NOT_FOUND\n"],
      ["require() through a linked directory", tryLoad("require('/sandbox/dir/key.js')") + tryLoad("require('./dir/key')"), "MODULE_NOT_FOUND\nMODULE_NOT_FOUND\n"],
      ["require.resolve() of a linked file", tryLoad("require.resolve('./link.js')"), "MODULE_NOT_FOUND\n"],
      ["createRequire()() of a linked file", tryLoad("require('module').createRequire('/sandbox/x.js')('./link.js')"), "MODULE_NOT_FOUND\n"],
      ["a package whose package.json \"main\" is a link out", tryLoad("require('mainout')"), "MODULE_NOT_FOUND\n"],
      ["node_modules/pkg linked to a denied directory", tryLoad("require('evil')") + tryLoad("require.resolve('evil')"), "MODULE_NOT_FOUND\nMODULE_NOT_FOUND\n"],
      ["require.resolve() with paths through a linked directory", tryLoad("require.resolve('hidden', { paths: ['/sandbox/dir'] })"), "MODULE_NOT_FOUND\n"],
      ["require() of a package whose \"exports\" target is a link out (the read itself refused)", tryLoad("require('expout')"), "EACCES\n"],
      ["import() of a package whose \"exports\" target is a link out (the read itself refused)", tryImport("import('expout')"), "EACCES\n"],
      ["import() of a linked ES module", tryImport("import('/sandbox/link.mjs')"), "ERR_MODULE_NOT_FOUND\n"],
      ["import() through a linked directory", tryImport("import('./dir/key.mjs')"), "ERR_MODULE_NOT_FOUND\n"],
      ["import() of a linked JSON file", tryImport("import('./link.json', { with: { type: 'json' } })"), "ERR_MODULE_NOT_FOUND\n"],
      ["import() of a package linked to a denied directory", tryImport("import('evil')"), "ERR_MODULE_NOT_FOUND\n"],
    ];
    for (const [what, code, expected] of refused) {
      it(`refuses ${what}`, async () => {
        const r = await exec(mode, code);
        expectNoSecret(r.stdout, r.stderr, r.errorMessage);
        expect(r.stdout).toBe(expected);
        expect(r.code).toBe(0);
      });
    }

    it("never reads a package.json that is a link out: resolution falls back as if it were missing", async () => {
      const r = await exec(mode, tryLoad("require('pjout')") + tryLoad("require.resolve('pjout')"));
      expectNoSecret(r.stdout, r.stderr);
      expect(r.stdout).toBe('LOADED "safe"\nLOADED "/sandbox/node_modules/pjout/index.js"\n');
    });

    it("refuses a static import of a linked file from an ES module entry", async () => {
      const r = await run(mode, "import s from './link.mjs'; export default s;");
      expectNoSecret(r.stdout, r.stderr, r.errorMessage, JSON.stringify(r.exports ?? null));
      expect(r.code).toBe(1);
      expect(r.exports).toBeUndefined();
      expect(r.errorMessage).toContain("ERR_MODULE_NOT_FOUND");
    });

    it("decides the entry's format without reading a package.json that is a link out", async () => {
      // Read, /secret/scope/package.json would make this file an ES module (no require).
      const r = await exec(mode, "console.log(typeof require)", "/sandbox/esm/main.js");
      expect(r.stdout).toBe("function\n");
    });

    it("fails every module reader op called straight on a link out with EACCES, as fs does", async () => {
      const r = await exec(
        mode,
        RAW +
          ["module.compileCjs", "module.readJson", "module.requireEsm", "module.readSource"]
            .map((name) => `try { rawCall(${JSON.stringify(name)}, '/sandbox/link.js'); console.log('LEAK') } catch (e) { console.log(e.code) }`)
            .join("\n"),
      );
      expectNoSecret(r.stdout, r.stderr);
      expect(r.stdout).toBe("EACCES\n".repeat(4));
    });

    it("still loads through a link whose target is allowed", async () => {
      const r = await exec(mode, tryLoad("require('./ok-link.js')") + tryLoad("require('/sandbox/ok-link')") + tryImport("import('./ok-link.mjs')"));
      expect(r.stdout).toBe('LOADED "allowed target"\nLOADED "allowed target"\nLOADED "allowed esm target"\n');
      const m = await run(mode, "import s from './ok-link.mjs'; export default s;");
      expect(m).toMatchObject({ code: 0, exports: { default: "allowed esm target" } });
    });
  });
}

describe("module links in-process over an async-only filesystem (the import graph walked ahead)", () => {
  const options = () => ({
    systemDriver: createNodeDriver({ filesystem: asyncOnlyFs(makeFs()) as VirtualFileSystem, permissions: { fs: inSandbox } }),
  });

  it("refuses a static import of a link out", async () => {
    const r = await run({ name: "async-only", options }, "import s from './link.mjs'; export default s;");
    expectNoSecret(r.stdout, r.stderr, r.errorMessage, JSON.stringify(r.exports ?? null));
    expect(r.code).toBe(1);
    expect(r.errorMessage).toContain("ERR_MODULE_NOT_FOUND");
  });

  it("still imports through a link whose target is allowed", async () => {
    const r = await run({ name: "async-only", options }, "import s from './ok-link.mjs'; export default s;");
    expect(r).toMatchObject({ code: 0, exports: { default: "allowed esm target" } });
  });
});
