/**
 * The builtin manifests: every folder of src/shims that is a builtin (or a private part of
 * the sandbox such as `fetch`) holds a manifest.json saying what it is. The build reads
 * them for the guest units (rollup.config.mjs) and the runtime for the op table
 * (`virtual:quicksand-shims`), so adding a builtin is adding one folder.
 *
 * manifest.json:
 *   modules   Node builtin names `require()` gives this folder's entry for ([] for a part
 *             that serves no module: globals, the loader, a host-only half).
 *   entry     the guest half ("guest.ts"), a unit of its own; optional.
 *   units     other guest files of the folder that are units of their own
 *             (`quicksand:internal/<folder>/<file>`): list a file here when more than one
 *             unit imports it or it is loaded lazily. Every other file is bundled into the
 *             units that import it, and the build fails if that is more than one.
 *   bootstrap true when the bootstrap makes the modules (and globals) from the entry's
 *             exports (process, console, timers) instead of `require()` loading it.
 *   host      the name of the op list host.ts exports (the host half); optional.
 *   support   "full" | "partial" | "stub" (loads, but its main API throws
 *             ERR_SANDBOX_NOT_SUPPORTED) | "internal" (serves no module).
 *   note      one line: what is missing, or what the folder is.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SUPPORT_LEVELS = ["full", "partial", "stub", "internal"];
const KEYS = new Set(["modules", "entry", "units", "bootstrap", "host", "support", "note"]);
/** Not builtins: the bootstrap, and shared code in folders named with a leading "_". */
const notBuiltin = (folder) => folder === "bootstrap" || folder.startsWith("_");

/** Every manifest under `shimsDir`, checked, sorted by folder. */
export function readManifests(shimsDir) {
  const out = [];
  for (const folder of readdirSync(shimsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const dir = join(shimsDir, folder);
    const file = join(dir, "manifest.json");
    if (!existsSync(file)) {
      if (notBuiltin(folder)) continue;
      throw new Error(`src/shims/${folder} has no manifest.json (see scripts/shim-manifests.mjs)`);
    }
    out.push(check(folder, dir, JSON.parse(readFileSync(file, "utf8"))));
  }
  return out;
}

function check(folder, dir, m) {
  const fail = (why) => {
    throw new Error(`src/shims/${folder}/manifest.json: ${why}`);
  };
  for (const key of Object.keys(m)) if (!KEYS.has(key)) fail(`unknown key "${key}"`);
  const strings = (v) => Array.isArray(v) && v.every((s) => typeof s === "string" && s !== "");
  if (!strings(m.modules)) fail(`"modules" must be an array of module names`);
  // One name per unit: a second name would load a second instance of the same code.
  if (m.modules.length > 1) fail(`"modules" names one module; serve another name from its own folder`);
  if (m.units !== undefined && !strings(m.units)) fail(`"units" must be an array of file names`);
  if (m.bootstrap !== undefined && m.bootstrap !== true) fail(`"bootstrap" is true or absent`);
  if (m.bootstrap && m.entry === undefined) fail(`"bootstrap" needs an entry`);
  if (m.host !== undefined && (typeof m.host !== "string" || !/^[A-Za-z_$][\w$]*$/.test(m.host))) fail(`"host" names host.ts's op list export`);
  if (!SUPPORT_LEVELS.includes(m.support)) fail(`"support" is one of ${SUPPORT_LEVELS.join(", ")}`);
  if ((m.support === "internal") !== (m.modules.length === 0)) fail(`"support" is "internal" exactly when "modules" is empty`);
  if (typeof m.note !== "string" || m.note === "") fail(`"note" says in one line what is missing or what the folder is`);
  for (const f of [m.entry, ...(m.units ?? [])]) {
    if (f === undefined) continue;
    if (typeof f !== "string" || !f.endsWith(".ts") || f.includes("/")) fail(`"${f}" is not a .ts file of the folder`);
    if (!existsSync(join(dir, f))) fail(`${f} does not exist`);
  }
  if (m.host !== undefined && !existsSync(join(dir, "host.ts"))) fail(`"host" is set but host.ts does not exist`);
  // A half the manifest does not name would silently be left out of the sandbox.
  if (m.host === undefined && existsSync(join(dir, "host.ts"))) fail(`"host" must name the op list host.ts exports`);
  if (m.entry === undefined && existsSync(join(dir, "guest.ts"))) fail(`"entry" must name guest.ts`);
  if (m.entry === undefined && m.host === undefined && !m.units?.length) fail(`it has neither a guest nor a host half`);
  return {
    folder,
    dir,
    modules: m.modules,
    entry: m.entry,
    units: m.units ?? [],
    bootstrap: m.bootstrap === true,
    host: m.host,
    support: m.support,
    note: m.note,
  };
}

/** The unit id of a manifest's entry: its module name, or a private id. */
export function entryId(m) {
  return m.modules.length > 0 && !m.bootstrap ? m.modules[0] : `quicksand:internal/${m.folder}`;
}

/** Every guest unit the manifests declare: id -> source file. */
export function manifestUnits(manifests) {
  const out = {};
  for (const m of manifests) {
    if (m.entry) out[entryId(m)] = join(m.dir, m.entry);
    for (const f of m.units) out[`quicksand:internal/${m.folder}/${f.slice(0, -3)}`] = join(m.dir, f);
  }
  return out;
}
