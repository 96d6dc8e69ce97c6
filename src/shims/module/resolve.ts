/**
 * Node's module resolution, run on the host over the sandbox's filesystem: CommonJS
 * (`require`: extension and index probing, `main`, `exports`, `imports`, self-reference,
 * node_modules lookup up the directory chain) and ES modules (`import`: exact paths,
 * `exports`/`imports` with the import conditions). The overlay at /root/node_modules is
 * searched last from any directory.
 *
 * The algorithm is written once as a generator that yields filesystem questions; a
 * synchronous driver answers them for `require`, an asynchronous one for prefetching an
 * ES module graph from an async-only filesystem. Every question is asked through the
 * caller's `FsProbe`, which applies the fs permission (a denied probe looks like a
 * missing file, so resolution reveals nothing the guest may not stat).
 */
import { guestDirname, guestJoin, resolveGuestPath } from "../_host/paths.js";

export type Format = "commonjs" | "module" | "json" | "builtin";

export interface Resolved {
  /** Absolute guest path, or `node:<name>` for a builtin. */
  path: string;
  format: Format;
}

/** A filesystem question the resolver asks. */
export type Probe = { kind: "stat"; path: string } | { kind: "read"; path: string };
/** Its answer: "file"/"dir"/null for stat, the text or null for read. */
export type ProbeAnswer = "file" | "dir" | null | string;

export interface FsProbe {
  stat(path: string): "file" | "dir" | null;
  readText(path: string): string | null;
}

export interface AsyncFsProbe {
  stat(path: string): Promise<"file" | "dir" | null>;
  readText(path: string): Promise<string | null>;
}

export class ResolveError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const OVERLAY_NODE_MODULES = "/root/node_modules";

type Gen<T> = Generator<Probe, T, ProbeAnswer>;

interface PackageJson {
  path: string;
  data: Record<string, unknown>;
}

const CJS_EXTENSIONS = [".js", ".json", ".node"];
const REQUIRE_CONDITIONS = ["node", "require", "default"];
const IMPORT_CONDITIONS = ["node", "import", "default"];

/**
 * Filesystem questions one resolution may ask, and `paths` entries it may take: the
 * work of one call (which the host does while the guest waits) stays small whatever
 * the guest passes. A resolution from a directory 50 levels deep asks about 150.
 */
export const MAX_RESOLVE_PROBES = 1024;
export const MAX_RESOLVE_PATHS = 64;

function tooManyProbes(): ResolveError {
  return new ResolveError("ERR_SANDBOX_LIMIT", `module resolution gave up after ${MAX_RESOLVE_PROBES} filesystem lookups (a quicksand sandbox limit on the host work of one resolution)`);
}

export function runSync<T>(gen: Gen<T>, fs: FsProbe): T {
  let step = gen.next();
  for (let n = 0; !step.done; n++) {
    if (n >= MAX_RESOLVE_PROBES) throw tooManyProbes();
    const q = step.value;
    step = gen.next(q.kind === "stat" ? fs.stat(q.path) : fs.readText(q.path));
  }
  return step.value;
}

export async function runAsync<T>(gen: Gen<T>, fs: AsyncFsProbe): Promise<T> {
  let step = gen.next();
  for (let n = 0; !step.done; n++) {
    if (n >= MAX_RESOLVE_PROBES) throw tooManyProbes();
    const q = step.value;
    step = gen.next(q.kind === "stat" ? await fs.stat(q.path) : await fs.readText(q.path));
  }
  return step.value;
}

function* stat(path: string): Gen<"file" | "dir" | null> {
  return (yield { kind: "stat", path }) as "file" | "dir" | null;
}

function* readPackageJson(dir: string): Gen<PackageJson | null> {
  const path = guestJoin(dir, "package.json");
  const text = (yield { kind: "read", path }) as string | null;
  if (text === null) return null;
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
    return { path, data: data as Record<string, unknown> };
  } catch (e) {
    throw new ResolveError("ERR_INVALID_PACKAGE_CONFIG", `Invalid package config ${path}: ${(e as Error).message}`);
  }
}

/** The nearest package.json at or above `dir` (the package scope). */
export function* packageScope(dir: string): Gen<PackageJson | null> {
  for (let d = dir; ; d = guestDirname(d)) {
    if (!d.endsWith("/node_modules")) {
      const pkg = yield* readPackageJson(d);
      if (pkg) return pkg;
    }
    if (d === "/") return null;
  }
}

