/**
 * The `module` builtin: createRequire, builtinModules, isBuiltin, and the Module class
 * whose instances CommonJS files see as `module`.
 */
import { createRequire, Module, moduleCache } from "../_internal/cjs.js";
import { callOp } from "../_internal/host.js";

const BUILTIN_NAMES = [
  "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
  "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain", "events", "fs", "fs/promises",
  "http", "http2", "https", "inspector", "inspector/promises", "module", "net", "os", "path", "path/posix",
  "path/win32", "perf_hooks", "process", "punycode", "querystring", "readline", "readline/promises", "repl",
  "stream", "stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "timers",
  "timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types", "v8", "vm", "wasi",
  "worker_threads", "zlib",
];

function isBuiltin(name: unknown): boolean {
  if (typeof name !== "string") return false;
  const bare = name.startsWith("node:") ? name.slice(5) : name;
  return callOp("module.isBuiltin", bare) === true;
}

const api = Object.assign(Module, {
  Module,
  createRequire,
  builtinModules: BUILTIN_NAMES,
  isBuiltin,
  _cache: moduleCache,
  syncBuiltinESMExports() {},
});

export default api;
