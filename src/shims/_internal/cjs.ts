/**
 * CommonJS for the guest: the `require`, `module` and `exports` a script gets, and the
 * entry point the host calls to run an exec's code.
 */
import { nodeError } from "./errors.js";
import { isBuiltin, requireBuiltin } from "../module/guest.js";

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function notFound(id: string, filename: string): Error {
  const err = nodeError("MODULE_NOT_FOUND", `Cannot find module '${id}'\nRequire stack:\n- ${filename}`);
  (err as Error & { requireStack?: string[] }).requireStack = [filename];
  return err;
}

/** Builds the `require` a CommonJS module gets. */
export function makeRequire(filename: string) {
  const require = (id: unknown) => {
    if (typeof id !== "string") {
      throw nodeError("ERR_INVALID_ARG_TYPE", `The "id" argument must be of type string. Received ${id === null ? "null" : typeof id}`);
    }
    if (id === "") throw nodeError("ERR_INVALID_ARG_VALUE", "The argument 'id' must be a non-empty string. Received ''");
    if (isBuiltin(id)) return requireBuiltin(id);
    throw notFound(id, filename);
  };
  const resolve = (id: string) => {
    if (isBuiltin(id)) return id;
    throw notFound(id, filename);
  };
  return Object.assign(require, { resolve, cache: Object.create(null) as object, main: undefined as unknown });
}

/** Runs the entry script (compiled by the host as a CommonJS wrapper function). */
export function runMain(fn: (...args: unknown[]) => unknown, filename: string): void {
  const require = makeRequire(filename);
  const module = {
    id: ".",
    filename,
    path: dirname(filename),
    exports: {} as unknown,
    loaded: false,
    children: [] as unknown[],
    paths: [] as string[],
    parent: null,
    require,
  };
  require.main = module;
  fn.call(module.exports, module.exports, require, module, filename, dirname(filename));
  module.loaded = true;
}
