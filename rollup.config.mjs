/**
 * Builds, in order:
 * 1. the guest units (code that runs inside QuickJS) into build/guest/. A unit is a
 *    CommonJS factory the guest loads on first use, so a script pays only for what it
 *    touches. The units are every shared library in src/shims/_lib
 *    (`quicksand:internal/<file>`) and what each builtin folder's manifest.json names
 *    (scripts/shim-manifests.mjs): its entry (the builtin, by module name) and its "units"
 *    (`quicksand:internal/<folder>/<file>`). Imports between units stay `require(<id>)`
 *    calls, so each unit exists once per context; other files are bundled into the one
 *    unit that imports them. The bootstrap inlines the few units it needs at once.
 * 2. the library into dist/: ESM, CommonJS and one bundled .d.ts, with the guest units
 *    embedded as strings (virtual:quicksand-guest).
 * `rollup -c --configGuestOnly` builds step 1 alone (what the tests need).
 */
import { readdirSync, rmSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import commonjs from "@rollup/plugin-commonjs";
import nodeResolve from "@rollup/plugin-node-resolve";
import terser from "@rollup/plugin-terser";
import dts from "rollup-plugin-dts";
import { guestBundles, shimManifests, typescript, GUEST_DIR } from "./scripts/rollup-plugins.mjs";
import { manifestUnits, readManifests } from "./scripts/shim-manifests.mjs";

const root = dirname(fileURLToPath(import.meta.url));
const SHIMS = join(root, "src", "shims");

/** Units the bootstrap carries inline (and registers under their ids). */
export const BOOTSTRAP_INLINE = ["_lib/host", "_lib/primordials", "_lib/loop-clock", "_lib/loop-budget", "module/guest"];

/** Every guest unit: id -> source file, from the builtin manifests and the shared libraries. */
function units() {
  const out = manifestUnits(readManifests(SHIMS));
  for (const f of readdirSync(join(SHIMS, "_lib"))) {
    if (f.endsWith(".ts") && !f.endsWith(".d.ts")) out[`quicksand:internal/${f.slice(0, -3)}`] = join(SHIMS, "_lib", f);
  }
  return out;
}

const UNITS = units();
const FILE_TO_ID = new Map(Object.entries(UNITS).map(([id, file]) => [file, id]));

/**
 * Node builtin names that bundled npm ports require (readable-stream needs events,
 * buffer, util, string_decoder, process). They must resolve to the sandbox's builtin
 * (one instance per context), never to a second bundled copy of the npm package.
 */
const PORTED_BUILTINS = new Set(["events", "buffer", "util", "stream", "string_decoder", "process"]);

/**
 * `node:<name>` when `source` names a sandbox builtin: a bare name anywhere, and the
 * "name/" trailing-slash form only from npm code (`require("process/")`). In our own
 * shims "buffer/" means "bundle the npm port", which is how a builtin wraps its port.
 */
function sandboxBuiltinFor(source, importer) {
  const fromNpm = importer !== undefined && importer.includes(`${sep}node_modules${sep}`);
  const name = source.endsWith("/") && fromNpm ? source.slice(0, -1) : source;
  // readable-stream falls back to the `abort-controller` package only when the globals
  // are missing; the sandbox has them (the abort unit), so that fallback is the same unit.
  if (name === "abort-controller" && fromNpm) return "quicksand:internal/abort";
  return PORTED_BUILTINS.has(name) ? `node:${name}` : null;
}

/**
 * Makes imports of other units external, mapped to their unit ids. In guest sources,
 * `node:x` always means the sandbox's own builtin (external, loaded at run time), while a
 * bare specifier such as "buffer/" is an npm port bundled into the importing unit.
 */
function unitExternals(self, inline = []) {
  const inlineFiles = new Set(inline.map((u) => join(SHIMS, `${u}.ts`)));
  return {
    name: "quicksand-unit-externals",
    resolveId(source, importer) {
      if (source.startsWith("node:")) return { id: source, external: true };
      const builtin = sandboxBuiltinFor(source, importer);
      if (builtin) return { id: builtin, external: true };
      if (!importer || !source.startsWith(".")) return null;
      const base = join(dirname(importer), source.replace(/\.js$/, ""));
      const file = base.endsWith(".ts") ? base : `${base}.ts`;
      if (file === self || inlineFiles.has(file)) return null;
      const id = FILE_TO_ID.get(file);
      return id ? { id, external: true } : null;
    },
  };
}

/**
 * Fails the build when a shim file is bundled into two units: it would run twice per
 * context (two copies of a class, two caches). Such a file belongs in its folder
 * manifest's "units", which makes it a unit of its own.
 */
const BUNDLED_IN = new Map();
function bundledOnce(id) {
  return {
    name: "quicksand-bundled-once",
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        for (const file of chunk.moduleIds) {
          if (!file.startsWith(SHIMS + sep)) continue;
          const other = BUNDLED_IN.get(file);
          if (other !== undefined && other !== id) {
            this.error(`${relative(root, file)} is bundled into both ${other} and ${id}: list it in its folder manifest's "units"`);
          }
          BUNDLED_IN.set(file, id);
        }
      }
    },
  };
}

