/**
 * Ops of module loading: the source of one of quicksand's own guest units or builtins,
 * whether a name is a Node builtin, and every look at the sandbox filesystem that loading
 * user modules makes — resolution with its probes and package.json reads, a file's
 * format, and the reads of module files — for `require`, `import`, `import()`,
 * `require.resolve` and `createRequire` alike, in both modes. Each of those is checked
 * by the same code as the fs ops (src/shims/fs/checked.ts), symbolic links included.
 */
import { unitSources } from "virtual:quicksand-guest";
import * as arg from "../../runtime/bridge/decoders.js";
import { GuestModule, GuestScript } from "../../runtime/bridge/encode.js";
import { defineOp, type Op } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { at, fsOp, use } from "../fs/checked.js";
import { asyncProbe, readModuleBody, syncProbe } from "./fs-probe.js";
import { formatOf, resolve, ResolveError, runAsync, runSync } from "./resolve.js";

/** Node's builtin module names (Node 22). Ones quicksand lacks fail with a clear error. */
export const NODE_BUILTINS: ReadonlySet<string> = new Set([
  "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
  "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain", "events", "fs", "fs/promises",
  "http", "http2", "https", "inspector", "inspector/promises", "module", "net", "os", "path", "path/posix",
  "path/win32", "perf_hooks", "process", "punycode", "querystring", "readline", "readline/promises", "repl",
  "stream", "stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "timers",
  "timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types", "v8", "vm", "wasi",
  "worker_threads", "zlib", "test", "sqlite", "sea",
]);

const unitSource = defineOp({
  name: "module.loadUnit",
  args: [arg.string],
  ownCodeResult: true,
  // Only quicksand's own bundled sources: nothing outside the sandbox.
  local: true,
  // The unit's factory function (compiled in the guest's context), null for a Node
  // builtin quicksand lacks, undefined for no such unit.
  sync: (_cx, [id]) => {
    if (Object.hasOwn(unitSources, id)) {
      const name = id.startsWith("quicksand:internal/") ? id.slice("quicksand:internal/".length) : id;
      return new GuestScript(unitSources[id]!, `node:internal/${name}`);
    }
    if (id.includes(":")) return undefined;
    return NODE_BUILTINS.has(id) ? null : undefined;
  },
});

const isBuiltin = defineOp({
  name: "module.isBuiltin",
  args: [arg.string],
  local: true,
  sync: (_cx, [name]) => sandboxBuiltin(name),
});

/** Names Node only accepts with the `node:` prefix; they are left out of `builtinModules`. */
const PREFIX_ONLY = new Set(["test", "sqlite", "sea"]);

/** `module.builtinModules`: Node's builtin names, from the one list above. */
const builtinNames = defineOp({
  name: "module.builtinNames",
  args: [],
  local: true,
  sync: () => [...NODE_BUILTINS].filter((n) => !PREFIX_ONLY.has(n)),
});

/** True for a builtin the sandbox can load (a Node name; `quicksand:` ids are private). */
export function sandboxBuiltin(name: string): boolean {
  return NODE_BUILTINS.has(name) || (!name.includes(":") && Object.hasOwn(unitSources, name));
}

function resolveError(e: unknown): unknown {
  return e instanceof ResolveError ? OpError.node(e.code, e.message) : e;
}

const isPathList = (v: unknown): v is string[] => Array.isArray(v) && v.every((p) => typeof p === "string" && p.startsWith("/"));

type ResolveArgs = [request: string, parent: string, mode: "require" | "import", paths: string[] | undefined];

/** One resolution as a generator of filesystem questions: the sync and async forms only answer them differently. */
function resolution(args: readonly unknown[]): ReturnType<typeof resolve> {
  const [request, parent, mode, paths] = args as ResolveArgs;
  return resolve(request, parent, { mode, isBuiltin: sandboxBuiltin, paths });
}

/** Node's resolution from a parent file: `{ path, format }`, or MODULE_NOT_FOUND and friends. */
const resolveOp = defineOp({
  name: "module.resolve",
  args: [arg.string, arg.pathString, arg.oneOf("require", "import"), arg.optional(arg.json(isPathList, "an array of absolute paths"))],
  sync: (cx, args) => {
    try {
      return runSync(resolution(args), syncProbe(cx));
    } catch (e) {
      throw resolveError(e);
    }
  },
  // Worker mode serves require() here: over an async-only filesystem, with async fs callbacks.
  async: async (cx, args) => {
    try {
      return await runAsync(resolution(args), asyncProbe(cx));
    } catch (e) {
      throw resolveError(e);
    }
  },
});

/**
 * An op that reads one module file, checked as `fs.readFileSync` is (the read permission
 * on the name and on where its links lead; a refusal is EACCES), and makes its result
 * from the source. The file is named by the path the guest used.
 */
function moduleFileOp<R>(name: string, result: (source: string, path: string) => R): Op {
  return fsOp({
    name,
    args: [arg.pathString],
    syscall: "open",
    paths: ([path], cx) => [use("read", at(cx, path), true)],
    ownCodeResult: true,
    body: function* (cx, _args, real, asked) {
      return result(yield* readModuleBody(cx.driver.filesystem, real[0]!), asked[0]!);
    },
  });
}

/**
 * Compiles a CommonJS file into its wrapper function, under its own file name so stacks
 * name it (the wrapper shares the first line, so line numbers are the file's own).
 */
const compileCjs = moduleFileOp("module.compileCjs", (source, path) => {
  if (source.startsWith("#!")) source = "//" + source.slice(2);
  return new GuestScript(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, path, false);
});

/** A JSON module's text (parsed by the guest, as Node does). */
const readJson = moduleFileOp("module.readJson", (source) => source);

/** `require()` of an ES module (Node 22): evaluates it and hands back its namespace. */
const requireEsm = moduleFileOp("module.requireEsm", (source, path) => new GuestModule(source, path));

/** The source of an ES module or a JSON module, for the ES module loader. */
const readSource = moduleFileOp("module.readSource", (source) => source);

/**
 * How a file runs, as Node decides: by extension, then by the "type" of its package
 * scope (the nearest package.json, looked up with the same checked probes as resolution).
 */
const formatOp = defineOp({
  name: "module.format",
  args: [arg.pathString],
  sync: (cx, [path]) => {
    try {
      return runSync(formatOf(at(cx, path)), syncProbe(cx));
    } catch (e) {
      throw resolveError(e);
    }
  },
  async: async (cx, [path]) => {
    try {
      return await runAsync(formatOf(at(cx, path)), asyncProbe(cx));
    } catch (e) {
      throw resolveError(e);
    }
  },
});

export const moduleOps: Op[] = [unitSource, isBuiltin, builtinNames, resolveOp, formatOp, compileCjs, readJson, requireEsm, readSource];