/** How a file is run: by extension, then by the package scope's "type". */
export function* formatOf(path: string): Gen<Format> {
  if (path.endsWith(".mjs")) return "module";
  if (path.endsWith(".cjs")) return "commonjs";
  if (path.endsWith(".json")) return "json";
  const pkg = yield* packageScope(guestDirname(path));
  return pkg?.data.type === "module" ? "module" : "commonjs";
}

// ---------------------------------------------------------------------------
// package.json "exports" and "imports"
// ---------------------------------------------------------------------------

function isConditionsObject(target: Record<string, unknown>): boolean {
  const keys = Object.keys(target);
  return keys.length > 0 && !keys[0]!.startsWith(".");
}

function resolveTarget(pkgDir: string, target: unknown, subpath: string, conditions: string[], isImports: boolean, pkgJson: string): string | null | undefined {
  if (typeof target === "string") {
    if (!target.startsWith("./")) {
      if (isImports && !target.startsWith("../") && !target.startsWith("/")) return `bare:${target.replaceAll("*", subpath)}`;
      throw new ResolveError("ERR_INVALID_PACKAGE_TARGET", `Invalid "${isImports ? "imports" : "exports"}" target ${JSON.stringify(target)} defined in the package config ${pkgJson}`);
    }
    const resolvedTarget = target.replaceAll("*", subpath);
    if (/(^|\/)(\.\.?|node_modules)(\/|$)/.test(resolvedTarget.slice(2))) {
      throw new ResolveError("ERR_INVALID_PACKAGE_TARGET", `Invalid "exports" target ${JSON.stringify(target)} defined in the package config ${pkgJson}`);
    }
    return resolveGuestPath(pkgDir, resolvedTarget);
  }
  if (Array.isArray(target)) {
    let last: unknown;
    for (const t of target) {
      try {
        const r = resolveTarget(pkgDir, t, subpath, conditions, isImports, pkgJson);
        if (r === undefined) continue;
        return r;
      } catch (e) {
        last = e;
      }
    }
    if (last) throw last;
    return null;
  }
  if (typeof target === "object" && target !== null) {
    for (const [key, value] of Object.entries(target)) {
      if (key === "default" || conditions.includes(key)) {
        const r = resolveTarget(pkgDir, value, subpath, conditions, isImports, pkgJson);
        if (r === undefined) continue;
        return r;
      }
    }
    return undefined;
  }
  if (target === null) return null;
  throw new ResolveError("ERR_INVALID_PACKAGE_TARGET", `Invalid "exports" target defined in the package config ${pkgJson}`);
}

/** Matches `request` (".", "./sub" or "#x") against an exports/imports map. */
function matchMap(pkgDir: string, map: Record<string, unknown>, request: string, conditions: string[], isImports: boolean, pkgJson: string): string | null | undefined {
  if (Object.hasOwn(map, request) && !request.includes("*")) {
    return resolveTarget(pkgDir, map[request], "", conditions, isImports, pkgJson);
  }
  let bestKey = "";
  let bestSub = "";
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star === -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (request.startsWith(prefix) && request !== prefix && (suffix === "" || (request.endsWith(suffix) && request.length >= key.length))) {
      if (patternCompare(bestKey, key) > 0) {
        bestKey = key;
        bestSub = request.slice(prefix.length, request.length - suffix.length);
      }
    }
  }
  if (bestKey) return resolveTarget(pkgDir, map[bestKey], bestSub, conditions, isImports, pkgJson);
  return undefined;
}

function patternCompare(a: string, b: string): number {
  if (a === "") return 1;
  const aStar = a.indexOf("*");
  const bStar = b.indexOf("*");
  const aBase = aStar === -1 ? a.length : aStar + 1;
  const bBase = bStar === -1 ? b.length : bStar + 1;
  if (aBase > bBase) return -1;
  if (bBase > aBase) return 1;
  if (aStar === -1) return 1;
  if (bStar === -1) return -1;
  if (a.length > b.length) return -1;
  if (b.length > a.length) return 1;
  return 0;
}