// Names stay: guest code sees them (`buf.constructor.name`, inspect's class names).
const minify = terser({ ecma: 2022, module: false, compress: { passes: 1, negate_iife: false, side_effects: false }, mangle: true, keep_classnames: true, keep_fnames: true, format: { comments: false } });

const bootstrap = {
  input: join(SHIMS, "bootstrap", "guest.ts"),
  plugins: [unitExternals(join(SHIMS, "bootstrap", "guest.ts"), BOOTSTRAP_INLINE), typescript(), minify],
  output: {
    file: `${GUEST_DIR}/bootstrap.js`,
    format: "cjs",
    exports: "default",
    // The script's completion value is the bootstrap function; `require` of other
    // units is the loader the bootstrap itself defines (module/guest.ts).
    banner: "(function () {\nvar module = { exports: {} }, exports = module.exports, require = (id) => { throw new Error('the bootstrap cannot require ' + id); };",
    footer: "return module.exports;\n})()",
    strict: true,
  },
};

/** Tier 0: the only guest code every exec parses (src/shims/bootstrap/prelude.ts). */
const prelude = {
  input: join(SHIMS, "bootstrap", "prelude.ts"),
  plugins: [unitExternals(join(SHIMS, "bootstrap", "prelude.ts")), typescript(), minify],
  output: {
    file: `${GUEST_DIR}/prelude.js`,
    format: "cjs",
    exports: "default",
    banner: "(function () {\nvar module = { exports: {} }, exports = module.exports;",
    footer: "return module.exports;\n})()",
    strict: true,
  },
};

const unitBuilds = Object.entries(UNITS)
  .filter(([, file]) => !BOOTSTRAP_INLINE.some((u) => join(SHIMS, `${u}.ts`) === file))
  .map(([id, file]) => ({
    input: file,
    plugins: [
      unitExternals(file),
      typescript(),
      nodeResolve({ browser: true, preferBuiltins: false }),
      commonjs(),
      minify,
      bundledOnce(id),
    ],
    output: {
      file: `${GUEST_DIR}/units/${encodeURIComponent(id)}.js`,
      format: "cjs",
      exports: "auto",
      banner: "(function (exports, require, module) {",
      footer: "})",
      strict: true,
    },
  }));

const libInput = "src/index.ts";
/** The library, the sandbox worker's script (worker mode) and the `quicksand` command, sharing chunks. */
const libInputs = { index: libInput, worker: "src/runtime/worker/worker-entry.ts", cli: "src/cli/main.ts" };
/** dist/cli.js is package.json's `bin`: it starts with the line that runs it with node. */
const cliShebang = (chunk) => (chunk.isEntry && chunk.name === "cli" ? "#!/usr/bin/env node" : "");
const libExternal = (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0") && !id.startsWith("virtual:");

const library = [
  {
    input: libInputs,
    external: libExternal,
    plugins: [guestBundles(root), shimManifests(root), typescript()],
    output: [
      { dir: "dist", format: "es", sourcemap: true, entryFileNames: "[name].js", chunkFileNames: "chunks/[name]-[hash].js", banner: cliShebang },
      { dir: "dist", format: "cjs", sourcemap: true, exports: "named", entryFileNames: "[name].cjs", chunkFileNames: "chunks/[name]-[hash].cjs" },
    ],
  },
  {
    input: libInput,
    external: libExternal,
    plugins: [guestBundles(root), shimManifests(root), dts()],
    output: { file: "dist/index.d.ts", format: "es" },
  },
];

export default (args) => {
  const guestOnly = Boolean(args.configGuestOnly);
  delete args.configGuestOnly;
  const guest = [prelude, bootstrap, ...unitBuilds];
  // Chunk names carry content hashes, and every file in build/guest/units is embedded as a
  // unit: start from empty folders so old chunks and units never ship.
  rmSync(join(root, GUEST_DIR), { recursive: true, force: true });
  if (!guestOnly) rmSync(join(root, "dist"), { recursive: true, force: true });
  return guestOnly ? guest : [...guest, ...library];
};
