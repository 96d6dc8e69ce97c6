/**
 * The resolver's window on the sandbox filesystem. Every probe passes the fs permission
 * first; a denied probe answers "missing", so resolution discloses nothing the guest may
 * not stat itself. Files are read only up to a size bound.
 */
import type { VirtualFileSystem } from "../../driver/types.js";
import type { OpContext } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import type { AsyncFsProbe, FsProbe } from "./resolve.js";

/** Largest module source or package.json quicksand reads (a bound on host memory). */
export const MAX_MODULE_BYTES = 32 * 1024 * 1024;

function allowed(cx: OpContext, op: "stat" | "read", path: string): boolean {
  return cx.allowed({ kind: "fs", request: { op, path } });
}

/** Like `allowed`, waiting for an async callback (the async probe may await, so it does). */
function allowedAsync(cx: OpContext, op: "stat" | "read", path: string): Promise<boolean> {
  return cx.allowedAsync({ kind: "fs", request: { op, path } });
}

function syncUnavailable(what: string): OpError {
  return OpError.node(
    "ERR_SANDBOX_SYNC_UNAVAILABLE",
    `${what} needs synchronous filesystem access, which the configured filesystem does not offer in-process; use import() / run() (resolved asynchronously), or run the sandbox in worker mode`,
  );
}

export function syncProbe(cx: OpContext): FsProbe {
  const fs: VirtualFileSystem = cx.driver.filesystem;
  if (typeof fs.statSync !== "function" || typeof fs.readFileSync !== "function") throw syncUnavailable("require()");
  return {
    stat(path) {
      if (!allowed(cx, "stat", path)) return null;
      try {
        const s = fs.statSync!(path);
        return s.isDirectory ? "dir" : s.isFile ? "file" : null;
      } catch {
        return null;
      }
    },
    readText(path) {
      if (!allowed(cx, "read", path)) return null;
      try {
        if (fs.statSync!(path).size > MAX_MODULE_BYTES) return null;
        return new TextDecoder().decode(fs.readFileSync!(path));
      } catch {
        return null;
      }
    },
  };
}

export function asyncProbe(cx: OpContext): AsyncFsProbe {
  const fs = cx.driver.filesystem;
  return {
    async stat(path) {
      if (!(await allowedAsync(cx, "stat", path))) return null;
      try {
        const s = await fs.stat(path);
        return s.isDirectory ? "dir" : s.isFile ? "file" : null;
      } catch {
        return null;
      }
    },
    async readText(path) {
      if (!(await allowedAsync(cx, "read", path))) return null;
      try {
        if ((await fs.stat(path)).size > MAX_MODULE_BYTES) return null;
        return new TextDecoder().decode(await fs.readFile(path));
      } catch {
        return null;
      }
    },
  };
}

/** Reads a module's source for loading; the caller has checked the read permission. */
export function readModuleSync(cx: OpContext, path: string): string {
  const fs = cx.driver.filesystem;
  if (typeof fs.readFileSync !== "function" || typeof fs.statSync !== "function") throw syncUnavailable("Loading a module");
  const size = fs.statSync(path).size;
  if (size > MAX_MODULE_BYTES) throw OpError.node("ERR_SANDBOX_PAYLOAD_TOO_LARGE", `module ${path} is ${size} bytes, over the ${MAX_MODULE_BYTES}-byte limit`);
  return new TextDecoder().decode(fs.readFileSync(path));
}

export async function readModuleAsync(cx: OpContext, path: string): Promise<string> {
  const fs = cx.driver.filesystem;
  const size = (await fs.stat(path)).size;
  if (size > MAX_MODULE_BYTES) throw OpError.node("ERR_SANDBOX_PAYLOAD_TOO_LARGE", `module ${path} is ${size} bytes, over the ${MAX_MODULE_BYTES}-byte limit`);
  return new TextDecoder().decode(await fs.readFile(path));
}
