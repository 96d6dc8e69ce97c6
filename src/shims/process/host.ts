/**
 * Host ops behind `process`: the environment (each key through the env permission),
 * exit, cwd/chdir and memory usage.
 *
 * The env reads filter rather than fail, so they ask the callbacks themselves: the sync
 * forms with `cx.allowed` (an async callback counts as a denial in-process), the async
 * forms — what worker mode serves even a synchronous `process.env.X` with — awaiting
 * `cx.allowedAsync`, so an async env callback answers there.
 */
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type Op, type OpContext, type PermissionRequest } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { resolveGuestPath } from "../_host/paths.js";
import { runAsync, runSync, vfs, type Io } from "../fs/io.js";

function envRead(key: string): PermissionRequest {
  return { kind: "env", request: { op: "read", key } };
}

/**
 * The exec's environment as the guest's `process.env` shows it: only the entries whose
 * key the env permission lets it read, in the environment's order. Also what a child
 * process inherits when the guest names no `env` (child-process/host.ts).
 */
export function readableEnv(cx: OpContext): [string, string][] {
  return [...cx.exec.env].filter(([key]) => cx.allowed(envRead(key)));
}

/** `readableEnv`, awaiting async env callbacks one key at a time (in the same order). */
export async function readableEnvAsync(cx: OpContext): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const entry of [...cx.exec.env]) if (await cx.allowedAsync(envRead(entry[0]))) out.push(entry);
  return out;
}

const envGet = defineOp({
  name: "env.get",
  args: [arg.string],
  // A denied read is not an error: the guest sees `undefined`, as for an unset variable.
  sync: (cx, [key]) => (cx.allowed(envRead(key)) ? cx.exec.env.get(key) : undefined),
  async: async (cx, [key]) => ((await cx.allowedAsync(envRead(key))) ? cx.exec.env.get(key) : undefined),
});

const envKeys = defineOp({
  name: "env.keys",
  args: [],
  sync: (cx) => readableEnv(cx).map(([key]) => key),
  async: async (cx) => (await readableEnvAsync(cx)).map(([key]) => key),
});

const envSet = defineOp({
  name: "env.set",
  args: [arg.string, arg.string],
  permission: ([key, value]) => [{ kind: "env", request: { op: "write", key, value } }],
  sync: (cx, [key, value]) => {
    cx.exec.env.set(key, value);
  },
});

const envDelete = defineOp({
  name: "env.delete",
  args: [arg.string],
  permission: ([key]) => [{ kind: "env", request: { op: "write", key } }],
  sync: (cx, [key]) => {
    cx.exec.env.delete(key);
  },
});

const exit = defineOp({
  name: "process.exit",
  args: [arg.integer],
  local: true,
  sync: (cx, [code]) => cx.exec.exit(code),
});

const cwd = defineOp({
  name: "process.cwd",
  args: [],
  sync: (cx) => cx.exec.cwd,
});

/**
 * Makes the granted directory the cwd, after a stat through the filesystem: one body for
 * both forms (see fs/io.ts), answered with `statSync` or with an awaited `stat`.
 */
function* enter(cx: OpContext, path: string): Io<void> {
  let isDir: boolean;
  try {
    isDir = (yield* vfs(cx.driver.filesystem, "stat", path)).isDirectory;
  } catch (e) {
    throw OpError.system((e as { code?: string }).code === "ENOENT" ? "ENOENT" : "EIO", "no such file or directory", "chdir", cx.exec.cwd, path);
  }
  if (!isDir) throw OpError.system("ENOTDIR", "not a directory", "chdir", cx.exec.cwd, path);
  cx.exec.cwd = path;
}

const chdir = defineOp({
  name: "process.chdir",
  args: [arg.pathString],
  syscall: "chdir",
  permission: ([dir], cx) => [{ kind: "fs", request: { op: "stat", path: resolveGuestPath(cx.exec.cwd, dir) } }],
  sync: (cx, _args, granted) => {
    if (!cx.driver.filesystem.statSync) {
      throw OpError.node("ERR_SANDBOX_SYNC_UNAVAILABLE", "process.chdir() needs a filesystem with synchronous stat in-process; run the sandbox in worker mode");
    }
    runSync(enter(cx, granted.fsPath()));
  },
  // Worker mode's chdir: works over an async-only filesystem.
  async: (cx, _args, granted) => runAsync(enter(cx, granted.fsPath())),
});

const memoryUsage = defineOp({
  name: "process.memoryUsage",
  args: [],
  local: true,
  sync: (cx) => {
    const m = cx.exec.memoryUsage();
    return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: 0, arrayBuffers: 0 };
  },
});

export const processOps: Op[] = [envGet, envKeys, envSet, envDelete, exit, cwd, chdir, memoryUsage];
