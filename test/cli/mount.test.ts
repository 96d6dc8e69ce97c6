/**
 * `--mount hostdir:sandboxdir[:ro]`: the guest sees the named directories and nothing
 * else of the host; a read-only mount refuses every write with EROFS.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quicksand, tempDir } from "./cli-helpers.js";

let dir: { path: string; remove(): void };
beforeAll(() => {
  dir = tempDir();
  mkdirSync(join(dir.path, "data"));
  mkdirSync(join(dir.path, "out"));
  mkdirSync(join(dir.path, "app", "lib"), { recursive: true });
  writeFileSync(join(dir.path, "data", "input.txt"), "input");
  writeFileSync(join(dir.path, "app", "lib", "helper.js"), "module.exports = (s) => s.toUpperCase();");
  writeFileSync(join(dir.path, "app", "main.js"), 'console.log(require("./lib/helper")("from app"), __filename, process.cwd())');
});
afterAll(() => dir.remove());

describe("--mount", () => {
  it("shows the mounted directories at their sandbox paths and nothing else", async () => {
    const code = `const fs = require("fs");
      console.log(JSON.stringify(fs.readdirSync("/")), JSON.stringify(fs.readdirSync("/data")), fs.readFileSync("/data/input.txt", "utf8"));
      for (const p of ["/etc/passwd", ${JSON.stringify(join(dir.path, "data", "input.txt"))}]) {
        try { fs.readFileSync(p); } catch (e) { console.log(e.code); }
      }`;
    const r = await quicksand(["eval", "--mount", `${join(dir.path, "data")}:/data`, code]);
    expect(r).toEqual({ code: 0, stdout: '["data"] ["input.txt"] input\nENOENT\nENOENT\n', stderr: "" });
  });

  it("refuses writes to a :ro mount with EROFS and keeps the host directory unchanged", async () => {
    const code = `const fs = require("fs");
      for (const write of [() => fs.writeFileSync("/data/new.txt", "x"), () => fs.appendFileSync("/data/input.txt", "x"),
        () => fs.unlinkSync("/data/input.txt"), () => fs.mkdirSync("/data/d"), () => fs.renameSync("/data/input.txt", "/data/moved.txt"),
        () => fs.openSync("/data/input.txt", "r+"), () => fs.rmdirSync("/data")]) {
        try { write(); console.log("wrote"); } catch (e) { console.log(e.code); }
      }
      fs.writeFileSync("/out/result.txt", fs.readFileSync("/data/input.txt", "utf8") + " processed");`;
    const r = await quicksand(["eval", "--mount", `${join(dir.path, "data")}:/data:ro`, "--mount", `${join(dir.path, "out")}:/out`, code]);
    expect(r).toEqual({ code: 0, stdout: "EROFS\nEROFS\nEROFS\nEROFS\nEROFS\nEROFS\nEBUSY\n", stderr: "" });
    expect(readFileSync(join(dir.path, "data", "input.txt"), "utf8")).toBe("input");
    expect(existsSync(join(dir.path, "data", "new.txt"))).toBe(false);
    expect(readFileSync(join(dir.path, "out", "result.txt"), "utf8")).toBe("input processed");
  });

  it("nothing outside the mounts can be created", async () => {
    const r = await quicksand(["eval", "--mount", `${join(dir.path, "out")}:/out`, 'try { require("fs").writeFileSync("/elsewhere.txt", "x") } catch (e) { console.log(e.code) }']);
    expect(r).toEqual({ code: 0, stdout: "EROFS\n", stderr: "" });
  });

  it("runs a script inside a mount at its sandbox path, with the current directory mapped", async () => {
    const r = await quicksand(["run", "--mount", `${join(dir.path, "app")}:/app`, "main.js"], { cwd: join(dir.path, "app") });
    expect(r).toEqual({ code: 0, stdout: "FROM APP /app/main.js /app\n", stderr: "" });
  });

  it("shows a script outside every mount alone, read-only, at its own path", async () => {
    const file = join(dir.path, "solo.js");
    writeFileSync(file, `const fs = require("fs"); console.log(JSON.stringify(fs.readdirSync(__dirname)), JSON.stringify(fs.readdirSync("/data")));
      try { fs.writeFileSync(__filename, "changed"); } catch (e) { console.log(e.code); }`);
    const r = await quicksand(["run", "--mount", `${join(dir.path, "data")}:/data`, file]);
    expect(r).toEqual({ code: 0, stdout: '["solo.js"] ["input.txt"]\nEROFS\n', stderr: "" });
  });

  it("-A still leaves the filesystem confined to the mounts", async () => {
    const r = await quicksand(["eval", "-A", "--mount", `${join(dir.path, "data")}:/data`, 'try { require("fs").readFileSync("/etc/passwd") } catch (e) { console.log(e.code) }']);
    expect(r).toEqual({ code: 0, stdout: "ENOENT\n", stderr: "" });
  });
});

describe("--node-modules", () => {
  it("projects <dir>/node_modules read-only at /root/node_modules for require and import", async () => {
    const project = join(dir.path, "project");
    mkdirSync(join(project, "node_modules", "shout"), { recursive: true });
    writeFileSync(join(project, "node_modules", "shout", "package.json"), '{ "name": "shout", "main": "index.js" }');
    writeFileSync(join(project, "node_modules", "shout", "index.js"), "module.exports = (s) => s.toUpperCase() + '!';");
    const code = 'const shout = require("shout"); console.log(shout("hey"), require.resolve("shout")); try { require("fs").writeFileSync("/root/node_modules/shout/x.js", "") } catch (e) { console.log(e.code) }';
    const r = await quicksand(["eval", "--node-modules", project, code]);
    expect(r).toEqual({ code: 0, stdout: "HEY! /root/node_modules/shout/index.js\nEACCES\n", stderr: "" });
    const esm = await quicksand(["eval", "--node-modules", join(project, "node_modules"), 'import shout from "shout"; console.log(shout("esm"))']);
    expect(esm).toEqual({ code: 0, stdout: "ESM!\n", stderr: "" });
  });
});
