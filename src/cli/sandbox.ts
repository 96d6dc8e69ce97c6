/**
 * From a command line to a NodeRuntime: the filesystem the guest sees (the host's files at
 * their real paths, or only the --mount directories), the permission callbacks, the
 * environment, argv, the limits, and where output goes.
 */
import { realpathSync } from "node:fs";
import { basename, dirname, relative, sep } from "node:path";
import { createNodeCommandExecutor } from "../driver/command-executor.js";
import { createInMemoryFileSystem } from "../driver/in-memory-fs.js";
import { createNodeDriver } from "../driver/node-driver.js";
import { NodeFileSystem } from "../driver/node-fs.js";
import type { CommandExecutor, VirtualFileSystem } from "../driver/types.js";
import { NodeRuntime } from "../runtime/node-runtime.js";
import type { NodeRuntimeOptions } from "../runtime/options.js";
import type { StdioHandler } from "../runtime/stdio.js";
import { WorkerPool } from "../runtime/worker/pool.js";
import { isWithin, UsageError, type CliOptions } from "./args.js";
import { mainModulePaths } from "./module-graph.js";
import { MountFileSystem, type Mount } from "./mount-fs.js";
import { cliPermissions, DenialReporter } from "./permissions.js";

/** process.execPath and argv[0] inside the sandbox (the runtime's own default). */
export const GUEST_EXEC_PATH = "/usr/local/bin/node";

/** Output one run may write before it is cut with a marker (the library's default is 1 MiB). */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The PATH a child process gets when the guest sets none: the host's own. */
const CHILD_PATH = process.env.PATH ?? "/usr/bin:/bin";

/**
 * --wall: the runtime's wall-clock limit, `wallTimeLimitMs` (issue 13). This build's
 * NodeRuntime does not have that option, so the flag fails with a clear error rather
 * than being ignored. Where the runtime has it, this returns `{ wallTimeLimitMs: ms }`.
 */
export function wallTimeOptions(ms: number | undefined): Partial<NodeRuntimeOptions> {
  // Like node and deno, a script on the command line may run as long as it likes (a server)
  // unless --wall bounds it.
  return { wallTimeLimitMs: ms ?? Infinity };
}

/** What the guest runs as its main module. */
export interface MainModule {
  /** The script's host path (`run`), or undefined for code from the command line. */
  hostPath?: string;
  /** Its name when it is not a file: "[eval].cjs", "[eval].mjs", "[repl].cjs" (in the guest's cwd). */
  name?: string;
  source: string;
}

export interface CliSandbox {
  runtime: NodeRuntime;
  /** The main module's path inside the sandbox. */
  filePath: string;
  /** The guest's working directory. */
  cwd: string;
  /** Ends what the sandbox holds (the worker pool); the runtime is disposed too. */
  close(): Promise<void>;
}

interface Filesystem {
  fs: VirtualFileSystem;
  cwd: string;
  /** The main module's sandbox path. */
  filePath: string;
  /** A guest directory's host directory, where a child process can start. */
  hostDir(guestDir: string | undefined): string | undefined;
}

/** Deno's view: the host's files at their real paths, every access gated by the flags. */
function hostFilesystem(main: MainModule, hostCwd: string): Filesystem {
  return {
    fs: new NodeFileSystem({ root: "/" }),
    cwd: hostCwd,
    filePath: main.hostPath ?? `${hostCwd === "/" ? "" : hostCwd}/${main.name}`,
    hostDir: (dir) => dir,
  };
}

/** Where a host path appears under the mounts, if it does. */
function sandboxPathOf(hostPath: string, mounts: CliOptions["mounts"]): string | undefined {
  for (const m of mounts) {
    const rel = relative(m.host, hostPath);
    if (rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..")) {
      const tail = rel === "" ? "" : `/${rel.split(sep).join("/")}`;
      return m.at === "/" ? tail || "/" : `${m.at}${tail}`;
    }
  }
  return undefined;
}

/** --mount: only the named directories, each at its sandbox path. */
function mountedFilesystem(o: CliOptions, main: MainModule, hostCwd: string): Filesystem {
  const mounts: Mount[] = o.mounts.map((m) => ({ at: m.at, fs: new NodeFileSystem({ root: m.host }), readOnly: m.readOnly }));
  const cwd = sandboxPathOf(hostCwd, o.mounts) ?? "/";
  let filePath = `${cwd === "/" ? "" : cwd}/${main.name}`;
  if (main.hostPath !== undefined) {
    const real = realpathSync(main.hostPath);
    const inside = sandboxPathOf(real, o.mounts);
    if (inside !== undefined) {
      filePath = inside;
    } else {
      // A script outside every mount is shown alone, read-only, at its own path.
      const dir = dirname(real);
      const clash = o.mounts.find((m) => isWithin(dir, m.at) || isWithin(m.at, dir));
      if (clash) throw new UsageError(`the script ${real} is outside every --mount, and its directory overlaps the mount point ${clash.at}; mount the script's directory too`);
      const single = createInMemoryFileSystem();
      single.writeFileSync(`/${basename(real)}`, main.source);
      mounts.push({ at: dir, fs: single, readOnly: true });
      filePath = real;
    }
  }
  const hostDir = (dir: string | undefined): string | undefined => {
    const m = dir === undefined ? undefined : o.mounts.find((mount) => isWithin(dir, mount.at));
    if (!m || dir === undefined) return hostCwd;
    const rest = m.at === "/" ? dir : dir.slice(m.at.length);
    return `${m.host}${rest === "/" ? "" : rest}`;
  };
  return { fs: new MountFileSystem(mounts), cwd, filePath, hostDir };
}

