/**
 * Host ops behind `child_process`. A spawn is allowed only after the childProcess
 * permission callback has seen exactly what will run: the command, its arguments, the
 * working directory and the environment the child gets from the guest. The guest's
 * `exec("a; b")` reaches here as `/bin/sh` with `["-c", "a; b"]` (as Node itself runs it),
 * so a shell line can never hide behind an allowed command name.
 *
 * Children are numbers in a per-exec table (children.ts); their output is pulled by the
 * guest with `child.read`, so it crosses only as fast as the guest consumes it.
 */
import type { ChildProcessAccessRequest, CommandExecutor, CommandSpawnSyncOptions, CommandSpawnSyncResult } from "../../driver/types.js";
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type CallMode, type Granted, type Op, type OpContext, type PermissionRequest } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { resolveGuestPath } from "../_host/paths.js";
import { readableEnv, readableEnvAsync } from "../process/host.js";
import { childTable, MAX_QUEUED_BYTES, runToEnd, SIGNALS } from "./children.js";

interface SpawnOptions {
  cwd?: string;
  /** The child's environment; absent: the guest's own (what the env permission lets it read). */
  env?: Record<string, string>;
}

interface SyncOptions extends SpawnOptions {
  maxBuffer?: number;
  timeoutMs?: number;
  killSignal?: string;
}

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");

const isArgs = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 65536 && v.every((x) => typeof x === "string");

const isSpawnOptions = (v: unknown): v is SyncOptions => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    (o.cwd === undefined || typeof o.cwd === "string") &&
    (o.env === undefined || isStringRecord(o.env)) &&
    (o.maxBuffer === undefined || (typeof o.maxBuffer === "number" && o.maxBuffer >= 0)) &&
    (o.timeoutMs === undefined || (typeof o.timeoutMs === "number" && o.timeoutMs > 0)) &&
    (o.killSignal === undefined || (typeof o.killSignal === "string" && Object.hasOwn(SIGNALS, o.killSignal)))
  );
};

const argsArg: arg.Decoder<string[]> = arg.json(isArgs, "an array of strings");
const optionsArg: arg.Decoder<SyncOptions> = arg.json(isSpawnOptions, "spawn options");
const inputArg: arg.Decoder<Uint8Array | undefined> = arg.optional(arg.bytes);

function executor(cx: OpContext): CommandExecutor {
  const e = cx.driver.commandExecutor;
  if (!e) {
    throw OpError.node(
      "ERR_SANDBOX_NOT_SUPPORTED",
      "child processes are not available: this sandbox has no commandExecutor (pass one to createNodeDriver, e.g. createNodeCommandExecutor())",
    );
  }
  return e;
}

function noNulls(what: string, s: string): void {
  if (s.includes("\u0000")) {
    throw OpError.node("ERR_INVALID_ARG_VALUE", `The argument '${what}' must be a string without null bytes. Received ${JSON.stringify(s.slice(0, 64))}`);
  }
}

/** The command and its arguments are fit to run (checked before any env callback is asked). */
function checkCommand(command: string, args: string[], cx: OpContext): void {
  executor(cx);
  noNulls("file", command);
  args.forEach((a, i) => noNulls(`args[${i}]`, a));
  if (command.length === 0) throw OpError.node("ERR_INVALID_ARG_VALUE", "The argument 'file' cannot be empty. Received ''");
}

/** What the permission callback sees, and later exactly what the executor gets. */
function spawnRequest(command: string, args: string[], o: SpawnOptions, env: Record<string, string>, cx: OpContext): ChildProcessAccessRequest {
  for (const [k, v] of Object.entries(env)) {
    noNulls(`options.env['${k}']`, k);
    noNulls(`options.env['${k}']`, v);
  }
  const request: ChildProcessAccessRequest = { command, args: args.slice(), env: { ...env } };
  if (o.cwd !== undefined) {
    noNulls("options.cwd", o.cwd);
    request.cwd = resolveGuestPath(cx.exec.cwd, o.cwd);
  }
  return request;
}

/**
 * The permission builder of both spawn ops. A child given no `env` gets the guest's own,
 * as its process.env shows it: only keys the env permission lets it read. Filtering
 * asks the env callback per key; a synchronous call asks with `cx.allowed` (an async
 * callback counts as a denial in-process), an asynchronous one — worker mode, even for
 * `execSync` — awaits `cx.allowedAsync`, so async env callbacks filter there.
 */
function spawnPermission(command: string, args: string[], o: SpawnOptions, cx: OpContext, mode: CallMode): PermissionRequest[] | Promise<PermissionRequest[]> {
  checkCommand(command, args, cx);
  const requests = (env: Record<string, string>): PermissionRequest[] => [{ kind: "childProcess", request: spawnRequest(command, args, o, env, cx) }];
  if (o.env !== undefined) return requests(o.env);
  if (mode === "async") return readableEnvAsync(cx).then((entries) => requests(Object.fromEntries(entries)));
  return requests(Object.fromEntries(readableEnv(cx)));
}

function granted(g: Granted): ChildProcessAccessRequest {
  const r = g.requests[0];
  if (!r || r.kind !== "childProcess") throw new Error("spawn without a granted childProcess request");
  return r.request;
}

/** A failure of the executor itself, in Node's `spawn <file> <CODE>` shape. */
function spawnFailure(e: unknown, command: string): OpError {
  if (e instanceof OpError) return e;
  const code = typeof (e as { code?: unknown })?.code === "string" ? (e as { code: string }).code : "EIO";
  return new OpError({ code, errno: errnoOf(code), syscall: `spawn ${command}`, path: command, message: `spawn ${command} ${code}` });
}

