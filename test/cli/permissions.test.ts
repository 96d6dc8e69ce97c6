/**
 * The permission flags of the `quicksand` binary: the guest sees the host's files at their
 * real paths, and each access passes the flags; a denial prints one line naming the flag
 * that would allow it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quicksand, tempDir } from "./cli-helpers.js";

let dir: { path: string; remove(): void };
let outside: { path: string; remove(): void };
beforeAll(() => {
  dir = tempDir();
  outside = tempDir();
  writeFileSync(join(dir.path, "data.txt"), "the data");
  writeFileSync(join(outside.path, "secret.txt"), "the secret");
});
afterAll(() => {
  dir.remove();
  outside.remove();
});

function script(name: string, code: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, code);
  return file;
}

const denied = (what: string, subject: string, flag: string) => `quicksand: denied ${what} access to ${JSON.stringify(subject)}; run again with ${flag}\n`;

describe("--allow-read", () => {
  const readData = () => script("read.js", `console.log(require("fs").readFileSync(${JSON.stringify(join(dir.path, "data.txt"))}, "utf8"))`);

  it("without it a read is EACCES, and one line names the path and the flag", async () => {
    const file = join(dir.path, "data.txt");
    const r = await quicksand(["run", readData()]);
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith(denied("read", file, `--allow-read=${file}`))).toBe(true);
    expect(r.stderr).toContain(`EACCES: permission denied, open '${file}'`);
    expect(r.stderr.split("quicksand: denied").length).toBe(2);
  });

  it("with the file's directory listed, the read succeeds and nothing is reported", async () => {
    expect(await quicksand(["run", `--allow-read=${dir.path}`, readData()])).toEqual({ code: 0, stdout: "the data\n", stderr: "" });
  });

  it("a list allows only what it names", async () => {
    const code = `const fs = require("fs");
      for (const p of ${JSON.stringify([join(dir.path, "data.txt"), join(outside.path, "secret.txt")])}) {
        try { console.log(fs.readFileSync(p, "utf8")); } catch (e) { console.log(e.code); }
      }`;
    const r = await quicksand(["run", `--allow-read=/nonexistent,${dir.path}`, script("list.js", code)]);
    const secret = join(outside.path, "secret.txt");
    expect(r).toEqual({ code: 0, stdout: "the data\nEACCES\n", stderr: denied("read", secret, `--allow-read=${secret}`) });
  });

  it("without a list it allows every read, and -A does too", async () => {
    expect((await quicksand(["run", "--allow-read", readData()])).stdout).toBe("the data\n");
    expect((await quicksand(["run", "-A", readData()])).stdout).toBe("the data\n");
  });

  it("a symbolic link inside an allowed directory does not lead out of it", async () => {
    const link = join(dir.path, "link-to-secret.txt");
    if (!existsSync(link)) symlinkSync(join(outside.path, "secret.txt"), link);
    const r = await quicksand(["run", `--allow-read=${dir.path}`, script("link.js", `try { require("fs").readFileSync(${JSON.stringify(link)}) } catch (e) { console.log(e.code) }`)]);
    const secret = join(outside.path, "secret.txt");
    expect(r).toEqual({ code: 0, stdout: "EACCES\n", stderr: denied("read", secret, `--allow-read=${secret}`) });
  });

  it("a denied probe of a path that does not exist prints nothing", async () => {
    const r = await quicksand(["run", script("probe.js", `console.log(require("fs").existsSync(${JSON.stringify(join(outside.path, "nothing-here"))}))`)]);
    expect(r).toEqual({ code: 0, stdout: "false\n", stderr: "" });
  });
});

describe("the main module, as in Deno", () => {
  it("loads its static imports without --allow-read, but nothing else", async () => {
    mkdirSync(join(dir.path, "esm"), { recursive: true });
    writeFileSync(join(dir.path, "esm", "package.json"), '{ "type": "module" }');
    writeFileSync(join(dir.path, "esm", "a.js"), 'export { b } from "./b.js";');
    writeFileSync(join(dir.path, "esm", "b.js"), "export const b = 'b';");
    writeFileSync(join(dir.path, "esm", "other.js"), "export const other = 1;");
    writeFileSync(join(dir.path, "esm", "main.js"), `import { b } from "./a.js";
      import { readdirSync } from "node:fs";
      console.log(b);
      try { await import("./other.js"); } catch (e) { console.log("import()", e.code); }
      try { readdirSync(import.meta.dirname); } catch (e) { console.log("readdir", e.code); }`);
    const other = join(dir.path, "esm", "other.js");
    const esmDir = join(dir.path, "esm");
    const r = await quicksand(["run", join(dir.path, "esm", "main.js")]);
    expect(r.stdout).toBe("b\nimport() ERR_MODULE_NOT_FOUND\nreaddir EACCES\n");
    expect(r.stderr).toBe(denied("read", other, `--allow-read=${other}`) + denied("read", esmDir, `--allow-read=${esmDir}`));
    const allowed = await quicksand(["run", `--allow-read=${join(dir.path, "esm")}`, join(dir.path, "esm", "main.js")]);
    expect(allowed).toEqual({ code: 0, stdout: "b\n", stderr: "" });
  });

  it("require() is a run-time read: it needs --allow-read", async () => {
    mkdirSync(join(dir.path, "cjs"), { recursive: true });
    writeFileSync(join(dir.path, "cjs", "dep.js"), "module.exports = 'dep';");
    const main = join(dir.path, "cjs", "main.js");
    writeFileSync(main, "console.log(require('./dep'))");
    const dep = join(dir.path, "cjs", "dep.js");
    const r = await quicksand(["run", main]);
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith(denied("read", dep, `--allow-read=${dep}`))).toBe(true);
    expect(r.stderr).toContain("Cannot find module './dep'");
    expect(await quicksand(["run", `--allow-read=${join(dir.path, "cjs")}`, main])).toEqual({ code: 0, stdout: "dep\n", stderr: "" });
  });
});

describe("--allow-write", () => {
  it("allows writes under the listed directory and refuses the rest with one line", async () => {
    const target = join(dir.path, "out", "written.txt");
    const refused = join(outside.path, "nope.txt");
    const code = `const fs = require("fs");
      fs.mkdirSync(${JSON.stringify(join(dir.path, "out"))}, { recursive: true });
      fs.writeFileSync(${JSON.stringify(target)}, "ok");
      try { fs.writeFileSync(${JSON.stringify(refused)}, "no"); } catch (e) { console.log(e.code); }`;
    const r = await quicksand(["run", `--allow-write=${join(dir.path, "out")}`, script("write.js", code)]);
    expect(r).toEqual({ code: 0, stdout: "EACCES\n", stderr: denied("write", refused, `--allow-write=${refused}`) });
    expect(readFileSync(target, "utf8")).toBe("ok");
    expect(existsSync(refused)).toBe(false);
  });

  it("does not allow reading: that is --allow-read", async () => {
    const target = join(dir.path, "wo.txt");
    const code = `const fs = require("fs"); fs.writeFileSync(${JSON.stringify(target)}, "x"); try { fs.readFileSync(${JSON.stringify(target)}) } catch (e) { console.log(e.code) }`;
    const r = await quicksand(["run", `--allow-write=${target}`, script("wo.js", code)]);
    expect(r).toEqual({ code: 0, stdout: "EACCES\n", stderr: denied("read", target, `--allow-read=${target}`) });
  });
});

describe("--allow-env", () => {
  it("shows the listed variables of the host's environment and reports a denied one", async () => {
    const code = "console.log(process.env.GREETING, process.env.SECRET_TOKEN, JSON.stringify(Object.keys(process.env)))";
    const r = await quicksand(["run", "--allow-env=GREETING", script("env.js", code)], { env: { GREETING: "hi", SECRET_TOKEN: "s3cr3t" } });
    expect(r).toEqual({ code: 0, stdout: 'hi undefined ["GREETING"]\n', stderr: denied("env", "SECRET_TOKEN", "--allow-env=SECRET_TOKEN") });
  });

  it("without it the guest sees an empty environment", async () => {
    const r = await quicksand(["eval", "console.log(JSON.stringify(process.env))"], { env: { GREETING: "hi" } });
    expect(r).toEqual({ code: 0, stdout: "{}\n", stderr: "" });
  });
});

describe("--allow-net", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => res.end(`pong ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetchIt = () => `fetch("http://127.0.0.1:${port}/x").then((r) => r.text()).then(console.log, (e) => console.log("failed", e.cause?.code ?? e.message))`;

  it("with the server's host:port the guest reaches it", async () => {
    expect(await quicksand(["eval", `--allow-net=127.0.0.1:${port}`, fetchIt()])).toEqual({ code: 0, stdout: "pong /x\n", stderr: "" });
  });

  it("without it the fetch fails and one line names host:port", async () => {
    const r = await quicksand(["eval", fetchIt()]);
    expect(r).toEqual({ code: 0, stdout: "failed EACCES\n", stderr: denied("net", `127.0.0.1:${port}`, `--allow-net=127.0.0.1:${port}`) });
  });

  it("another port of the same host is not allowed", async () => {
    const other = port === 65535 ? port - 1 : port + 1;
    const r = await quicksand(["eval", `--allow-net=127.0.0.1:${other}`, fetchIt()]);
    expect(r.stdout).toBe("failed EACCES\n");
    expect(r.stderr).toBe(denied("net", `127.0.0.1:${port}`, `--allow-net=127.0.0.1:${port}`));
  });

  it("a loopback host without a port allows each of its ports", async () => {
    expect((await quicksand(["eval", "--allow-net=127.0.0.1", fetchIt()])).stdout).toBe("pong /x\n");
  });
});

describe("--allow-run", () => {
  const spawnNode = `const r = require("child_process").spawnSync(${JSON.stringify(process.execPath)}, ["-e", "console.log(40 + 2)"]);
    console.log(r.error ? r.error.code : String(r.stdout).trim())`;

  it("starts a listed command as a host process", async () => {
    expect(await quicksand(["eval", `--allow-run=${process.execPath}`, spawnNode])).toEqual({ code: 0, stdout: "42\n", stderr: "" });
  });

  it("refuses an unlisted one with one line", async () => {
    const r = await quicksand(["eval", "--allow-run=ls", spawnNode]);
    expect(r).toEqual({ code: 0, stdout: "EACCES\n", stderr: denied("run", process.execPath, `--allow-run=${process.execPath}`) });
  });

  it("an allowed name does not let the guest run another file by that name through its own PATH", async () => {
    const fake = join(dir.path, "bin");
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, "ls"), "#!/bin/sh\necho fake\n", { mode: 0o755 });
    const code = `const r = require("child_process").spawnSync("ls", [], { env: { PATH: ${JSON.stringify(fake)} } }); console.log(r.error ? r.error.code : String(r.stdout))`;
    const r = await quicksand(["eval", "--allow-run=ls", code]);
    expect(r).toEqual({ code: 0, stdout: "EACCES\n", stderr: denied("run", "ls", "--allow-run=ls") });
  });
});
