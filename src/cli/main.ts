/**
 * The `quicksand` command (package.json `bin`, built to dist/cli.js): `run`, `eval` and
 * `repl` over a NodeRuntime configured from Deno-style permission flags. The guest's
 * output streams to this process's stdout and stderr; its exit code becomes this
 * process's exit code. A bad command line exits with 2.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Script } from "node:vm";
import { parse as parseImports } from "es-module-lexer/js";
import type { ExecResult } from "../runtime/node-runtime.js";
import { ExitCode } from "../runtime/exit-codes.js";
import { HELP, parseArgs, UsageError, type CliOptions } from "./args.js";
import { startRepl } from "./repl.js";
import { createCliSandbox, type MainModule } from "./sandbox.js";

/** stdin is handed to the guest whole; past this the run is refused rather than held in memory. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

class CliFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** All of stdin as text, or "" for a terminal (the guest's stdin is not interactive). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of process.stdin) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      size += bytes.length;
      if (size > MAX_STDIN_BYTES) throw new CliFailure(`stdin is larger than ${MAX_STDIN_BYTES / 1048576} MiB, more than quicksand hands to a script`, 1);
      chunks.push(bytes);
    }
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    return ""; // No usable stdin (a closed descriptor): the guest reads nothing.
  }
  return Buffer.concat(chunks).toString("utf8");
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

/** Limits end a run without a word on the guest's stderr; say which one. */
function reportEnd(result: ExecResult): number {
  if (result.errorMessage !== undefined && result.code !== ExitCode.UNCAUGHT) process.stderr.write(`quicksand: ${result.errorMessage}\n`);
  return result.code;
}

async function execute(options: CliOptions, main: MainModule): Promise<number> {
  const sandbox = createCliSandbox(options, main, options.args);
  try {
    const stdin = await readStdin();
    return reportEnd(await sandbox.runtime.exec(main.source, { filePath: sandbox.filePath, stdin }));
  } finally {
    await sandbox.close();
  }
}

function runScript(options: CliOptions): Promise<number> {
  const hostPath = resolve(process.cwd(), options.target!);
  let source: string;
  try {
    source = readFileSync(hostPath, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CliFailure(`cannot read the script ${JSON.stringify(options.target)}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(code ?? error)}`, 1);
  }
  return execute(options, { hostPath, source });
}

/**
 * Code from the command line runs as CommonJS unless it has module syntax — import/export,
 * or a top-level await — as `node -e` decides in Node 22 (the package.json "type" of the
 * current directory plays no part). V8 only compiles the code here, to see whether a
 * script can hold it; it never runs on the host.
 */
function isModuleSource(source: string): boolean {
  try {
    if (parseImports(source)[3]) return true;
  } catch {
    return false; // Not even lexable: the sandbox reports the syntax error.
  }
  if (!/\bawait\b/.test(source)) return false;
  try {
    new Script(source);
    return false;
  } catch (error) {
    return error instanceof SyntaxError && /await is only valid/.test(error.message);
  }
}

function evalCode(options: CliOptions): Promise<number> {
  const source = options.target!;
  return execute(options, { name: isModuleSource(source) ? "[eval].mjs" : "[eval].cjs", source });
}

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv, process.cwd());
  switch (options.command) {
    case "help":
      process.stdout.write(HELP);
      return 0;
    case "version":
      process.stdout.write(`quicksand ${version()}\n`);
      return 0;
    case "run":
      return runScript(options);
    case "eval":
      return evalCode(options);
    case "repl":
      return startRepl(options);
  }
}

/** Waits until what was written to a stream has been handed to the system. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((done) => stream.write("", () => done()));
}

async function exit(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`quicksand: ${error.message}\nRun 'quicksand --help' for the flags.\n`);
    return exit(2);
  }
  if (error instanceof CliFailure) {
    process.stderr.write(`quicksand: ${error.message}\n`);
    return exit(error.code);
  }
  process.stderr.write(`quicksand: ${error instanceof Error ? error.message : String(error)}\n`);
  return exit(ExitCode.INTERNAL_ERROR);
});
