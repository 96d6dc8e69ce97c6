/**
 * Host bindings (the `bindings` option): a tree of host functions the guest calls as
 * `SecureExec.bindings.a.b(...)`, secure-exec's custom-bindings contract. The tree is
 * checked and flattened once, at construction: the functions stay on the host, keyed by
 * their dotted path, and only the tree's shape (names, and which leaves are `async`
 * functions) is handed to the guest, which builds its frozen `SecureExec.bindings` from
 * it. Calls go through the `binding.*` ops (src/shims/bindings/host.ts).
 */

/** A host function the guest may call. Its arguments and result cross as copies. */
export type BindingFunction = (...args: unknown[]) => unknown;

/** A tree of binding functions: at most 4 levels deep, at most 64 functions in all. */
export interface BindingTree {
  [key: string]: BindingFunction | BindingTree;
}

/**
 * The shape the guest builds `SecureExec.bindings` from: a branch is an object, a leaf
 * is 1 for an `async` function (the guest's call returns a Promise at once) or 0 for any
 * other function (the guest gets its value, or a Promise if it returns one).
 */
export interface BindingShape {
  [key: string]: BindingShape | 0 | 1;
}

export interface ResolvedBindings {
  readonly shape: BindingShape;
  /** Each leaf by its dotted path ("db.query"). */
  readonly functions: ReadonlyMap<string, BindingFunction>;
}

export const MAX_BINDING_DEPTH = 4;
export const MAX_BINDING_LEAVES = 64;
const IDENTIFIER = /^[A-Za-z$][A-Za-z0-9_$]*$/;

export const NO_BINDINGS: ResolvedBindings = Object.freeze({ shape: Object.freeze({}), functions: new Map() });

function isAsyncFunction(fn: BindingFunction): boolean {
  return Object.prototype.toString.call(fn) === "[object AsyncFunction]";
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return `an instance of ${(Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? "an object"}`;
  return `a ${typeof v}`;
}

/** Checks and flattens the `bindings` option; each problem is a TypeError naming the key. */
export function resolveBindings(where: string, tree: unknown): ResolvedBindings {
  if (tree === undefined) return NO_BINDINGS;
  const fail = (message: string): never => {
    throw new TypeError(`${where}: ${message}`);
  };
  if (!isPlainObject(tree)) fail(`bindings must be a plain object of functions, got ${kind(tree)}`);
  const functions = new Map<string, BindingFunction>();
  const walk = (node: Record<string, unknown>, prefix: string, depth: number): BindingShape => {
    if (Object.getOwnPropertySymbols(node).length > 0) fail(`bindings${prefix ? `.${prefix.slice(0, -1)}` : ""} has a symbol key; binding keys must be identifiers`);
    const shape: BindingShape = {};
    for (const key of Object.keys(node)) {
      const path = prefix + key;
      if (key.startsWith("_")) fail(`binding key "${path}" starts with "_", which is reserved for quicksand's own names`);
      if (!IDENTIFIER.test(key)) fail(`binding key "${path}" is not a valid JavaScript identifier`);
      if (depth > MAX_BINDING_DEPTH) fail(`binding "${path}" is nested ${depth} levels deep; the most is ${MAX_BINDING_DEPTH}`);
      const value = node[key];
      if (typeof value === "function") {
        functions.set(path, value as BindingFunction);
        if (functions.size > MAX_BINDING_LEAVES) fail(`binding "${path}" is one function too many: at most ${MAX_BINDING_LEAVES} are allowed`);
        shape[key] = isAsyncFunction(value as BindingFunction) ? 1 : 0;
      } else if (isPlainObject(value)) {
        shape[key] = walk(value, `${path}.`, depth + 1);
      } else {
        fail(`binding "${path}" must be a function or a plain object of functions, got ${kind(value)}`);
      }
    }
    return Object.freeze(shape);
  };
  const shape = walk(tree as Record<string, unknown>, "", 1);
  return Object.freeze({ shape, functions });
}
