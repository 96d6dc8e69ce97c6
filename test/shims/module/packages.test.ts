import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NodeRuntime } from "../../../src/index.js";

/**
 * Real npm packages, installed as devDependencies on the host, loaded inside the sandbox
 * through the read-only overlay at /root/node_modules — each script's output compared with
 * host Node running the same script next to the same node_modules.
 */
const root = join(import.meta.dirname, "..", "..", "..");
const hostDir = join(root, "test", ".host-scripts");
mkdirSync(hostDir, { recursive: true });
afterAll(() => rmSync(hostDir, { recursive: true, force: true }));

function host(code: string, ext: string): string {
  // The repository is "type": "module", so CommonJS scripts need the .cjs extension here.
  const file = join(hostDir, `script-${Math.random().toString(36).slice(2)}${ext === ".js" ? ".cjs" : ext}`);
  writeFileSync(file, code);
  try {
    return execFileSync(process.execPath, [file], { cwd: root, encoding: "utf8", env: { TZ: "UTC" }, timeout: 20_000 });
  } finally {
    rmSync(file, { force: true });
  }
}

const runtime = new NodeRuntime({ cpuTimeLimitMs: 20_000 });
afterAll(() => runtime.dispose());

async function sandbox(code: string, ext: string): Promise<string> {
  const r = await runtime.exec(code, { filePath: `/root/index${ext}` });
  if (r.code !== 0) throw new Error(`sandbox exit ${r.code}: ${r.errorMessage}\n${r.stderr}`);
  return r.stdout;
}

const cases: [string, string, string][] = [
  [
    "semver (CommonJS only)",
    ".js",
    `const semver = require("semver");
     console.log(semver.valid("1.2.3"), semver.satisfies("1.5.0", "^1.2.0"), semver.gt("2.0.0", "1.9.9"));
     console.log(semver.sort(["1.10.0", "1.2.0", "1.9.0-beta.1", "1.9.0"]).join(" "));
     console.log(semver.coerce("v3.4 stuff").version, semver.inc("1.2.3", "prerelease", "rc"));
     console.log(new semver.Range(">=1.2.7 <1.3.0").test("1.2.8"), semver.minVersion(">=1.0.0 || 2.x").version);`,
  ],
  [
    "dayjs (CommonJS, main field)",
    ".js",
    `const dayjs = require("dayjs");
     const d = dayjs("2024-02-28T10:00:00Z");
     console.log(d.add(1, "day").format("YYYY-MM-DD"), d.isValid(), d.daysInMonth(), d.startOf("month").toISOString());
     console.log(dayjs("2020-01-01").diff(dayjs("2019-01-01"), "day"));`,
  ],
  [
    "yaml (dual package with export conditions)",
    ".js",
    `const YAML = require("yaml");
     const doc = YAML.parse("a: 1\\nlist:\\n  - x\\n  - y: [1, 2]\\nnested: {k: v}\\n");
     console.log(JSON.stringify(doc));
     console.log(YAML.stringify({ name: "quicksand", tags: ["wasm", "sandbox"], n: 3 }));`,
  ],
  [
    "yaml imported as an ES module",
    ".mjs",
    `import YAML, { parse, stringify } from "yaml";
     console.log(JSON.stringify(parse("k: [1, 2]")), stringify({ a: 1 }).trim(), typeof YAML.parseDocument);`,
  ],
  [
    "marked (ES module with an exports map)",
    ".mjs",
    `import { marked } from "marked";
     console.log(marked.parse("# Title\\n\\nSome *emphasis* and a [link](https://example.com).\\n\\n- one\\n- two\\n"));`,
  ],
  [
    "marked required from CommonJS (the require condition)",
    ".js",
    `const { marked } = require("marked");
     console.log(marked.parseInline("**bold** \`code\`"));`,
  ],
  [
    "fs-extra (requires fs, path, util, events, and graceful-fs)",
    ".js",
    `const fse = require("fs-extra");
     console.log(typeof fse.ensureDirSync, typeof fse.copy, typeof fse.readJson, fse.pathExistsSync(require.resolve("fs-extra")));
     try { require("fs-extra/package.json") } catch (e) { console.log(e.code) }`,
  ],
];

describe("npm packages load through the overlay as in Node", () => {
  for (const [name, ext, code] of cases) {
    it(name, async () => {
      const expected = host(code, ext);
      expect(await sandbox(code, ext)).toBe(expected);
    });
  }
});
