/**
 * fs permissions: every guest fs call asks the `fs` callback with normalized absolute
 * paths (both paths for two-path calls) before it touches the filesystem, and a denial
 * is EACCES carrying the callback's reason.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryFileSystem } from "../../../src/driver/in-memory-fs.js";
import type { FsAccessRequest, PermissionDecision } from "../../../src/index.js";
import { createNodeDriver } from "../../../src/index.js";
import { execOnce } from "../../helpers.js";

function world() {
  const fs = createInMemoryFileSystem();
  fs.writeFileSync("/allowed/a.txt", "A");
  fs.mkdirSync("/allowed/dir", { recursive: true });
  fs.writeFileSync("/allowed/dir/f", "F");
  fs.writeFileSync("/allowed/gone.txt", "G");
  fs.symlinkSync("a.txt", "/allowed/link");
  fs.writeFileSync("/denied/s.txt", "SECRET");
  return fs;
}

async function run(code: string, fsCallback: (r: FsAccessRequest) => PermissionDecision | boolean | Promise<PermissionDecision>, cwd = "/") {
  const fs = world();
  const r = await execOnce(code, { systemDriver: createNodeDriver({ filesystem: fs, permissions: { fs: fsCallback } }) }, { cwd });
  return { ...r, fs };
}

/** Each sync call and the exact requests it must make. */
const CASES: [string, string, [string, string | RegExp][]][] = [
  ["readFileSync", "fs.readFileSync('/allowed/a.txt')", [["read", "/allowed/a.txt"]]],
  ["writeFileSync", "fs.writeFileSync('/allowed/new.txt', 'x')", [["write", "/allowed/new.txt"]]],
  ["appendFileSync", "fs.appendFileSync('/allowed/a.txt', 'x')", [["write", "/allowed/a.txt"]]],
  ["truncateSync", "fs.truncateSync('/allowed/a.txt', 0)", [["truncate", "/allowed/a.txt"]]],
  ["copyFileSync", "fs.copyFileSync('/allowed/a.txt', '/allowed/b.txt')", [["copy", "/allowed/a.txt"], ["copy", "/allowed/b.txt"]]],
  ["cpSync", "fs.cpSync('/allowed/dir', '/allowed/dir2', { recursive: true })", [["copy", "/allowed/dir"], ["copy", "/allowed/dir2"]]],
  ["statSync", "fs.statSync('/allowed/a.txt')", [["stat", "/allowed/a.txt"]]],
  ["lstatSync", "fs.lstatSync('/allowed/link')", [["stat", "/allowed/link"]]],
  ["existsSync", "fs.existsSync('/allowed/a.txt')", [["exists", "/allowed/a.txt"]]],
  ["accessSync", "fs.accessSync('/allowed/a.txt')", [["access", "/allowed/a.txt"]]],
  ["realpathSync", "fs.realpathSync('/allowed/link')", [["realpath", "/allowed/link"], ["realpath", "/allowed/a.txt"]]],
  ["readFileSync via a link", "fs.readFileSync('/allowed/link')", [["read", "/allowed/link"], ["read", "/allowed/a.txt"]]],
  ["chmodSync", "fs.chmodSync('/allowed/a.txt', 0o600)", [["chmod", "/allowed/a.txt"]]],
  ["utimesSync", "fs.utimesSync('/allowed/a.txt', 1, 1)", [["utimes", "/allowed/a.txt"]]],
  ["mkdirSync", "fs.mkdirSync('/allowed/m')", [["mkdir", "/allowed/m"]]],
  ["mkdtempSync", "fs.mkdtempSync('/allowed/t-')", [["mkdir", /^\/allowed\/t-[A-Za-z0-9]{6}$/]]],
  ["readdirSync", "fs.readdirSync('/allowed')", [["readdir", "/allowed"]]],
  ["opendirSync", "fs.opendirSync('/allowed').closeSync()", [["readdir", "/allowed"]]],
  ["rmdirSync", "fs.rmdirSync('/allowed/dir', { recursive: true })", [["rm", "/allowed/dir"]]],
  ["unlinkSync", "fs.unlinkSync('/allowed/gone.txt')", [["rm", "/allowed/gone.txt"]]],
  ["rmSync", "fs.rmSync('/allowed/gone.txt')", [["rm", "/allowed/gone.txt"]]],
  ["renameSync", "fs.renameSync('/allowed/a.txt', '/allowed/c.txt')", [["rename", "/allowed/a.txt"], ["rename", "/allowed/c.txt"]]],
  ["symlinkSync", "fs.symlinkSync('dir/f', '/allowed/l2')", [["symlink", "/allowed/l2"], ["symlink", "/allowed/dir/f"]]],
  ["readlinkSync", "fs.readlinkSync('/allowed/link')", [["readlink", "/allowed/link"]]],
  ["linkSync", "fs.linkSync('/allowed/a.txt', '/allowed/h')", [["link", "/allowed/a.txt"], ["link", "/allowed/h"]]],
  ["openSync r", "fs.closeSync(fs.openSync('/allowed/a.txt', 'r'))", [["read", "/allowed/a.txt"]]],
  ["openSync w", "fs.closeSync(fs.openSync('/allowed/a.txt', 'w'))", [["write", "/allowed/a.txt"]]],
  ["openSync r+", "fs.closeSync(fs.openSync('/allowed/a.txt', 'r+'))", [["read", "/allowed/a.txt"], ["write", "/allowed/a.txt"]]],
  ["fchmodSync", "const fd = fs.openSync('/allowed/a.txt', 'r'); fs.fchmodSync(fd, 0o600)", [["read", "/allowed/a.txt"], ["chmod", "/allowed/a.txt"]]],
  ["futimesSync", "const fd = fs.openSync('/allowed/a.txt', 'r'); fs.futimesSync(fd, 1, 1)", [["read", "/allowed/a.txt"], ["utimes", "/allowed/a.txt"]]],
];