/** The host environment the guest may see: all of it, the listed names, or nothing. */
function guestEnv(allow: CliOptions["allowEnv"]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && (allow === "all" || (allow !== undefined && allow.includes(key)))) env[key] = value;
  }
  return env;
}

/** Loopback ports named in --allow-net: the default adapter's SSRF defence lets those through. */
function loopbackPorts(allow: CliOptions["allowNet"]): number[] {
  if (allow === undefined || allow === "all") return [];
  const loopback = (host: string) => host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  const entries = allow.filter((e) => loopback(e.host));
  // A loopback host without a port allows every port on it, as in Deno.
  if (entries.some((e) => e.port === undefined)) return Array.from({ length: 65535 }, (_, i) => i + 1);
  return [...new Set(entries.map((e) => e.port!))];
}

/** Children start in the host directory behind the guest's cwd (or the host's cwd). */
function commandExecutor(files: Filesystem): CommandExecutor {
  const base = createNodeCommandExecutor({ env: { PATH: CHILD_PATH } });
  return {
    spawn: (command, args, options) => base.spawn(command, args, { ...options, cwd: files.hostDir(options.cwd) }),
    spawnSync: (command, args, options) => base.spawnSync!(command, args, { ...options, cwd: files.hostDir(options.cwd) }),
  };
}

/** The guest's output, straight to the host's stdout and stderr. */
const toHostStdio: StdioHandler = ({ channel, message }) => {
  process[channel].write(message);
};

export function createCliSandbox(o: CliOptions, main: MainModule, args: string[]): CliSandbox {
  const wall = wallTimeOptions(o.wall);
  const hostCwd = process.cwd();
  const files = o.mounts.length > 0 ? mountedFilesystem(o, main, hostCwd) : hostFilesystem(main, hostCwd);
  const filesystem = files.fs;
  const mounted = o.mounts.length > 0;
  const reporter = new DenialReporter((line) => process.stderr.write(line));
  const permissions = cliPermissions(
    {
      ...(o.allowRead !== undefined ? { read: o.allowRead } : {}),
      ...(o.allowWrite !== undefined ? { write: o.allowWrite } : {}),
      ...(o.allowNet !== undefined ? { net: o.allowNet } : {}),
      ...(o.allowEnv !== undefined ? { env: o.allowEnv } : {}),
      ...(o.allowRun !== undefined ? { run: o.allowRun } : {}),
      mounted,
      overlay: o.nodeModules !== undefined,
      mainModule: mounted ? new Set() : mainModulePaths(filesystem, files.filePath, main.source),
      cwd: hostCwd,
      childPath: CHILD_PATH,
    },
    reporter,
  );
  const argv = main.hostPath !== undefined ? [GUEST_EXEC_PATH, files.filePath, ...args] : [GUEST_EXEC_PATH, ...args];
  const systemDriver = createNodeDriver({
    filesystem,
    // The overlay only when asked for: otherwise the host's files are seen where they are.
    moduleAccess: o.nodeModules === undefined ? false : { cwd: o.nodeModules },
    permissions,
    useDefaultNetwork: true,
    loopbackExemptPorts: loopbackPorts(o.allowNet),
    commandExecutor: commandExecutor(files),
    processConfig: { cwd: files.cwd, env: guestEnv(o.allowEnv), argv, execPath: GUEST_EXEC_PATH },
  });
  const pool = o.worker ? new WorkerPool({ size: 1 }) : undefined;
  const runtime = new NodeRuntime({
    systemDriver,
    ...(o.memory !== undefined ? { memoryLimit: o.memory } : {}),
    ...(o.cpu !== undefined ? { cpuTimeLimitMs: o.cpu } : {}),
    ...wall,
    resourceBudgets: { maxOutputBytes: MAX_OUTPUT_BYTES },
    onStdio: toHostStdio,
    ...(pool ? { workerPool: pool } : {}),
  });
  return {
    runtime,
    filePath: files.filePath,
    cwd: files.cwd,
    async close() {
      runtime.dispose();
      await pool?.close();
    },
  };
}
