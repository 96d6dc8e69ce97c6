/**
 * Ops of the guest's unit loader: the source of one of quicksand's own guest units or
 * builtins, and whether a name is a Node builtin. Only quicksand's bundled code is ever
 * returned here; user code reaches the guest through the entry and the filesystem.
 */
import { unitSources } from "virtual:quicksand-guest";
import * as arg from "../../runtime/bridge/decoders.js";
import { GuestScript } from "../../runtime/bridge/encode.js";
import { defineOp, type Op } from "../../runtime/bridge/op.js";

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
  sync: (_cx, [name]) => NODE_BUILTINS.has(name) || (!name.includes(":") && Object.hasOwn(unitSources, name)),
});

export const moduleOps: Op[] = [unitSource, isBuiltin];
