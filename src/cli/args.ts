/**
 * The command line of `quicksand`: its commands, its flags (Deno's permission flags plus
 * quicksand's limits), and the help text that lists them. Parsing only: nothing here
 * touches the sandbox. A bad command line throws a UsageError, which main.ts reports with
 * exit code 2.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, posix, resolve } from "node:path";

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type Command = "run" | "eval" | "repl" | "help" | "version";

/** A permission flag's value: everything (`--allow-read`), or the listed entries. */
export type Allow<T> = "all" | readonly T[];

/** One `--allow-net` entry: a host, with one port or any port. */
export interface NetEntry {
  /** Lower-case; an IPv6 address without brackets. */
  host: string;
  port?: number;
}

/** One `--mount hostdir:sandboxdir[:ro]`. */
export interface MountSpec {
  /** Absolute host directory, symbolic links resolved. */
  host: string;
  /** Normalized absolute path inside the sandbox. */
  at: string;
  readOnly: boolean;
}

export interface CliOptions {
  command: Command;
  /** Absolute host paths (each given path, and where its links lead). Absent: denied. */
  allowRead?: Allow<string>;
  allowWrite?: Allow<string>;
  allowNet?: Allow<NetEntry>;
  allowEnv?: Allow<string>;
  allowRun?: Allow<string>;
  /** MB */
  memory?: number;
  /** ms */
  cpu?: number;
  /** ms */
  wall?: number;
  /** The project directory whose node_modules appears read-only at /root/node_modules. */
  nodeModules?: string;
  worker: boolean;
  mounts: MountSpec[];
  /** The script path (`run`) or the code (`eval`). */
  target?: string;
  /** What follows the script or code: the guest's process.argv after it. */
  args: string[];
}

export const HELP = `quicksand: run JavaScript in a QuickJS WebAssembly sandbox with a Node.js world.
Nothing outside the sandbox is reachable unless a flag allows it.

Usage:
  quicksand run [flags] <script> [args...]   run a file (CommonJS or ES module, as Node decides)
  quicksand eval [flags] '<code>' [args...]  run code given on the command line
  quicksand repl [flags]                     read-eval-print loop (each input runs in a fresh context)
  quicksand --help | --version

Permissions (Deno's flags; a list is comma-separated and needs '='):
  --allow-read[=<paths>]         read files and directories (the whole tree under each path)
  --allow-write[=<paths>]        create, change and delete files and directories
  --allow-net[=<hosts>]          network: host, host:port, [ipv6]:port; fetch, http, dns, listen
  --allow-env[=<names>]          read and set these environment variables of the host
  --allow-run[=<commands>]       start these commands as host processes
  -A, --allow-all                all of the above, without lists

Filesystem:
  --mount <hostdir>:<sandboxdir>[:ro]
                                 instead of the host's files at their real paths, show only
                                 these directories (repeatable; ':ro' refuses writes with EROFS)
  --node-modules <dir>           <dir>/node_modules read-only at /root/node_modules, for
                                 require/import of its packages from any directory

Limits:
  --memory <MB>                  memory limit of the sandbox (16-4096, default 128)
  --cpu <ms>                     CPU time limit (default 30000); exceeded: exit code 124
  --wall <ms>                    wall-clock time limit; exceeded: exit code 124
  --worker                       run the guest on a worker thread (a watchdog enforces --cpu
                                 even inside one long native call)

Other:
  -h, --help                     this text
  -V, --version                  quicksand's version

The script's stdin, its arguments (process.argv = [execPath, script, ...args]) and its exit
code pass through: 0, process.exit(n), 1 on an uncaught error, 124 CPU or wall time, 134
memory. A bad command line exits with 2. A denied access prints one line to stderr naming
the flag that would allow it.
`;

const PERMISSION_FLAGS = ["read", "write", "net", "env", "run"] as const;
type PermissionName = (typeof PERMISSION_FLAGS)[number];
const VALUE_FLAGS = ["--memory", "--cpu", "--wall", "--node-modules", "--mount"] as const;

/** Parses `argv` (without node and the script name). */
export function parseArgs(argv: readonly string[], cwd: string): CliOptions {
  const options: CliOptions = { command: "help", worker: false, mounts: [], args: [] };
  const first = argv[0];
  if (first === undefined || first === "-h" || first === "--help" || first === "help") return options;
  if (first === "-V" || first === "--version") return { ...options, command: "version" };
  if (first !== "run" && first !== "eval" && first !== "repl") {
    throw new UsageError(first.startsWith("-") ? `unknown flag ${first} before the command` : `unknown command "${first}"; the commands are run, eval and repl`);
  }
  options.command = first;
  let i = 1;
  for (; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      i++;
      break;
    }
    if (!token.startsWith("-") || token === "-") break;
    if (token === "-h" || token === "--help") return { ...options, command: "help" };
    const eq = token.indexOf("=");
    const name = eq === -1 ? token : token.slice(0, eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    if (name === "-A" || name === "--allow-all") {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      for (const p of PERMISSION_FLAGS) setAllow(options, p, "all");
      continue;
    }
    const permission = PERMISSION_FLAGS.find((p) => name === `--allow-${p}`);
    if (permission) {
      setAllow(options, permission, inline === undefined ? "all" : parseList(permission, inline, cwd));
      continue;
    }
    if (name === "--worker") {
      if (inline !== undefined) throw new UsageError("--worker takes no value");
      options.worker = true;
      continue;
    }
    if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      let value = inline;
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
      }
      applyValue(options, name as (typeof VALUE_FLAGS)[number], value, cwd);
      continue;
    }
    throw new UsageError(`unknown flag ${name}`);
  }
  const rest = argv.slice(i);
  if (options.command === "repl") {
    if (rest.length > 0) throw new UsageError(`repl takes no arguments, got ${JSON.stringify(rest[0])}`);
  } else {
    if (rest.length === 0) throw new UsageError(options.command === "run" ? "run needs a script to run" : "eval needs code to run");
    options.target = rest[0];
    options.args = rest.slice(1);
  }
  if (options.mounts.length > 0 && (options.allowRead !== undefined || options.allowWrite !== undefined) && !allowsAllFs(options)) {
    throw new UsageError("--mount decides what the sandbox can read and write: use it without --allow-read and --allow-write (-A is fine)");
  }
  return options;
}

