/**
 * The builtin manifests (src/shims/<name>/manifest.json) are what the build and the
 * runtime know about the builtins: the unit map, the op table and the names `require()`
 * serves all come from them. These tests hold them to what they claim.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unitSources } from "virtual:quicksand-guest";
import { OPS } from "../../src/shims/index.js";
import { NODE_BUILTINS } from "../../src/shims/module/host.js";
import { execOnce } from "../helpers.js";

const SHIMS = join(import.meta.dirname, "..", "..", "src", "shims");

interface Manifest {
  modules: string[];
  entry?: string;
  units?: string[];
  bootstrap?: true;
  host?: string;
  support: string;
  note: string;
}

/** Folders holding a builtin (or a private part of the sandbox); `_` folders and the bootstrap hold shared code. */
const folders = readdirSync(SHIMS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith("_") && d.name !== "bootstrap")
  .map((d) => d.name);
const manifests = new Map(folders.map((f) => [f, JSON.parse(readFileSync(join(SHIMS, f, "manifest.json"), "utf8")) as Manifest]));
const served = [...manifests.values()].flatMap((m) => m.modules);

describe("builtin manifests", () => {
  it("exist for every builtin folder", () => {
    expect(folders.length).toBeGreaterThan(30);
    for (const f of folders) expect(existsSync(join(SHIMS, f, "manifest.json")), f).toBe(true);
  });

  it("serve Node builtin names only, each from one folder; a folder serving none is an internal part", () => {
    for (const [folder, m] of manifests) {
      for (const name of m.modules) expect(NODE_BUILTINS.has(name), `${folder}: ${name}`).toBe(true);
      expect(m.support === "internal", folder).toBe(m.modules.length === 0);
      expect(["full", "partial", "stub", "internal"], folder).toContain(m.support);
      expect(m.note.length, folder).toBeGreaterThan(0);
    }
    expect(new Set(served).size).toBe(served.length);
  });

  it("name files that exist: the entry, the units, and host.ts when there are host ops", () => {
    for (const [folder, m] of manifests) {
      for (const file of [m.entry, ...(m.units ?? [])]) {
        if (file !== undefined) expect(existsSync(join(SHIMS, folder, file)), `${folder}/${file}`).toBe(true);
      }
      expect(existsSync(join(SHIMS, folder, "host.ts")), `${folder}/host.ts`).toBe(m.host !== undefined);
      expect(existsSync(join(SHIMS, folder, "guest.ts")), `${folder}/guest.ts`).toBe(m.entry === "guest.ts");
    }
  });

  it("make the op table: every op of every named host half, and nothing else", async () => {
    let count = 0;
    for (const [folder, m] of manifests) {
      if (m.host === undefined) continue;
      const ops = (await import(join(SHIMS, folder, "host.ts")))[m.host] as { name: string }[];
      expect(Array.isArray(ops), `${folder}: ${m.host}`).toBe(true);
      for (const op of ops) expect(OPS.get(op.name), op.name).toBe(op);
      count += ops.length;
    }
    expect(OPS.size).toBe(count);
  });

  it("make the unit map: each entry and unit is built under its id", () => {
    for (const [folder, m] of manifests) {
      if (m.entry !== undefined) {
        const id = m.modules.length > 0 && !m.bootstrap ? m.modules[0]! : `quicksand:internal/${folder}`;
        // The unit loader (module/guest.ts) is inlined into the bootstrap, not a unit.
        expect(Object.hasOwn(unitSources, id) || folder === "module", id).toBe(true);
      }
      for (const file of m.units ?? []) expect(Object.hasOwn(unitSources, `quicksand:internal/${folder}/${file.slice(0, -3)}`), file).toBe(true);
    }
    // No builtin unit without a manifest: every unit is a served name or a private id.
    for (const id of Object.keys(unitSources)) expect(id.startsWith("quicksand:internal/") || served.includes(id), id).toBe(true);
  });

  it("list names the sandbox loads", async () => {
    const r = await execOnce(`for (const name of ${JSON.stringify(served)}) { require(name); require("node:" + name); } console.log("ok")`);
    expect(r.errorMessage).toBeUndefined();
    expect(r.stdout).toBe("ok\n");
  });
});