function exportsResolve(pkgDir: string, pkg: PackageJson, subpath: string, conditions: string[], name: string, from: string): string {
  let exp = pkg.data.exports;
  if (typeof exp === "string" || Array.isArray(exp) || (typeof exp === "object" && exp !== null && isConditionsObject(exp as Record<string, unknown>))) {
    exp = { ".": exp };
  }
  const r = typeof exp === "object" && exp !== null ? matchMap(pkgDir, exp as Record<string, unknown>, subpath, conditions, false, pkg.path) : undefined;
  if (typeof r === "string") return r;
  const shown = subpath === "." ? "No \"exports\" main defined" : `Package subpath '${subpath}' is not defined by "exports"`;
  throw new ResolveError("ERR_PACKAGE_PATH_NOT_EXPORTED", `${shown} in ${pkg.path}${from ? ` imported from ${from}` : ""}`, { name });
}

// ---------------------------------------------------------------------------
// The resolver
// ---------------------------------------------------------------------------

export interface ResolveOptions {
  /** "require" for CommonJS, "import" for ES modules. */
  mode: "require" | "import";
  /** Is this name a builtin the sandbox knows? */
  isBuiltin: (name: string) => boolean;
  /** Extra lookup directories (require.resolve's `paths`). */
  paths?: string[];
}

/** Resolves `request` from the file `parent` (absolute guest path). */
export function* resolve(request: string, parent: string, o: ResolveOptions): Gen<Resolved> {
  if (o.paths && o.paths.length > MAX_RESOLVE_PATHS) {
    throw new ResolveError("ERR_SANDBOX_LIMIT", `require.resolve: ${o.paths.length} entries in options.paths are over the quicksand sandbox limit of ${MAX_RESOLVE_PATHS}`);
  }
  if (request.startsWith("node:")) {
    if (o.isBuiltin(request.slice(5))) return { path: request, format: "builtin" };
    throw new ResolveError("ERR_UNKNOWN_BUILTIN_MODULE", `No such built-in module: ${request}`);
  }
  if (o.isBuiltin(request)) return { path: `node:${request}`, format: "builtin" };
  if (request.startsWith("file://")) {
    request = decodeURIComponent(new URL(request).pathname);
  }
  const dir = guestDirname(parent);
  const conditions = o.mode === "import" ? IMPORT_CONDITIONS : REQUIRE_CONDITIONS;
  let path: string | null = null;

  if (request.startsWith("/") || request.startsWith("./") || request.startsWith("../") || request === "." || request === "..") {
    const base = resolveGuestPath(dir, request);
    if (o.mode === "import") {
      const s = yield* stat(base);
      if (s === "file") path = base;
      else if (s === "dir") throw new ResolveError("ERR_UNSUPPORTED_DIR_IMPORT", `Directory import '${base}' is not supported resolving ES modules imported from ${parent}`);
    } else {
      path = (yield* loadAsFile(base)) ?? (yield* loadAsDirectory(base));
    }
  } else if (request.startsWith("#")) {
    path = yield* packageImports(request, dir, conditions, o, parent);
  } else {
    path = (yield* packageSelf(request, dir, conditions, parent)) ?? (yield* nodeModules(request, dir, conditions, o, parent));
  }

  if (path === null) throw notFound(request, parent, o.mode);
  if (path.startsWith("node:")) return { path, format: "builtin" };
  if (path.endsWith(".node")) {
    throw new ResolveError("ERR_DLOPEN_FAILED", `Cannot load native addon '${path}': native addons are not supported in the quicksand sandbox`);
  }
  return { path, format: yield* formatOf(path) };
}

function notFound(request: string, parent: string, mode: "require" | "import"): ResolveError {
  if (mode === "import") {
    const isPath = request.startsWith("/") || request.startsWith(".");
    const shown = isPath ? resolveGuestPath(guestDirname(parent), request) : request;
    return new ResolveError("ERR_MODULE_NOT_FOUND", `Cannot find ${isPath ? "module" : "package"} '${shown}' imported from ${parent}`);
  }
  return new ResolveError("MODULE_NOT_FOUND", `Cannot find module '${request}'`, { requireStack: [parent] });
}

function* loadAsFile(base: string): Gen<string | null> {
  if ((yield* stat(base)) === "file") return base;
  for (const ext of CJS_EXTENSIONS) {
    if ((yield* stat(base + ext)) === "file") return base + ext;
  }
  return null;
}

