/**
 * `quicksand repl`: a plain read-eval-print loop. Each input runs in a fresh exec — a new
 * guest context on the same sandbox — so nothing one input defines is visible to the
 * next (the banner says so). Input that does not parse yet (an open brace, a call
 * missing its `)`) continues on the next line. In a terminal, lines are kept in
 * ~/.quicksand_history (or $QUICKSAND_REPL_HISTORY; empty disables it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { Script } from "node:vm";
import { ExitCode } from "../runtime/exit-codes.js";
import type { CliOptions } from "./args.js";
import { createCliSandbox, type CliSandbox } from "./sandbox.js";

export const BANNER = "quicksand repl: each input runs in a fresh sandbox context; nothing carries over between inputs.\nType .help for help, .exit or Ctrl-D to leave.\n";

const HELP = `.break    discard a multi-line input
.exit     leave the repl
.help     this text
Each input is evaluated in a fresh context, with the command line's permission flags.
`;

const COMMANDS = new Set([".break", ".clear", ".exit", ".help"]);
const HISTORY_SIZE = 1000;

/**
 * Does `source` stop in the middle of something (so more lines should follow)? V8 only
 * compiles it here, as a script; it never runs on the host. The guest's own parser judges
 * the finished input.
 */
export function isIncomplete(source: string): boolean {
  const compiles = (text: string) => {
    try {
      new Script(text, { filename: "[repl]" });
      return true;
    } catch (error) {
      if (error instanceof SyntaxError && /^(Unexpected end of input|Unterminated template literal)/.test(error.message)) return "incomplete";
      return false;
    }
  };
  const result = compiles(source);
  if (result === "incomplete") return true;
  // An unterminated block comment reads as a bad token: it is incomplete when closing it helps.
  return result === false && source.lastIndexOf("/*") > source.lastIndexOf("*/") && compiles(`${source}*/`) !== false;
}

/** The guest program for one input: indirect eval (a script's completion value), then print it. */
function wrap(source: string): string {
  return `globalThis.require = require; globalThis.module = module; globalThis.exports = exports;
const __quicksand_inspect = (v) => require("util").inspect(v);
let __quicksand_value;
try {
  __quicksand_value = (0, eval)(${JSON.stringify(source)});
} catch (error) {
  // The frames of this wrapper (and of eval itself) say nothing about the input.
  const text = __quicksand_inspect(error).split("\\n").filter((line) => !/^\\s+at (eval \\(native\\)|<anonymous> \\(.*\\[repl\\]\\.cjs:|apply \\(native\\)|runMain \\(node:internal)/.test(line));
  process.stderr.write("Uncaught " + text.join("\\n") + "\\n");
  process.exitCode = 1;
  return;
}
console.log(__quicksand_inspect(__quicksand_value));
`;
}

function historyFile(): string | undefined {
  const configured = process.env.QUICKSAND_REPL_HISTORY;
  if (configured !== undefined) return configured === "" ? undefined : configured;
  return join(homedir(), ".quicksand_history");
}

/** Lines newest first, as readline keeps them; the file holds them oldest first. */
export function loadHistory(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    return readFileSync(file, "utf8").split("\n").filter((line) => line.trim() !== "").reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

export function saveHistory(file: string | undefined, newestFirst: readonly string[]): void {
  if (file === undefined) return;
  try {
    writeFileSync(file, `${newestFirst.slice(0, HISTORY_SIZE).reverse().join("\n")}\n`, { mode: 0o600 });
  } catch {
    // History is a convenience: an unwritable file is not worth failing the session for.
  }
}

export async function startRepl(options: CliOptions): Promise<number> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const history = interactive ? historyFile() : undefined;
  let sandbox: CliSandbox = createCliSandbox(options, { name: "[repl].cjs", source: "" }, []);
  process.stdout.write(BANNER);
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    history: loadHistory(history),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: "> ",
  });
  rl.on("history", (lines: string[]) => saveHistory(history, lines));
  const prompt = (continued: boolean) => {
    if (!interactive) return;
    rl.setPrompt(continued ? "... " : "> ");
    rl.prompt();
  };

  let buffer = "";
  let running = false;
  let lastInterrupt = false;
  rl.on("SIGINT", () => {
    if (running) {
      // Ends the input (code 143); a fresh sandbox takes its place.
      sandbox.runtime.dispose();
      return;
    }
    if (buffer === "" && lastInterrupt) {
      rl.close();
      return;
    }
    lastInterrupt = buffer === "";
    buffer = "";
    process.stdout.write(lastInterrupt ? "\n(To exit, press Ctrl-C again or Ctrl-D, or type .exit)\n" : "\n");
    prompt(false);
  });

  const evaluate = async (source: string) => {
    running = true;
    try {
      const r = await sandbox.runtime.exec(wrap(source), { filePath: sandbox.filePath });
      if (r.errorMessage !== undefined && r.code !== ExitCode.UNCAUGHT) process.stderr.write(`quicksand: ${r.errorMessage}\n`);
    } finally {
      running = false;
    }
    if (sandbox.runtime.disposed) {
      await sandbox.close();
      sandbox = createCliSandbox(options, { name: "[repl].cjs", source: "" }, []);
    }
  };

  prompt(false);
  for await (const line of rl) {
    lastInterrupt = false;
    // Commands work inside a multi-line input too (that is what .break is for).
    const command = COMMANDS.has(line.trim()) ? line.trim() : "";
    if (command === ".exit") {
      buffer = "";
      break;
    }
    if (command === ".help" || command === ".break" || command === ".clear") {
      if (command === ".help") process.stdout.write(HELP);
      buffer = "";
      prompt(false);
      continue;
    }
    buffer = buffer === "" ? line : `${buffer}\n${line}`;
    if (buffer.trim() === "") {
      buffer = "";
      prompt(false);
      continue;
    }
    if (isIncomplete(buffer)) {
      prompt(true);
      continue;
    }
    const source = buffer;
    buffer = "";
    await evaluate(source);
    prompt(false);
  }
  // Input ended inside an unfinished statement: run it, so its syntax error is shown.
  if (buffer.trim() !== "") await evaluate(buffer);
  rl.close();
  await sandbox.close();
  return 0;
}
