/**
 * The `module` builtin: createRequire, builtinModules, isBuiltin, and the Module class
 * whose instances CommonJS files see as `module`.
 */
import { createRequire, Module, moduleCache } from "./cjs.js";
import { callOp } from "../_lib/host.js";

function isBuiltin(name: unknown): boolean {
  if (typeof name !== "string") return false;
  const bare = name.startsWith("node:") ? name.slice(5) : name;
  return callOp("module.isBuiltin", bare) === true;
}

const api = Object.assign(Module, {
  Module,
  createRequire,
  builtinModules: callOp("module.builtinNames") as string[],
  isBuiltin,
  _cache: moduleCache,
  syncBuiltinESMExports() {},
});

export default api;
