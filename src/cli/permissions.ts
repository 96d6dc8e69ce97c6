/**
 * The CLI's permission callbacks: Deno's flags turned into the driver's deny-by-default
 * callbacks, and the one line a denial prints (`quicksand: denied read access to
 * "/etc/passwd"; run again with --allow-read=/etc/passwd`). The line is the CLI's own
 * report to its user on the host's stderr; the guest only sees the usual EACCES (or an
 * absent variable), never the line.
 */
import { accessSync, constants, lstatSync, realpathSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import type { ChildProcessAccessRequest, EnvAccessRequest, FsAccessRequest, FsOp, NetworkAccessRequest, PermissionDecision, Permissions } from "../driver/types.js";
import { isWithin, shellWord, type Allow, type NetEntry } from "./args.js";

/** Where the node_modules overlay appears in the sandbox (ModuleAccessFileSystem). */
export const OVERLAY = "/root/node_modules";

/** Operations that only look. */
const READ_OPS: ReadonlySet<FsOp> = new Set<FsOp>(["read", "stat", "readdir", "exists", "realpath", "access", "readlink"]);
/** Operations that change something. Any other op (copy names both of its paths) needs both. */
const WRITE_OPS: ReadonlySet<FsOp> = new Set<FsOp>(["write", "mkdir", "rm", "rename", "symlink", "link", "chmod", "utimes", "truncate"]);

export interface CliPolicy {
  read?: Allow<string>;
  write?: Allow<string>;
  net?: Allow<NetEntry>;
  env?: Allow<string>;
  run?: Allow<string>;
  /** --mount: the filesystem shows only the mounts, so every fs request inside it is allowed. */
  mounted: boolean;
  /** --node-modules: reads under /root/node_modules are allowed. */
  overlay: boolean;
  /** Paths the main module's loading reads (module-graph.ts): readable without --allow-read. */
  mainModule: ReadonlySet<string>;
  /** The host directory relative commands of --allow-run and of the guest resolve against. */
  cwd: string;
  /** The PATH a child starts with when the guest sets none. */
  childPath: string;
}

/** Prints each distinct denial once, as one line on stderr. */
export class DenialReporter {
  readonly #seen = new Set<string>();
  constructor(private readonly write: (line: string) => void) {}

  report(what: string, subject: string, flags: string[]): void {
    const line = `quicksand: denied ${what} access to ${JSON.stringify(subject)}; run again with ${flags.join(" ")}`;
    if (this.#seen.has(line)) return;
    this.#seen.add(line);
    this.write(`${line}\n`);
  }
}

function denied(flag: string): PermissionDecision {
  return { allow: false, reason: `quicksand was not run with ${flag}` };
}

function pathAllowed(list: Allow<string> | undefined, path: string): boolean {
  if (list === undefined) return false;
  return list === "all" || list.some((dir) => isWithin(path, dir));
}

/** Does something exist at `path` on the host? A denied probe of nothing is not worth a line. */
function existsOnHost(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function fsCallback(policy: CliPolicy, reporter: DenialReporter) {
  return (r: FsAccessRequest): PermissionDecision => {
    const needs: ("read" | "write")[] = READ_OPS.has(r.op) ? ["read"] : WRITE_OPS.has(r.op) ? ["write"] : ["read", "write"];
    if (policy.mounted) return { allow: true };
    if (policy.overlay && isWithin(r.path, OVERLAY)) {
      return needs.includes("write") ? { allow: false, reason: "the node_modules overlay is read-only" } : { allow: true };
    }
    // Module loading asks to stat and read; the main module's paths allow only that.
    if ((r.op === "stat" || r.op === "read") && policy.mainModule.has(r.path)) return { allow: true };
    const missing = needs.filter((kind) => !pathAllowed(kind === "read" ? policy.read : policy.write, r.path));
    if (missing.length === 0) return { allow: true };
    const flags = missing.map((kind) => `--allow-${kind}=${shellWord(r.path)}`);
    // Module resolution probes many candidate names; only one that exists is worth a line.
    if (missing.includes("write") || existsOnHost(r.path)) reporter.report(missing.join(" and "), r.path, flags);
    return denied(flags.join(" "));
  };
}

function netSubject(host: string, port: number | undefined): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

function netCallback(policy: CliPolicy, reporter: DenialReporter) {
  return (r: NetworkAccessRequest): PermissionDecision => {
    const host = (r.hostname ?? "").toLowerCase();
    const list = policy.net;
    // A DNS lookup names no port: any entry for the host covers it.
    const ok = list === "all" || (list !== undefined && host !== "" && list.some((e) => e.host === host && (e.port === undefined || r.port === undefined || e.port === r.port)));
    if (ok) return { allow: true };
    const subject = netSubject(host || String(r.url), r.port);
    reporter.report("net", subject, [`--allow-net=${shellWord(subject)}`]);
    return denied(`--allow-net=${subject}`);
  };
}

function envCallback(policy: CliPolicy, reporter: DenialReporter) {
  return (r: EnvAccessRequest): PermissionDecision => {
    const list = policy.env;
    if (list === "all" || (list !== undefined && list.includes(r.key))) return { allow: true };
    // Reads of variables the host does not have are not reported (the guest's own
    // libraries probe a few, such as NODE_DEBUG).
    if (r.op === "write" || Object.hasOwn(process.env, r.key)) reporter.report("env", r.key, [`--allow-env=${shellWord(r.key)}`]);
    return denied(`--allow-env=${r.key}`);
  };
}

/** The file a command name runs: a path as given, or the first executable of that name on `path`. */
export function whichFile(command: string, searchPath: string, cwd: string): string | undefined {
  const candidates = command.includes("/") ? [resolve(cwd, command)] : searchPath.split(delimiter).filter((d) => d !== "").map((d) => join(d, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return realpathSync(file);
    } catch {
      // Not here: the next directory.
    }
  }
  return undefined;
}

function runCallback(policy: CliPolicy, reporter: DenialReporter) {
  const list = policy.run;
  // Each entry stands for the file it names on the host's PATH at start-up, so a guest
  // that sets its own PATH cannot run another file under an allowed name.
  const files = new Set(list === "all" || list === undefined ? [] : list.map((c) => whichFile(c, process.env.PATH ?? "", policy.cwd)).filter((f): f is string => f !== undefined));
  return (r: ChildProcessAccessRequest): PermissionDecision => {
    if (list === "all") return { allow: true };
    if (list !== undefined) {
      const file = whichFile(r.command, r.env?.PATH ?? policy.childPath, r.cwd ?? policy.cwd);
      // An allowed name that finds no file at all may try: the spawn fails with ENOENT.
      if (file === undefined ? list.includes(r.command) : files.has(file)) return { allow: true };
    }
    reporter.report("run", r.command, [`--allow-run=${shellWord(r.command)}`]);
    return denied(`--allow-run=${r.command}`);
  };
}

/** The driver's permissions for a command line. */
export function cliPermissions(policy: CliPolicy, reporter: DenialReporter): Permissions {
  return {
    fs: fsCallback(policy, reporter),
    network: netCallback(policy, reporter),
    env: envCallback(policy, reporter),
    childProcess: runCallback(policy, reporter),
  };
}