/** -A with --mount is fine (the mounts still confine the filesystem); lists are not. */
function allowsAllFs(o: CliOptions): boolean {
  return o.allowRead === "all" && o.allowWrite === "all";
}

function setAllow(options: CliOptions, name: PermissionName, value: Allow<string> | Allow<NetEntry>): void {
  const key = `allow${name[0]!.toUpperCase()}${name.slice(1)}` as "allowRead" | "allowWrite" | "allowNet" | "allowEnv" | "allowRun";
  const before = options[key] as Allow<unknown> | undefined;
  // Repeating a flag adds to its list; "everything" absorbs any list.
  const merged = before === "all" || value === "all" ? "all" : [...(before ?? []), ...value];
  (options as unknown as Record<string, unknown>)[key] = merged;
}

function parseList(name: PermissionName, text: string, cwd: string): readonly string[] | readonly NetEntry[] {
  const items = text.split(",");
  if (items.some((item) => item === "")) throw new UsageError(`--allow-${name}= needs a comma-separated list without empty entries, got ${JSON.stringify(text)}`);
  switch (name) {
    case "read":
    case "write":
      return items.flatMap((p) => hostPaths(p, cwd));
    case "net":
      return items.map(parseNetEntry);
    case "env":
      for (const item of items) {
        if (item.includes("=") || item.includes("\0")) throw new UsageError(`--allow-env: ${JSON.stringify(item)} is not an environment variable name`);
      }
      return items;
    case "run":
      return items;
  }
}

/** The absolute path, and where its symbolic links lead when it exists (the fs checks ask for both). */
function hostPaths(path: string, cwd: string): string[] {
  if (path.includes("\0")) throw new UsageError("a path may not contain a NUL byte");
  const absolute = resolve(cwd, path);
  let real = absolute;
  try {
    real = realpathSync(absolute);
  } catch {
    // Not there yet (a file the script will create): the path as given.
  }
  return real === absolute ? [absolute] : [absolute, real];
}

function parseNetEntry(text: string): NetEntry {
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (text.split(":").length === 2) {
    [host, portText] = text.split(":") as [string, string];
  }
  // A bare IPv6 address (several colons, no brackets) names a host on any port.
  if (host === "" || /[\s/@?#]/.test(host)) throw new UsageError(`--allow-net: ${JSON.stringify(text)} is not a host or host:port`);
  if (portText === undefined) return { host: host.toLowerCase() };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new UsageError(`--allow-net: the port in ${JSON.stringify(text)} must be an integer from 1 to 65535`);
  return { host: host.toLowerCase(), port };
}

function applyValue(options: CliOptions, name: (typeof VALUE_FLAGS)[number], value: string, cwd: string): void {
  switch (name) {
    case "--memory":
      options.memory = integer(name, value, 16, 4096, "MB");
      return;
    case "--cpu":
      options.cpu = integer(name, value, 1, Number.MAX_SAFE_INTEGER, "ms");
      return;
    case "--wall":
      options.wall = integer(name, value, 1, Number.MAX_SAFE_INTEGER, "ms");
      return;
    case "--node-modules":
      options.nodeModules = projectDir(value, cwd);
      return;
    case "--mount":
      addMount(options, value, cwd);
      return;
  }
}

function integer(name: string, value: string, min: number, max: number, unit: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number of ${unit} from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function existingDir(flag: string, path: string, cwd: string): string {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) throw new UsageError(`${flag}: ${JSON.stringify(path)} is not a directory`);
  return realpathSync(absolute);
}

/** The overlay wants the directory that holds node_modules; a path to node_modules itself is accepted too. */
function projectDir(path: string, cwd: string): string {
  const dir = existingDir("--node-modules", path, cwd);
  return basename(dir) === "node_modules" ? dirname(dir) : dir;
}

function addMount(options: CliOptions, value: string, cwd: string): void {
  const parts = value.split(":");
  if (parts.length < 2 || parts.length > 3 || (parts.length === 3 && parts[2] !== "ro" && parts[2] !== "rw")) {
    throw new UsageError(`--mount takes <hostdir>:<sandboxdir>[:ro], got ${JSON.stringify(value)}`);
  }
  const [hostText, atText] = parts as [string, string];
  if (hostText === "" || !atText.startsWith("/") || atText.includes("\0")) {
    throw new UsageError(`--mount ${JSON.stringify(value)}: the sandbox directory must be an absolute path`);
  }
  const host = existingDir("--mount", hostText, cwd);
  const at = posix.normalize(atText).replace(/(.)\/$/, "$1");
  for (const other of options.mounts) {
    if (isWithin(at, other.at) || isWithin(other.at, at)) {
      throw new UsageError(`--mount: ${at} and ${other.at} overlap; mount points may not be nested`);
    }
  }
  options.mounts.push({ host, at, readOnly: parts[2] === "ro" });
}

/** Is `path` the directory `dir` or inside it (both normalized absolute POSIX paths)? */
export function isWithin(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

/** Shell-quotes a value for a suggested command line when it needs it. */
export function shellWord(value: string): string {
  return /^[\w./:@%+,=[\]-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
