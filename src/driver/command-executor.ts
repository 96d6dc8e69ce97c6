/**
 * The shipped CommandExecutor: runs the commands the guest was allowed to spawn as real
 * host processes (node:child_process). The permission check happens before any method
 * here is called (src/shims/child-process/host.ts); this file only decides how a granted
 * command runs: which environment it starts from, where, and with what limits.
 *
 * Children never see the host's environment unless asked: they start from `env` (empty by
 * default), and the guest's environment — what the sandbox's env permission let it see,
 * or what it passed explicitly, both visible to the childProcess callback — is laid over it.
 */
import { spawn as hostSpawn, spawnSync as hostSpawnSync } from "node:child_process";
import { constants } from "node:os";
import type { CommandExecutor, CommandSpawnOptions, CommandSpawnSyncOptions, CommandSpawnSyncResult, SpawnedProcess } from "./types.js";

export interface NodeCommandExecutorOptions {
  /**
   * Environment every child starts with; the guest's variables are laid over it.
   * Default `{}`: nothing of the host's environment (no secrets, no host PATH — a child
   * resolves bare command names against the system default path `/usr/bin:/bin`).
   */
  env?: Record<string, string>;
  /** Start from the host's own `process.env` (under `env` and the guest's). Default false. */
  inheritEnv?: boolean;
  /** Host directory a child runs in when the guest names no `cwd`. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Wall-clock limit of one child in ms; it (and its process group) is killed with
   * SIGKILL after. A guest's own `timeout` applies too: the smaller one wins. Default: none.
   */
  timeoutMs?: number;
}

/**
 * A CommandExecutor that runs commands as host processes, with `spawnSync` for the
 * guest's synchronous APIs (`execSync`, `spawnSync`, `execFileSync`).
 *
 * @example
 * const driver = createNodeDriver({
 *   commandExecutor: createNodeCommandExecutor({ env: { PATH: "/usr/bin:/bin" } }),
 *   permissions: { childProcess: (req) => req.command === "ls" },
 * });
 */
export function createNodeCommandExecutor(options: NodeCommandExecutorOptions = {}): CommandExecutor {
  const opts = validate(options);
  const envFor = (guest: Record<string, string> | undefined): Record<string, string> => ({
    ...(opts.inheritEnv ? (process.env as Record<string, string>) : {}),
    ...opts.env,
    ...guest,
  });

  return {
    spawn(command: string, args: string[], o: CommandSpawnOptions): SpawnedProcess {
      const child = hostSpawn(command, args, {
        cwd: o.cwd ?? opts.cwd,
        env: envFor(o.env),
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
        // Its own process group, so a kill reaches what it started too (`sh -c "a | b"`).
        detached: process.platform !== "win32",
      });
      child.stdout.on("data", (chunk: Buffer) => o.onStdout?.(new Uint8Array(chunk)));
      child.stderr.on("data", (chunk: Buffer) => o.onStderr?.(new Uint8Array(chunk)));
      // A child that exits without reading its stdin makes later writes fail with EPIPE;
      // the guest learns that from its own write, not from an unhandled host error.
      child.stdin.on("error", () => {});
      let signal: string | null = null;
      let timedOut = false;
      const kill = (sig: number | NodeJS.Signals) => {
        try {
          // The whole group: a shell's own children must not outlive a kill or a dispose.
          if (child.pid !== undefined && process.platform !== "win32") process.kill(-child.pid, sig);
          else child.kill(sig);
        } catch {
          child.kill(sig);
        }
      };
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              kill("SIGKILL");
            }, opts.timeoutMs);
      const done = new Promise<number>((resolve, reject) => {
        child.once("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.once("close", (code, sig) => {
          clearTimeout(timer);
          signal = sig;
          resolve(code ?? 128 + (sig ? (constants.signals as Record<string, number>)[sig] ?? 0 : 0));
        });
      });
      // Nobody may be waiting yet; an ENOENT must not become an unhandled rejection.
      done.catch(() => {});
      return {
        writeStdin: (data) => {
          if (!child.stdin.destroyed) child.stdin.write(data);
        },
        closeStdin: () => {
          if (!child.stdin.destroyed) child.stdin.end();
        },
        kill: (sig) => kill(sig ?? "SIGTERM"),
        wait: () => done,
        exitSignal: () => signal,
        timedOut: () => timedOut,
      };
    },

    spawnSync(command: string, args: string[], o: CommandSpawnSyncOptions): CommandSpawnSyncResult {
      // The stricter limit wins: the host's (with its SIGKILL) when it is the smaller.
      const hostWins = opts.timeoutMs !== undefined && (o.timeoutMs === undefined || opts.timeoutMs < o.timeoutMs);
      const timeout = hostWins ? opts.timeoutMs : o.timeoutMs;
      const killSignal = (hostWins ? "SIGKILL" : o.killSignal ?? "SIGTERM") as NodeJS.Signals;
      const r = hostSpawnSync(command, args, {
        cwd: o.cwd ?? opts.cwd,
        env: envFor(o.env),
        input: o.input,
        maxBuffer: o.maxBuffer,
        windowsHide: true,
        ...(timeout !== undefined ? { timeout, killSignal } : {}),
      });
      const error = r.error as (Error & { code?: string }) | undefined;
      return {
        status: r.status,
        signal: r.signal,
        stdout: new Uint8Array(r.stdout ?? new Uint8Array(0)),
        stderr: new Uint8Array(r.stderr ?? new Uint8Array(0)),
        ...(error ? { error: { code: error.code ?? "EIO" } } : {}),
      };
    },
  };
}

function validate(o: NodeCommandExecutorOptions): NodeCommandExecutorOptions {
  const where = "createNodeCommandExecutor";
  if (o === null || typeof o !== "object") throw new TypeError(`${where}: options must be an object`);
  if (o.env !== undefined) {
    if (o.env === null || typeof o.env !== "object") throw new TypeError(`${where}: env must be an object of strings`);
    for (const [k, v] of Object.entries(o.env)) {
      if (typeof v !== "string") throw new TypeError(`${where}: env.${k} must be a string, got ${typeof v}`);
    }
  }
  if (o.inheritEnv !== undefined && typeof o.inheritEnv !== "boolean") throw new TypeError(`${where}: inheritEnv must be a boolean`);
  if (o.cwd !== undefined && typeof o.cwd !== "string") throw new TypeError(`${where}: cwd must be a string`);
  if (o.timeoutMs !== undefined && !(typeof o.timeoutMs === "number" && o.timeoutMs > 0)) {
    throw new TypeError(`${where}: timeoutMs must be a positive number`);
  }
  return { ...o, env: { ...o.env } };
}