describe("fs permission requests", () => {
  it.each(CASES)("%s asks for exactly its requests", async (_name, call, expected) => {
    const seen: FsAccessRequest[] = [];
    const r = await run(`const fs = require('fs'); ${call}`, (req) => {
      // Only this world's paths: the runtime itself may look for other files (package.json).
      if (/^\/(allowed|denied)(\/|$)/.test(req.path)) seen.push(req);
      return { allow: true };
    });
    expect(r.stderr).toBe("");
    expect(seen).toHaveLength(expected.length);
    expected.forEach(([op, path], i) => {
      expect(seen[i]!.op).toBe(op);
      if (typeof path === "string") expect(seen[i]!.path).toBe(path);
      else expect(seen[i]!.path).toMatch(path);
    });
  });

  it.each(CASES.filter(([name]) => name !== "existsSync"))("%s fails with EACCES and the reason when denied", async (_name, call) => {
    const r = await run(`const fs = require('fs'); try { ${call}; console.log('ran'); } catch (e) { console.log(e.code, e.errno, /\\(not here\\)$/.test(e.message)); }`, () => ({
      allow: false,
      reason: "not here",
    }));
    expect(r.stdout).toBe("EACCES -13 true\n");
  });

  it("denies the callback and promise forms too, before touching the filesystem", async () => {
    const r = await run(
      `const fs = require('fs');
       fs.writeFile('/denied/s.txt', 'pwned', (e) => console.log('cb', e.code, e.message));
       fs.promises.readFile('/denied/s.txt', 'utf8').catch((e) => console.log('p', e.code, e.syscall, e.path));
       fs.promises.rm('/denied', { recursive: true }).catch((e) => console.log('rm', e.code));`,
      (req) => (req.path.startsWith("/allowed/") ? true : { allow: false, reason: "outside /allowed" }),
    );
    expect(r.stdout.split("\n").sort().join("\n")).toBe(
      [
        "",
        "cb EACCES EACCES: permission denied, open '/denied/s.txt' (outside /allowed)",
        "p EACCES open /denied/s.txt",
        "rm EACCES",
      ].join("\n"),
    );
    expect(r.fs.readTextFileSync("/denied/s.txt")).toBe("SECRET");
  });

  it("checks both paths of rename, copy, link and symlink", async () => {
    const r = await run(
      `const fs = require('fs');
       const tries = {
         'rename out': () => fs.renameSync('/allowed/a.txt', '/denied/a.txt'),
         'rename in': () => fs.renameSync('/denied/s.txt', '/allowed/s.txt'),
         'copy out': () => fs.copyFileSync('/allowed/a.txt', '/denied/a.txt'),
         'copy in': () => fs.copyFileSync('/denied/s.txt', '/allowed/s.txt'),
         'cp in': () => fs.cpSync('/denied', '/allowed/d2', { recursive: true }),
         'link in': () => fs.linkSync('/denied/s.txt', '/allowed/h'),
         'symlink to denied': () => fs.symlinkSync('/denied/s.txt', '/allowed/l'),
         'relative symlink to denied': () => fs.symlinkSync('../denied/s.txt', '/allowed/l'),
         'symlink into denied': () => fs.symlinkSync('/allowed/a.txt', '/denied/l'),
       };
       for (const [name, f] of Object.entries(tries)) {
         try { f(); console.log(name, 'allowed'); } catch (e) { console.log(name, e.code); }
       }`,
      (req) => req.path.startsWith("/allowed/"),
    );
    expect(r.stdout).toBe(
      ["rename out", "rename in", "copy out", "copy in", "cp in", "link in", "symlink to denied", "relative symlink to denied", "symlink into denied"]
        .map((n) => `${n} EACCES\n`)
        .join(""),
    );
    expect(r.fs.readTextFileSync("/denied/s.txt")).toBe("SECRET");
    expect(r.fs.existsSync("/allowed/s.txt")).toBe(false);
    expect(r.fs.existsSync("/allowed/l")).toBe(false);
  });

  it("checks the normalized path, so '..' cannot climb out of an allowed directory", async () => {
    const seen: string[] = [];
    const r = await run(
      `const fs = require('fs');
       const paths = ['/allowed/../denied/s.txt', '../denied/s.txt', '/allowed/./dir/../../denied/s.txt', 'dir/../../../../denied/s.txt',
         { href: 'file:///allowed/%2e%2e/denied/s.txt', protocol: 'file:', hostname: '', pathname: '/allowed/%2e%2e/denied/s.txt' },
         Buffer.from('/allowed/../denied/s.txt')];
       for (const p of paths) {
         try { fs.readFileSync(p, 'utf8'); console.log('read'); } catch (e) { console.log(e.code); }
       }
       try { fs.readFileSync({ href: 'file:///allowed/..%2Fdenied/s.txt', protocol: 'file:', hostname: '', pathname: '/allowed/..%2Fdenied/s.txt' }); } catch (e) { console.log(e.code); }`,
      (req) => {
        if (req.path.endsWith("s.txt")) seen.push(req.path);
        return req.path.startsWith("/allowed/");
      },
      "/allowed",
    );
    expect(r.stdout).toBe("EACCES\nEACCES\nEACCES\nEACCES\nEACCES\nEACCES\nERR_INVALID_FILE_URL_PATH\n");
    expect(seen).toEqual(Array(6).fill("/denied/s.txt"));
  });

  it("checks where a link leads, so no link reaches a denied file", async () => {
    const fs = world();
    fs.symlinkSync("/denied/s.txt", "/allowed/to-secret");
    fs.symlinkSync("../denied", "/allowed/to-denied-dir");
    fs.symlinkSync("/denied/new.txt", "/allowed/dangling");
    const r = await execOnce(
      `const fs = require('fs');
       const tries = {
         read: () => fs.readFileSync('/allowed/to-secret', 'utf8'),
         'read via dir link': () => fs.readFileSync('/allowed/to-denied-dir/s.txt', 'utf8'),
         write: () => fs.writeFileSync('/allowed/to-secret', 'pwned'),
         'create through dangling': () => fs.writeFileSync('/allowed/dangling', 'planted'),
         append: () => fs.appendFileSync('/allowed/to-secret', 'pwned'),
         open: () => fs.openSync('/allowed/to-secret', 'r'),
         stat: () => fs.statSync('/allowed/to-secret').size,
         readdir: () => fs.readdirSync('/allowed/to-denied-dir'),
         copy: () => fs.copyFileSync('/allowed/to-secret', '/allowed/copy.txt'),
         'cp -r': () => { fs.cpSync('/allowed', '/allowed2', { recursive: true }); return fs.readFileSync('/allowed2/to-secret', 'utf8'); },
         lstat: () => fs.lstatSync('/allowed/to-secret').isSymbolicLink(),
         readlink: () => fs.readlinkSync('/allowed/to-secret'),
         unlink: () => fs.unlinkSync('/allowed/to-secret'),
       };
       for (const [name, f] of Object.entries(tries)) {
         try { console.log(name, f()); } catch (e) { console.log(name, e.code); }
       }
       fs.promises.readFile('/allowed/to-denied-dir/s.txt', 'utf8').then((v) => console.log('promise', v), (e) => console.log('promise', e.code, e.message));`,
      { systemDriver: createNodeDriver({ filesystem: fs, permissions: { fs: (req) => req.path.startsWith("/allowed") } }) },
    );
    expect(r.stdout).toBe(
      [
        "read EACCES",
        "read via dir link EACCES",
        "write EACCES",
        "create through dangling EACCES",
        "append EACCES",
        "open EACCES",
        "stat EACCES",
        "readdir EACCES",
        "copy EACCES",
        "cp -r EACCES",
        "lstat true",
        "readlink /denied/s.txt",
        "unlink undefined",
        // The refusal names the path that was refused: where the link led.
        "promise EACCES EACCES: permission denied, open '/denied/s.txt'",
        "",
      ].join("\n"),
    );
    expect(fs.readTextFileSync("/denied/s.txt")).toBe("SECRET");
    expect(fs.existsSync("/denied/new.txt")).toBe(false);
  });

  it("checks a moved relative link where it now leads", async () => {
    const r = await run(
      `const fs = require('fs');
       fs.mkdirSync('/allowed/a/b', { recursive: true });
       fs.symlinkSync('../../a.txt', '/allowed/a/b/l');
       console.log(fs.readFileSync('/allowed/a/b/l', 'utf8'));
       fs.renameSync('/allowed/a/b/l', '/allowed/l');
       try { fs.readFileSync('/allowed/l', 'utf8'); } catch (e) { console.log(e.code); }`,
      (req) => req.path.startsWith("/allowed/"),
    );
    expect(r.stdout).toBe("A\nEACCES\n");
  });

  it("reports a denied path as missing to existsSync, as Node does for EACCES", async () => {
    const r = await run(`const fs = require('fs'); console.log(fs.existsSync('/denied/s.txt'), fs.existsSync('/allowed/a.txt'));`, (req) =>
      req.path.startsWith("/allowed/"),
    );
    expect(r.stdout).toBe("false true\n");
  });

  it("gives each callback a frozen copy of the request", async () => {
    let frozen = false;
    await run(`require('fs').statSync('/allowed/a.txt')`, (req) => {
      frozen = Object.isFrozen(req);
      return true;
    });
    expect(frozen).toBe(true);
  });

  it("awaits an async callback for async APIs; sync APIs say they cannot wait in-process", async () => {
    const r = await run(
      `const fs = require('fs');
       fs.promises.readFile('/allowed/a.txt', 'utf8').then((d) => console.log('async', d));
       try { fs.readFileSync('/allowed/a.txt'); } catch (e) { console.log(e.code); }`,
      async (req) => ({ allow: req.path.startsWith("/allowed/") }),
    );
    expect(r.stdout).toBe("ERR_SANDBOX_SYNC_UNAVAILABLE\nasync A\n");
  });

  it("denies everything but module-overlay reads when no fs callback is configured", async () => {
    const fs = world();
    const r = await execOnce(
      `const fs = require('fs');
       for (const f of [() => fs.readFileSync('/allowed/a.txt'), () => fs.readdirSync('/'), () => fs.mkdirSync('/x')]) {
         try { f(); } catch (e) { console.log(e.message); }
       }`,
      { systemDriver: createNodeDriver({ filesystem: fs }) },
    );
    expect(r.stdout).toBe(
      [
        "EACCES: permission denied, open '/allowed/a.txt' (no fs permission callback configured)",
        "EACCES: permission denied, scandir '/' (no fs permission callback configured)",
        "EACCES: permission denied, mkdir '/x' (no fs permission callback configured)",
        "",
      ].join("\n"),
    );
  });
});
