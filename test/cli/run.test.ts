/**
 * `quicksand run` and `quicksand eval` as a user meets them: the built binary in a child
 * process, its argv, stdin, output and exit codes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, quicksand, tempDir } from "./cli-helpers.js";

let dir: { path: string; remove(): void };
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

function script(name: string, code: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, code);
  return file;
}

describe("quicksand run", () => {
  it("starts with a #!/usr/bin/env node line, so package.json's bin runs it", () => {
    expect(readFileSync(CLI, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ quicksand: "./dist/cli.js" });
  });

  it("runs a script and streams its stdout and stderr", async () => {
    const file = script("hello.js", 'console.log("hello from", typeof require); console.error("to stderr");');
    const r = await quicksand(["run", file]);
    expect(r).toEqual({ code: 0, stdout: "hello from function\n", stderr: "to stderr\n" });
  });

  it("gives the guest process.argv = [execPath, script, ...args]", async () => {
    const file = script("argv.js", "console.log(JSON.stringify(process.argv))");
    const r = await quicksand(["run", file, "a", "--allow-read", "-x"]);
    expect(JSON.parse(r.stdout)).toEqual(["/usr/local/bin/node", file, "a", "--allow-read", "-x"]);
  });

  it("resolves a relative script path against the current directory", async () => {
    script("rel.js", "console.log(__filename, process.cwd())");
    const r = await quicksand(["run", "rel.js"], { cwd: dir.path });
    expect(r.stdout).toBe(`${join(dir.path, "rel.js")} ${dir.path}\n`);
  });

  it("pipes stdin to the guest's process.stdin", async () => {
    const file = script("upper.js", 'let s = ""; process.stdin.on("data", (d) => (s += d)); process.stdin.on("end", () => process.stdout.write(s.toUpperCase()));');
    const r = await quicksand(["run", file], { input: "line one\nline two\n" });
    expect(r).toMatchObject({ code: 0, stdout: "LINE ONE\nLINE TWO\n" });
  });

  it("runs an ES module with its static imports", async () => {
    script("lib.mjs", "export const answer = 42;");
    const file = script("main.mjs", 'import { answer } from "./lib.mjs"; import path from "node:path"; console.log(answer, path.basename(import.meta.filename));');
    const r = await quicksand(["run", file]);
    expect(r).toEqual({ code: 0, stdout: "42 main.mjs\n", stderr: "" });
  });

  it("exits with the guest's process.exit code", async () => {
    const r = await quicksand(["run", script("exit3.js", 'console.log("before"); process.exit(3); console.log("after")')]);
    expect(r).toEqual({ code: 3, stdout: "before\n", stderr: "" });
  });

  it("exits with 1 on an uncaught error, printing it as Node does", async () => {
    const r = await quicksand(["run", script("throw.js", 'throw new TypeError("bad thing")')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^TypeError: bad thing\n\s+at .*throw\.js:1/);
  });

  it("exits with 124 when --cpu ends an infinite loop, and says so", async () => {
    const r = await quicksand(["run", "--cpu", "200", script("loop.js", "for (;;) {}")]);
    expect(r).toEqual({ code: 124, stdout: "", stderr: "quicksand: CPU time limit of 200 ms exceeded\n" });
  });

  it("exits with 124 from --cpu in --worker mode too", async () => {
    const r = await quicksand(["run", "--worker", "--cpu=200", script("loop2.js", "let n = 0; for (;;) n++;")]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/^quicksand: CPU time limit of 200 ms exceeded/);
  });

  it("exits with 134 when --memory is exceeded", async () => {
    const r = await quicksand(["run", "--memory", "16", script("bomb.js", 'const a = []; for (;;) a.push("x".repeat(1 << 20) + a.length);')]);
    expect(r).toEqual({ code: 134, stdout: "", stderr: "quicksand: memory limit of 16 MB exceeded\n" });
  });

  it("fails with 1 and one line when the script cannot be read", async () => {
    const r = await quicksand(["run", join(dir.path, "missing.js")]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: 'quicksand: cannot read the script "' + join(dir.path, "missing.js") + '": no such file\n' });
  });
});

describe("quicksand eval", () => {
  it("runs code from the command line with its arguments", async () => {
    const r = await quicksand(["eval", "console.log(process.argv.slice(1), 6 * 7)", "x", "y"]);
    expect(r).toEqual({ code: 0, stdout: "[ 'x', 'y' ] 42\n", stderr: "" });
  });

  it("runs code with import syntax as an ES module", async () => {
    const r = await quicksand(["eval", 'import os from "node:os"; console.log(os.platform(), typeof import.meta.url)']);
    expect(r).toEqual({ code: 0, stdout: "linux string\n", stderr: "" });
  });

  it("runs code with a top-level await as an ES module", async () => {
    const r = await quicksand(["eval", 'await new Promise((resolve) => setTimeout(resolve, 10)); console.log("awaited", typeof require)']);
    expect(r).toEqual({ code: 0, stdout: "awaited undefined\n", stderr: "" });
  });

  it("passes stdin and the exit code through", async () => {
    const r = await quicksand(["eval", 'process.stdin.on("data", (d) => { process.stdout.write(String(d)); process.exitCode = 7; })'], { input: "piped" });
    expect(r).toEqual({ code: 7, stdout: "piped", stderr: "" });
  });
});

describe("the command line itself", () => {
  it("--help lists every flag", async () => {
    const r = await quicksand(["--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--allow-read", "--allow-write", "--allow-net", "--allow-env", "--allow-run", "--allow-all", "-A", "--mount", "--node-modules", "--memory", "--cpu", "--wall", "--worker", "--help", "--version", "run", "eval", "repl"]) {
      expect(r.stdout).toContain(flag);
    }
    expect((await quicksand(["run", "--help"])).stdout).toBe(r.stdout);
    expect((await quicksand([])).stdout).toBe(r.stdout);
  });

  it("--version prints the package's version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(await quicksand(["--version"])).toEqual({ code: 0, stdout: `quicksand ${pkg.version}\n`, stderr: "" });
  });

  it.each([
    [["run", "--allow-foo", "x.js"], "unknown flag --allow-foo"],
    [["frobnicate"], 'unknown command "frobnicate"; the commands are run, eval and repl'],
    [["run"], "run needs a script to run"],
    [["eval"], "eval needs code to run"],
    [["run", "--memory", "8", "x.js"], '--memory must be a whole number of MB from 16 to 4096, got "8"'],
    [["run", "--cpu", "-5", "x.js"], '--cpu must be a whole number of ms from 1 up, got "-5"'],
    [["run", "--cpu"], "--cpu needs a value"],
    [["run", "--allow-net=host:99999", "x.js"], '--allow-net: the port in "host:99999" must be an integer from 1 to 65535'],
    [["run", "--allow-read=", "x.js"], '--allow-read= needs a comma-separated list without empty entries, got ""'],
    [["run", "-A=1", "x.js"], "-A takes no value"],
    [["run", "--mount", "/definitely/not/here:/x", "x.js"], '--mount: "/definitely/not/here" is not a directory'],
    [["run", "--mount", "/tmp", "x.js"], '--mount takes <hostdir>:<sandboxdir>[:ro], got "/tmp"'],
    [["run", "--mount", "/tmp:/a", "--mount", "/tmp:/a/b", "x.js"], "--mount: /a/b and /a overlap; mount points may not be nested"],
    [["run", "--mount", "/tmp:/a", "--allow-read=/etc", "x.js"], "--mount decides what the sandbox can read and write: use it without --allow-read and --allow-write (-A is fine)"],
    [["repl", "extra"], 'repl takes no arguments, got "extra"'],
  ])("%j is a usage error: one clear line and exit code 2", async (args, message) => {
    const r = await quicksand(args);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `quicksand: ${message}\nRun 'quicksand --help' for the flags.\n` });
  });

  it("--wall ends a script that waits past it with 124", async () => {
    const r = await quicksand(["run", "--wall", "300", script("wall.js", "console.log(1); setInterval(() => {}, 50)")]);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe("1\n");
    expect(r.stderr).toMatch(/wall-clock time limit of 300 ms exceeded/);
  });
});
