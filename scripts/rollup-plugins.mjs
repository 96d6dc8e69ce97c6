/**
 * Two small rollup/vite plugins shared by rollup.config.mjs and vitest.config.ts:
 * - `typescript()` strips types with the TypeScript compiler's transpileModule (type
 *   checking is `npm run typecheck`'s job, so builds stay fast);
 * - `guestBundles()` serves `virtual:quicksand-guest`, the module that carries the guest
 *   bundles (built first into build/guest/) into the library as strings;
 * - `shimManifests()` serves `virtual:quicksand-shims`, the host halves the builtin
 *   manifests name (src/shims/<name>/manifest.json): the op table's source.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { readManifests } from "./shim-manifests.mjs";

export function typescript({ target = ts.ScriptTarget.ES2022 } = {}) {
  return {
    name: "quicksand-typescript",
    resolveId(source, importer) {
      // Sources import siblings as "./x.js" or "./x"; point those at the .ts file.
      if (!importer || !source.startsWith(".") || importer.includes("node_modules")) return null;
      const base = join(importer, "..", source.endsWith(".js") ? source.slice(0, -3) : source);
      for (const candidate of [base + ".ts", join(base, "index.ts")]) {
        if (existsSync(candidate)) return candidate;
      }
      return null;
    },
    transform(code, id) {
      if (!id.endsWith(".ts")) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { target, removeComments: true, module: ts.ModuleKind.ESNext, sourceMap: true, isolatedModules: true, useDefineForClassFields: true },
      });
      return { code: out.outputText, map: out.sourceMapText ? JSON.parse(out.sourceMapText) : null };
    },
  };
}

export const GUEST_DIR = "build/guest";
const VIRTUAL_ID = "virtual:quicksand-guest";

export function guestBundles(root = process.cwd()) {
  return {
    name: "quicksand-guest-bundles",
    enforce: "pre",
    resolveId(source) {
      return source === VIRTUAL_ID ? "\0" + VIRTUAL_ID : null;
    },
    load(id) {
      if (id !== "\0" + VIRTUAL_ID) return null;
      const dir = join(root, GUEST_DIR);
      if (!existsSync(join(dir, "bootstrap.js"))) {
        throw new Error(`guest bundles are missing in ${dir}: run "npm run build:guest" first`);
      }
      const units = {};
      for (const file of readdirSync(join(dir, "units"))) {
        if (file.endsWith(".js")) units[decodeURIComponent(file.slice(0, -3))] = readFileSync(join(dir, "units", file), "utf8");
      }
      const bootstrap = readFileSync(join(dir, "bootstrap.js"), "utf8");
      const prelude = readFileSync(join(dir, "prelude.js"), "utf8");
      return `export const preludeSource = ${JSON.stringify(prelude)};\nexport const bootstrapSource = ${JSON.stringify(bootstrap)};\nexport const unitSources = ${JSON.stringify(units)};\n`;
    },
  };
}

const SHIMS_ID = "virtual:quicksand-shims";

export function shimManifests(root = process.cwd()) {
  const shims = join(root, "src", "shims");
  return {
    name: "quicksand-shim-manifests",
    enforce: "pre",
    resolveId(source) {
      return source === SHIMS_ID ? "\0" + SHIMS_ID : null;
    },
    load(id) {
      if (id !== "\0" + SHIMS_ID) return null;
      const manifests = readManifests(shims);
      for (const m of manifests) this.addWatchFile?.(join(m.dir, "manifest.json"));
      const withHost = manifests.filter((m) => m.host);
      const imports = withHost.map((m, i) => `import { ${m.host} as ops${i} } from ${JSON.stringify(join(m.dir, "host.ts"))};`);
      return `${imports.join("\n")}\nexport const hostOps = [${withHost.map((_, i) => `ops${i}`).join(", ")}];\n`;
    },
  };
}