function errnoOf(code: string): number {
  const table: Record<string, number> = { ENOENT: -2, EACCES: -13, EAGAIN: -11, ENOTDIR: -20, EINVAL: -22, ENOBUFS: -105, ETIMEDOUT: -110, EPERM: -1, E2BIG: -7 };
  return table[code] ?? -5;
}

const spawn = defineOp({
  name: "child.spawn",
  args: [arg.string, argsArg, optionsArg],
  syscall: "spawn",
  permission: ([command, args, o], cx, mode) => spawnPermission(command, args, o, cx, mode),
  sync: (cx, _args, g) => {
    const req = granted(g);
    const table = childTable(cx.exec);
    const child = table.create();
    try {
      const proc = executor(cx).spawn(req.command, req.args.slice(), {
        ...(req.cwd !== undefined ? { cwd: req.cwd } : {}),
        env: { ...req.env },
        onStdout: (d) => child.output(1, d),
        onStderr: (d) => child.output(2, d),
      });
      child.attach(proc);
    } catch (e) {
      table.discard(child);
      throw spawnFailure(e, req.command);
    }
    return child.id;
  },
});

/** The next output and exit events of a child: `[{ fd, data } | { error } | { exit }]`. */
const read = defineOp({
  name: "child.read",
  args: [arg.integer],
  async: async (cx, [id]) => {
    const table = childTable(cx.exec);
    const events = await table.get(id).read();
    if (events.length === 0 || events.some((e) => "exit" in e)) table.forget(id);
    return events;
  },
});

const write = defineOp({
  name: "child.write",
  args: [arg.integer, arg.bytes],
  syscall: "write",
  sync: (cx, [id, data]) => {
    childTable(cx.exec).get(id).write(data);
    return true;
  },
});

const closeStdin = defineOp({
  name: "child.closeStdin",
  args: [arg.integer],
  sync: (cx, [id]) => {
    childTable(cx.exec).get(id).closeStdin();
  },
});

const kill = defineOp({
  name: "child.kill",
  args: [arg.integer, arg.integer],
  syscall: "kill",
  sync: (cx, [id, signal]) => {
    if (signal < 0 || signal > 64) throw OpError.node("ERR_UNKNOWN_SIGNAL", `Unknown signal: ${signal}`);
    return childTable(cx.exec).get(id).kill(signal);
  },
});

/** What a sync spawn hands the executor: the granted request and the run's bounds. */
function syncOptions(req: ChildProcessAccessRequest, o: SyncOptions, input: Uint8Array | undefined): CommandSpawnSyncOptions {
  return {
    ...(req.cwd !== undefined ? { cwd: req.cwd } : {}),
    env: { ...req.env },
    ...(input !== undefined ? { input } : {}),
    maxBuffer: Math.min(o.maxBuffer ?? 1024 * 1024, MAX_QUEUED_BYTES),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.killSignal !== undefined ? { killSignal: o.killSignal } : {}),
  };
}

/** What crosses back: only plain data, never more than the bound (a custom executor may ignore maxBuffer). */
function syncReply(r: CommandSpawnSyncResult, maxBuffer: number) {
  const cut = (b: Uint8Array) => (b.byteLength > maxBuffer ? b.slice(0, maxBuffer) : b.slice());
  const code = r.error?.code;
  return {
    status: typeof r.status === "number" ? r.status : null,
    signal: typeof r.signal === "string" ? r.signal : null,
    stdout: cut(r.stdout),
    stderr: cut(r.stderr),
    ...(typeof code === "string" ? { error: { code, errno: errnoOf(code) } } : {}),
  };
}

/**
 * Runs a command to the end (execSync & co.). In-process the sync form needs an executor
 * with `spawnSync`. The async form — what worker mode serves the guest's sync APIs with,
 * on the host's own thread — never blocks: it runs the child with the executor's async
 * `spawn` under the same rules (children.ts `runToEnd`) and answers the same way.
 */
const spawnSync = defineOp({
  name: "child.spawnSync",
  args: [arg.string, argsArg, optionsArg, inputArg],
  syscall: "spawnSync",
  permission: ([command, args, o], cx, mode) => spawnPermission(command, args, o, cx, mode),
  sync: (cx, [, , o, input], g) => {
    const req = granted(g);
    const e = executor(cx);
    if (!e.spawnSync) {
      throw OpError.node(
        "ERR_SANDBOX_SYNC_UNAVAILABLE",
        "child_process sync APIs need a commandExecutor with spawnSync; the configured one is async-only. Use spawn/exec/execFile, or run the sandbox in worker mode",
      );
    }
    const opts = syncOptions(req, o, input);
    let r: CommandSpawnSyncResult;
    try {
      r = e.spawnSync(req.command, req.args.slice(), opts);
    } catch (err) {
      throw spawnFailure(err, req.command);
    }
    return syncReply(r, opts.maxBuffer);
  },
  async: async (cx, [, , o, input], g) => {
    const req = granted(g);
    const opts = syncOptions(req, o, input);
    let r: CommandSpawnSyncResult;
    try {
      r = await runToEnd(executor(cx), req.command, req.args.slice(), opts, childTable(cx.exec));
    } catch (err) {
      throw spawnFailure(err, req.command);
    }
    return syncReply(r, opts.maxBuffer);
  },
});

export const childProcessOps: Op[] = [spawn, read, write, closeStdin, kill, spawnSync];
