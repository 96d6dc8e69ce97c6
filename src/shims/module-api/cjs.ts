/**
 * CommonJS for the guest: `require`, `module`, `exports`, `require.cache`,
 * `require.resolve` and the module objects, as Node has them. Resolution (Node's
 * algorithm over the sandbox filesystem) and compilation happen on the host
 * (`module.resolve`, `module.compileCjs`), where every file read passes the fs
 * permission; this unit keeps the module graph and runs the wrappers.
 */
import { nodeError } from "../_lib/errors.js";
import { callOp } from "../_lib/host.js";
import { isBuiltin, requireBuiltin } from "../module/guest.js";

type Wrapper = (exports: unknown, require: Require, module: Module, filename: string, dirname: string) => unknown;
type Require = ((id: string) => unknown) & {
  resolve: ((request: string, options?: { paths?: string[] }) => string) & { paths: (request: string) => string[] | null };
  cache: Record<string, Module>;
  main: Module | undefined;
  extensions: Record<string, unknown>;
};

interface Resolved {
  path: string;
  format: "commonjs" | "module" | "json" | "builtin";
}

const cache: Record<string, Module> = Object.create(null);
let mainModule: Module | undefined;

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function nodeModulePaths(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (!d.endsWith("/node_modules")) out.push(d === "/" ? "/node_modules" : `${d}/node_modules`);
    if (d === "/") break;
  }
  return out;
}

export class Module {
  id: string;
  filename: string;
  path: string;
  exports: unknown = {};
  loaded = false;
  children: Module[] = [];
  paths: string[];
  parent: Module | null | undefined;
  require: Require;

  constructor(filename: string, parent: Module | null) {
    this.id = filename;
    this.filename = filename;
    this.path = dirname(filename);
    this.paths = nodeModulePaths(this.path);
    this.parent = parent;
    if (parent) parent.children.push(this);
    this.require = makeRequire(this);
  }
}

/** The chain of files that led to a require, nearest first (Node's "Require stack"). */
function requireStack(m: Module | null | undefined): string[] {
  const out: string[] = [];
  for (let p = m; p; p = p.parent) out.push(p.filename);
  return out;
}

function resolveFrom(parent: Module, request: string, paths?: string[]): Resolved {
  try {
    return callOp("module.resolve", request, parent.filename, "require", paths ? JSON.stringify(paths) : undefined) as Resolved;
  } catch (e) {
    const err = e as Error & { code?: string; requireStack?: string[] };
    if (err.code === "MODULE_NOT_FOUND") {
      const stack = requireStack(parent);
      const wrapped = nodeError("MODULE_NOT_FOUND", `Cannot find module '${request}'\nRequire stack:\n${stack.map((f) => `- ${f}`).join("\n")}`, Error);
      (wrapped as Error & { requireStack?: string[] }).requireStack = stack;
      throw wrapped;
    }
    throw err;
  }
}

function loadModule(parent: Module, resolved: Resolved): unknown {
  const { path, format } = resolved;
  if (format === "builtin") return requireBuiltin(path);
  const cached = cache[path];
  if (cached) {
    if (!parent.children.includes(cached)) parent.children.push(cached);
    return cached.exports;
  }
  const module = new Module(path, parent);
  cache[path] = module;
  try {
    if (format === "json") {
      const text = callOp("module.readJson", path) as string;
      try {
        module.exports = JSON.parse(text);
      } catch (e) {
        throw new SyntaxError(`${path}: ${(e as Error).message}`);
      }
    } else if (format === "module") {
      module.exports = callOp("module.requireEsm", path);
    } else {
      const wrapper = callOp("module.compileCjs", path) as Wrapper;
      wrapper.call(module.exports, module.exports, module.require, module, path, module.path);
    }
  } catch (e) {
    delete cache[path];
    const i = parent.children.indexOf(module);
    if (i >= 0) parent.children.splice(i, 1);
    throw e;
  }
  module.loaded = true;
  return module.exports;
}

function makeRequire(module: Module): Require {
  const require = function require(id: unknown): unknown {
    if (typeof id !== "string") {
      throw nodeError("ERR_INVALID_ARG_TYPE", `The "id" argument must be of type string. Received ${id === null ? "null" : typeof id}`);
    }
    if (id === "") throw nodeError("ERR_INVALID_ARG_VALUE", "The argument 'id' must be a non-empty string. Received ''");
    if (!id.startsWith(".") && !id.startsWith("/") && isBuiltin(id)) return requireBuiltin(id);
    return loadModule(module, resolveFrom(module, id));
  } as Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => {
    if (typeof request !== "string") throw nodeError("ERR_INVALID_ARG_TYPE", `The "request" argument must be of type string. Received ${typeof request}`);
    if (!request.startsWith(".") && !request.startsWith("/") && isBuiltin(request)) return request;
    return resolveFrom(module, request, options?.paths).path;
  }) as Require["resolve"];
  resolve.paths = (request: string) => (isBuiltin(request) ? null : nodeModulePaths(module.path));
  require.resolve = resolve;
  require.cache = cache;
  require.main = mainModule;
  require.extensions = Object.create(null);
  return require;
}

/** The `require` of the entry script: its module object is the prelude's (require.main). */
export function makeMainRequire(main: { filename: string; exports: unknown; children: unknown[]; paths: string[] }): Require {
  const m = Object.setPrototypeOf(main, Module.prototype) as Module;
  m.id = ".";
  m.path = dirname(m.filename);
  m.paths = nodeModulePaths(m.path);
  m.parent = null;
  mainModule = m;
  cache[m.filename] = m;
  const require = makeRequire(m);
  require.main = m;
  return require;
}

/** `module.createRequire(filename)`. */
export function createRequire(filename: unknown): Require {
  let path = filename;
  if (typeof path === "string" && path.startsWith("file://")) path = decodeURIComponent(path.slice("file://".length).replace(/[?#].*$/, ""));
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw nodeError("ERR_INVALID_ARG_VALUE", `The argument 'filename' must be a file URL object, file URL string, or absolute path string. Received ${JSON.stringify(filename)}`);
  }
  const m = new Module(path.endsWith("/") ? `${path}noop.js` : path, null);
  return m.require;
}

/** Exports of a CommonJS module for an ES module importing it (the host asks for this). */
export function importCjs(path: string, importer: string): unknown {
  const parent = cache[importer] ?? new Module(importer, null);
  return loadModule(parent, { path, format: "commonjs" });
}

export const moduleCache = cache;
