/**
 * Host ops behind `process`: the environment (each key through the env permission),
 * exit, cwd/chdir and memory usage.
 */
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type Op } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { resolveGuestPath } from "../_host/paths.js";

const envGet = defineOp({
  name: "env.get",
  args: [arg.string],
  // A denied read is not an error: the guest sees `undefined`, as for an unset variable.
  sync: (cx, [key]) => (cx.allowed({ kind: "env", request: { op: "read", key } }) ? cx.exec.env.get(key) : undefined),
});

const envKeys = defineOp({
  name: "env.keys",
  args: [],
  sync: (cx) => [...cx.exec.env.keys()].filter((key) => cx.allowed({ kind: "env", request: { op: "read", key } })),
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
  sync: (cx, [code]) => cx.exec.exit(code),
});

const cwd = defineOp({
  name: "process.cwd",
  args: [],
  sync: (cx) => cx.exec.cwd,
});

const chdir = defineOp({
  name: "process.chdir",
  args: [arg.pathString],
  syscall: "chdir",
  permission: ([dir], cx) => [{ kind: "fs", request: { op: "stat", path: resolveGuestPath(cx.exec.cwd, dir) } }],
  sync: (cx, _args, granted) => {
    const path = granted.fsPath();
    const fs = cx.driver.filesystem;
    if (!fs.statSync) {
      throw OpError.node("ERR_SANDBOX_SYNC_UNAVAILABLE", "process.chdir() needs a filesystem with synchronous stat in-process; run the sandbox in worker mode");
    }
    let isDir: boolean;
    try {
      isDir = fs.statSync(path).isDirectory;
    } catch (e) {
      throw OpError.system((e as { code?: string }).code === "ENOENT" ? "ENOENT" : "EIO", "no such file or directory", "chdir", cx.exec.cwd, path);
    }
    if (!isDir) throw OpError.system("ENOTDIR", "not a directory", "chdir", cx.exec.cwd, path);
    cx.exec.cwd = path;
  },
});

const memoryUsage = defineOp({
  name: "process.memoryUsage",
  args: [],
  sync: (cx) => {
    const m = cx.exec.memoryUsage();
    return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: 0, arrayBuffers: 0 };
  },
});

export const processOps: Op[] = [envGet, envKeys, envSet, envDelete, exit, cwd, chdir, memoryUsage];
