/**
 * `quicksand repl`, driven through its stdin: values printed, multi-line input, a fresh
 * context per input, errors, and (through a pseudo-terminal) the history file.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, quicksand, tempDir } from "./cli-helpers.js";

const BANNER = "quicksand repl: each input runs in a fresh sandbox context; nothing carries over between inputs.\nType .help for help, .exit or Ctrl-D to leave.\n";

describe("quicksand repl", () => {
  it("prints each input's value, and says in its banner that every input starts fresh", async () => {
    const r = await quicksand(["repl"], { input: '1 + 2\n"a" + "b"\n[1, { x: 2 }]\nconsole.log("printed")\n' });
    expect(r).toEqual({ code: 0, stdout: `${BANNER}3\n'ab'\n[ 1, { x: 2 } ]\nprinted\nundefined\n`, stderr: "" });
  });

  it("continues an input that does not parse yet on the next lines", async () => {
    const input = ["function f(a,", "  b) {", "  return a * b;", "}", "f(6, 7)", "[1,", " 2].map((n) =>", "  n * 10)", "`two", "lines`", "/* a comment", "over lines */ 5"].join("\n");
    // Each finished input ran alone: f is gone by the time f(6, 7) runs.
    const r = await quicksand(["repl"], { input: `${input}\n` });
    expect(r.stdout).toBe(`${BANNER}undefined\n[ 10, 20 ]\n'two\\nlines'\n5\n`);
    expect(r.stderr).toBe("Uncaught ReferenceError: f is not defined\n    at <eval> (<input>:1:1)\n");
    expect(r.code).toBe(0);
  });

  it("reports a syntax error and an input left unfinished at the end", async () => {
    const r = await quicksand(["repl"], { input: "1 +* 2\n(1 +\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(BANNER);
    expect(r.stderr.match(/^Uncaught SyntaxError/gm)).toHaveLength(2);
  });

  it("applies the permission flags to each input, with the one-line denial", async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, "f.txt"), "content");
      const input = `require("fs").readFileSync(${JSON.stringify(join(dir.path, "f.txt"))}, "utf8")\n`;
      const denied = await quicksand(["repl"], { input });
      expect(denied.stderr).toContain(`quicksand: denied read access to ${JSON.stringify(join(dir.path, "f.txt"))}; run again with --allow-read=${join(dir.path, "f.txt")}\n`);
      expect(denied.stderr).toContain("Uncaught Error: EACCES: permission denied");
      const allowed = await quicksand(["repl", `--allow-read=${dir.path}`], { input });
      expect(allowed).toEqual({ code: 0, stdout: `${BANNER}'content'\n`, stderr: "" });
    } finally {
      dir.remove();
    }
  });

  it("runs on after a limit ends an input", async () => {
    const r = await quicksand(["repl", "--cpu", "200"], { input: "for (;;) {}\n40 + 2\n" });
    expect(r).toEqual({ code: 0, stdout: `${BANNER}42\n`, stderr: "quicksand: CPU time limit of 200 ms exceeded\n" });
  });

  it(".help, .break and .exit", async () => {
    const r = await quicksand(["repl"], { input: ".help\n(1,\n.break\n7\n{\n.exit\n8\n" });
    expect(r.stdout).toContain(".break    discard a multi-line input");
    expect(r.stdout.endsWith("\n7\n")).toBe(true);
    expect(r.stdout).not.toContain("8");
    expect(r).toMatchObject({ code: 0, stderr: "" });
  });

  it("in a terminal, keeps its lines in the history file", () => {
    let hasScript = true;
    try {
      execFileSync("script", ["--version"], { stdio: "ignore" });
    } catch {
      hasScript = false;
    }
    // util-linux's script(1) gives the repl a pseudo-terminal; without it this cannot be observed.
    if (!hasScript) {
      console.warn("repl history test: script(1) from util-linux is not installed, so no pseudo-terminal to test with");
      return;
    }
    const dir = tempDir();
    try {
      const history = join(dir.path, "history");
      writeFileSync(history, "earlier line\n");
      const out = execFileSync("script", ["-qfec", `${process.execPath} ${CLI} repl`, "/dev/null"], {
        input: "40 + 2\r.exit\r",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", QUICKSAND_REPL_HISTORY: history, TERM: "dumb" },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(out).toContain("42");
      expect(readFileSync(history, "utf8")).toBe("earlier line\n40 + 2\n.exit\n");
    } finally {
      dir.remove();
    }
  });
});