function* loadIndex(base: string): Gen<string | null> {
  for (const ext of CJS_EXTENSIONS) {
    const p = guestJoin(base, `index${ext}`);
    if ((yield* stat(p)) === "file") return p;
  }
  return null;
}

function* loadAsDirectory(base: string): Gen<string | null> {
  if ((yield* stat(base)) !== "dir") return null;
  const pkg = yield* readPackageJson(base);
  const main = pkg?.data.main;
  if (typeof main === "string" && main !== "") {
    const m = resolveGuestPath(base, main);
    const found = (yield* loadAsFile(m)) ?? (yield* loadIndex(m));
    if (found) return found;
  }
  return yield* loadIndex(base);
}

function splitPackage(request: string): { name: string; subpath: string } | null {
  const parts = request.split("/");
  const nameParts = request.startsWith("@") ? 2 : 1;
  if (parts.length < nameParts || parts.slice(0, nameParts).some((p) => p === "")) return null;
  const name = parts.slice(0, nameParts).join("/");
  const rest = parts.slice(nameParts).join("/");
  return { name, subpath: rest ? `./${rest}` : "." };
}

function nodeModulesPaths(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = guestDirname(d)) {
    if (!d.endsWith("/node_modules")) out.push(guestJoin(d, "node_modules"));
    if (d === "/") break;
  }
  if (!out.includes(OVERLAY_NODE_MODULES)) out.push(OVERLAY_NODE_MODULES);
  return out;
}

function* nodeModules(request: string, dir: string, conditions: string[], o: ResolveOptions, parent: string): Gen<string | null> {
  const split = splitPackage(request);
  if (!split) throw new ResolveError("ERR_INVALID_MODULE_SPECIFIER", `Invalid module "${request}" imported from ${parent}`);
  const dirs = [...(o.paths?.flatMap((p) => nodeModulesPaths(p)) ?? []), ...nodeModulesPaths(dir)];
  for (const nm of dirs) {
    const pkgDir = guestJoin(nm, split.name);
    if ((yield* stat(pkgDir)) !== "dir") continue;
    const pkg = yield* readPackageJson(pkgDir);
    if (pkg && pkg.data.exports !== undefined && pkg.data.exports !== null) {
      return exportsResolve(pkgDir, pkg, split.subpath, conditions, split.name, o.mode === "import" ? parent : "");
    }
    const target = split.subpath === "." ? pkgDir : resolveGuestPath(pkgDir, split.subpath);
    if (o.mode === "import" && split.subpath !== ".") {
      if ((yield* stat(target)) === "file") return target;
      continue;
    }
    const found = (yield* loadAsFile(target)) ?? (yield* loadAsDirectory(target));
    if (found) return found;
  }
  return null;
}

function* packageSelf(request: string, dir: string, conditions: string[], parent: string): Gen<string | null> {
  const split = splitPackage(request);
  if (!split) return null;
  const pkg = yield* packageScope(dir);
  if (!pkg || pkg.data.name !== split.name || pkg.data.exports === undefined || pkg.data.exports === null) return null;
  return exportsResolve(guestDirname(pkg.path), pkg, split.subpath, conditions, split.name, parent);
}

function* packageImports(request: string, dir: string, conditions: string[], o: ResolveOptions, parent: string): Gen<string | null> {
  const pkg = yield* packageScope(dir);
  const imports = pkg?.data.imports;
  if (!pkg || typeof imports !== "object" || imports === null) {
    throw new ResolveError("ERR_PACKAGE_IMPORT_NOT_DEFINED", `Package import specifier "${request}" is not defined imported from ${parent}`);
  }
  const r = matchMap(guestDirname(pkg.path), imports as Record<string, unknown>, request, conditions, true, pkg.path);
  if (typeof r !== "string") {
    throw new ResolveError("ERR_PACKAGE_IMPORT_NOT_DEFINED", `Package import specifier "${request}" is not defined in package ${pkg.path} imported from ${parent}`);
  }
  if (r.startsWith("bare:")) {
    const bare = r.slice(5);
    if (o.isBuiltin(bare.replace(/^node:/, ""))) return `node:${bare.replace(/^node:/, "")}`;
    return yield* nodeModules(bare, dir, conditions, o, parent);
  }
  return r;
}
