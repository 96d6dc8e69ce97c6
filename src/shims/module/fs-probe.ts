/**
 * The resolver's window on the sandbox filesystem. Every probe that finds something is a
 * checked path (src/shims/fs/checked.ts), as for `fs.statSync` and `fs.readFileSync`:
 * the fs permission on the name and on where its symbolic links lead, and only then is
 * the real path that was checked read. A denied probe answers "missing" (as a missing
 * file does), so resolution discloses nothing the guest may not stat itself. Files are
 * read only up to a size bound.
 */
import type { VirtualFileSystem, VirtualStat } from "../../driver/types.js";
import type { OpContext } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { codeOf, readFileBody, restate, syncCapable } from "../fs/bodies.js";
import { checkedPath, use } from "../fs/checked.js";
import { runAsync, runSync, runSyncAwaitingChecks, vfs, type Io } from "../fs/io.js";
import type { AsyncFsProbe, FsProbe } from "./resolve.js";

/** Largest module source or package.json quicksand reads (a bound on host memory). */
export const MAX_MODULE_BYTES = 32 * 1024 * 1024;

const SYNC_UNAVAILABLE = "ERR_SANDBOX_SYNC_UNAVAILABLE";

function syncUnavailable(what: string): OpError {
  return OpError.node(
    SYNC_UNAVAILABLE,
    `${what} needs synchronous filesystem access, which the configured filesystem does not offer in-process; use import() / run() (resolved asynchronously), or run the sandbox in worker mode`,
  );
}

/** A probe's failure is an answer ("missing"), except when the call cannot be served at all. */
function* orMissing<T>(io: Io<T>): Io<T | null> {
  try {
    return yield* io;
  } catch (e) {
    if (codeOf(e) === SYNC_UNAVAILABLE) throw e;
    return null;
  }
}

/**
 * Where a probed path really is and what is there, once checked; null when it is missing
 * or refused. A missing path (or a dangling link) is missing whatever the permission
 * says, so it is answered without resolving links. After a check that may have awaited a
 * callback (`recheck`), what is there is looked at again, at the real path.
 */
function* probe(cx: OpContext, op: "stat" | "read", path: string, recheck: boolean): Io<{ real: string; stat: VirtualStat } | null> {
  return yield* orMissing(
    (function* () {
      const fs = cx.driver.filesystem;
      const first = yield* vfs(fs, "stat", path);
      const real = yield* checkedPath(cx, op === "read" ? "open" : "stat", use(op, path, true), recheck);
      return { real, stat: recheck ? yield* vfs(fs, "stat", real) : first };
    })(),
  );
}

function* statProbe(cx: OpContext, path: string, recheck: boolean): Io<"file" | "dir" | null> {
  const found = yield* probe(cx, "stat", path, recheck);
  return found?.stat.isDirectory ? "dir" : found?.stat.isFile ? "file" : null;
}

function* textProbe(cx: OpContext, path: string, recheck: boolean): Io<string | null> {
  const found = yield* probe(cx, "read", path, recheck);
  if (!found || found.stat.isDirectory || found.stat.size > MAX_MODULE_BYTES) return null;
  const { real } = found;
  return yield* orMissing(
    (function* () {
      return new TextDecoder().decode(yield* readFileBody(cx.driver.filesystem, real));
    })(),
  );
}

/** The sync probes (in-process require and the ES module loader over a synchronous filesystem). */
export function syncProbe(cx: OpContext): FsProbe {
  const fs: VirtualFileSystem = cx.driver.filesystem;
  if (typeof fs.statSync !== "function" || typeof fs.readFileSync !== "function") throw syncUnavailable("require()");
  return {
    stat: (path) => runSync(statProbe(cx, path, false)),
    readText: (path) => runSync(textProbe(cx, path, false)),
  };
}

/**
 * The async probes (worker mode, and the import graph walked ahead over an async-only
 * filesystem): permission callbacks awaited, links resolved again after them. Over a
 * filesystem with synchronous methods that recheck and the use run with no await between.
 */
export function asyncProbe(cx: OpContext): AsyncFsProbe {
  const run = syncCapable(cx.driver.filesystem) ? runSyncAwaitingChecks : runAsync;
  return {
    stat: (path) => run(statProbe(cx, path, true)),
    readText: (path) => run(textProbe(cx, path, true)),
  };
}

/** A module file's text from its checked real path, refused above the size bound. */
export function* readModuleBody(fs: VirtualFileSystem, path: string): Io<string> {
  let size: number;
  try {
    size = (yield* vfs(fs, "stat", path)).size;
  } catch (error) {
    throw restate(error, "open", path);
  }
  if (size > MAX_MODULE_BYTES) throw OpError.node("ERR_SANDBOX_PAYLOAD_TOO_LARGE", `module ${path} is ${size} bytes, over the ${MAX_MODULE_BYTES}-byte limit`);
  return new TextDecoder().decode(yield* readFileBody(fs, path));
}
