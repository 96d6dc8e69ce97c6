/**
 * The guest's unit loader: how quicksand's own guest code and Node's builtins get into a
 * context. Guest code is split into units (see rollup.config.mjs); each is a CommonJS
 * factory the host compiles on first use (`module.loadUnit` op, under a node:internal/
 * file name) and that runs once per exec. `lazy` defers a load until the first call, so a script
 * pays only for the parts of the runtime it touches.
 */
import { callOp } from "../_lib/host.js";
import type * as Errors from "../_lib/errors.js";

type Factory = (exports: object, require: (id: string) => unknown, module: { exports: unknown }) => void;

const loaded = new Map<string, unknown>();
/** Builtins whose value the bootstrap provides (process, console, timers), made on demand. */
const provided = new Map<string, () => unknown>();

export function registerUnit(id: string, exports: unknown): void {
  loaded.set(id, exports);
}

export function provideBuiltin(name: string, get: () => unknown): void {
  provided.set(name, get);
}

export function isLoaded(id: string): boolean {
  return loaded.has(id);
}

/** Loads a unit (or builtin) by id, once. */
export function loadUnit(id: string): unknown {
  if (loaded.has(id)) return loaded.get(id);
  if (!id.startsWith("quicksand:internal/")) return requireBuiltin(id);
  const factory = callOp("module.loadUnit", id);
  if (typeof factory !== "function") throw new Error(`quicksand: missing guest unit ${id}`);
  return evaluate(factory as Factory, id);
}

/** Runs a unit's factory (compiled by the host under a node:internal/ file name). */
function evaluate(factory: Factory, key: string): unknown {
  const module = { exports: {} as unknown };
  // Cached before running so that cycles see the partial exports, as in CommonJS.
  loaded.set(key, module.exports);
  try {
    factory(module.exports as object, loadUnit, module);
  } catch (e) {
    loaded.delete(key);
    throw e;
  }
  loaded.set(key, module.exports);
  return module.exports;
}

/** A function that loads the unit on first call and returns its exports after. */
export function lazy<T>(id: string): () => T {
  let m: T | undefined;
  return () => (m ??= loadUnit(id) as T);
}

const errors = lazy<typeof Errors>("quicksand:internal/errors");

/**
 * Returns a builtin's exports, loading it on first use. The host knows Node's builtin
 * names: it answers a factory, `null` (a Node builtin quicksand does not have) or
 * `undefined` (no such builtin).
 */
export function requireBuiltin(id: string): unknown {
  const name = id.startsWith("node:") ? id.slice(5) : id;
  const key = `node:${name}`;
  if (loaded.has(key)) return loaded.get(key);
  const get = provided.get(name);
  if (get) {
    const v = get();
    loaded.set(key, v);
    return v;
  }
  const factory = callOp("module.loadUnit", name);
  if (typeof factory === "function") return evaluate(factory as Factory, key);
  if (factory === null) {
    throw errors().nodeError("ERR_SANDBOX_NOT_SUPPORTED", `The built-in module '${name}' is not supported in the quicksand sandbox yet`);
  }
  throw errors().nodeError("ERR_UNKNOWN_BUILTIN_MODULE", `No such built-in module: ${id}`);
}

/** True when `id` names a builtin (asks the host once per name). */
export function isBuiltin(id: string): boolean {
  const name = id.startsWith("node:") ? id.slice(5) : id;
  if (provided.has(name) || loaded.has(`node:${name}`)) return true;
  return callOp("module.isBuiltin", name) === true;
}
