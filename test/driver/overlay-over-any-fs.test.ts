/**
 * The node_modules overlay sits over whichever filesystem the driver uses, as in
 * secure-exec: a host that passes its own filesystem still finds its packages at
 * /root/node_modules, read-only in every form of every write API.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFileSystem } from "../../src/driver/node-fs.js";
import { allowAll, createInMemoryFileSystem, createNodeDriver, type VirtualFileSystem } from "../../src/index.js";
import { execOnce } from "../helpers.js";

let outer: string;
let project: string;
let hostRoot: string;

beforeAll(() => {
  outer = mkdtempSync(join(tmpdir(), "quicksand-overlay-any-"));
  project = join(outer, "project");
  const pkg = join(project, "node_modules", "pkg");
  mkdirSync(join(pkg, "sub"), { recursive: true });
  writeFileSync(join(pkg, "package.json"), '{"name":"pkg","main":"index.js"}');
  writeFileSync(join(pkg, "index.js"), "module.exports = { answer: 42 };");
  writeFileSync(join(pkg, "sub", "file.txt"), "inner");
  writeFileSync(join(outer, "secret.txt"), "SECRET");
  symlinkSync("../../../secret.txt", join(pkg, "escape"));
  hostRoot = join(outer, "root");
  mkdirSync(join(hostRoot, "app"), { recursive: true });
  mkdirSync(join(hostRoot, "tmp"), { recursive: true });
  writeFileSync(join(hostRoot, "app", "local.js"), "module.exports = 'local';");
});
afterAll(() => rmSync(outer, { recursive: true, force: true }));

/** The filesystems a host may pass, each with the app's own file at /app/local.js. */
const bases: Record<string, () => VirtualFileSystem> = {
  "createInMemoryFileSystem()": () => {
    const fs = createInMemoryFileSystem();
    fs.mkdirSync("/app", { recursive: true });
    fs.mkdirSync("/tmp", { recursive: true });
    fs.writeFileSync("/app/local.js", "module.exports = 'local';");
    return fs;
  },
  "new NodeFileSystem({ root })": () => new NodeFileSystem({ root: hostRoot }),
};

function hostPackageFiles(): string {
  const pkg = join(project, "node_modules", "pkg");
  return JSON.stringify([readdirSync(pkg).sort(), readFileSync(join(pkg, "index.js"), "utf8")]);
}

describe.each(Object.entries(bases))("the overlay over %s", (_name, make) => {
  it("loads host packages and the filesystem's own files", async () => {
    const driver = createNodeDriver({ filesystem: make(), moduleAccess: { cwd: project }, permissions: allowAll });
    const r = await execOnce(
      `console.log(require('pkg').answer, require('/app/local.js'));
       console.log(require('fs').readdirSync('/root/node_modules').join());`,
      { systemDriver: driver },
      { cwd: "/app", filePath: "/app/main.js" },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("42 local\npkg\n");
  });

  it("refuses every write form inside it with EACCES, sync, callback, promise, FileHandle and stream", async () => {
    const before = hostPackageFiles();
    const driver = createNodeDriver({ filesystem: make(), moduleAccess: { cwd: project }, permissions: allowAll });
    const r = await execOnce(
      `const fs = require('fs');
       const P = '/root/node_modules/pkg';
       const F = P + '/index.js';
       fs.writeFileSync('/tmp/outside.txt', 'x');
       const sync = {
         writeFile: () => fs.writeFileSync(F, 'x'),
         appendFile: () => fs.appendFileSync(F, 'x'),
         truncate: () => fs.truncateSync(F, 0),
         openW: () => fs.openSync(F, 'w'),
         openA: () => fs.openSync(F, 'a'),
         openRPlus: () => fs.openSync(F, 'r+'),
         openWx: () => fs.openSync(P + '/new.js', 'wx'),
         copyInto: () => fs.copyFileSync('/tmp/outside.txt', P + '/copy.txt'),
         cpInto: () => fs.cpSync('/tmp/outside.txt', P + '/cp.txt'),
         mkdir: () => fs.mkdirSync(P + '/d'),
         mkdirRecursive: () => fs.mkdirSync(P + '/d/e/f', { recursive: true }),
         rm: () => fs.rmSync(F),
         rmRecursive: () => fs.rmSync(P, { recursive: true }),
         rmForce: () => fs.rmSync(P, { recursive: true, force: true }),
         rmdir: () => fs.rmdirSync(P + '/sub'),
         unlink: () => fs.unlinkSync(F),
         renameOut: () => fs.renameSync(F, '/tmp/moved.js'),
         renameIn: () => fs.renameSync('/tmp/outside.txt', P + '/moved.txt'),
         symlinkInto: () => fs.symlinkSync('/tmp/outside.txt', P + '/link'),
         linkInto: () => fs.linkSync('/tmp/outside.txt', P + '/hard'),
         chmod: () => fs.chmodSync(F, 0o777),
         utimes: () => fs.utimesSync(F, 1, 1),
       };
       const codes = {};
       for (const [name, f] of Object.entries(sync)) {
         try { f(); codes[name] = 'ok'; } catch (e) { codes[name] = e.code; }
       }
       const viaCallback = {
         writeFile: (cb) => fs.writeFile(F, 'x', cb),
         appendFile: (cb) => fs.appendFile(F, 'x', cb),
         truncate: (cb) => fs.truncate(F, 0, cb),
         open: (cb) => fs.open(F, 'r+', cb),
         copyInto: (cb) => fs.copyFile('/tmp/outside.txt', P + '/copy.txt', cb),
         mkdir: (cb) => fs.mkdir(P + '/d', { recursive: true }, cb),
         rm: (cb) => fs.rm(P, { recursive: true, force: true }, cb),
         rmdir: (cb) => fs.rmdir(P + '/sub', cb),
         unlink: (cb) => fs.unlink(F, cb),
         rename: (cb) => fs.rename(F, '/tmp/moved.js', cb),
         symlink: (cb) => fs.symlink('/tmp/outside.txt', P + '/link', cb),
         chmod: (cb) => fs.chmod(F, 0o777, cb),
         utimes: (cb) => fs.utimes(F, 1, 1, cb),
       };
       const callbackCodes = {};
       let pending = Object.keys(viaCallback).length;
       for (const [name, f] of Object.entries(viaCallback)) {
         f((e) => { callbackCodes[name] = e ? e.code : 'ok'; if (--pending === 0) next(); });
       }
       async function next() {
         const p = fs.promises;
         const viaPromise = {
           writeFile: () => p.writeFile(F, 'x'),
           appendFile: () => p.appendFile(F, 'x'),
           truncate: () => p.truncate(F, 0),
           copyInto: () => p.copyFile('/tmp/outside.txt', P + '/copy.txt'),
           cpInto: () => p.cp('/tmp/outside.txt', P + '/cp.txt'),
           mkdir: () => p.mkdir(P + '/d/e', { recursive: true }),
           rm: () => p.rm(P, { recursive: true, force: true }),
           rmdir: () => p.rmdir(P + '/sub'),
           unlink: () => p.unlink(F),
           renameIn: () => p.rename('/tmp/outside.txt', P + '/moved.txt'),
           symlink: () => p.symlink('/tmp/outside.txt', P + '/link'),
           link: () => p.link('/tmp/outside.txt', P + '/hard'),
           chmod: () => p.chmod(F, 0o777),
           utimes: () => p.utimes(F, 1, 1),
           fileHandleW: () => p.open(F, 'w'),
           fileHandleA: () => p.open(F, 'a'),
           fileHandleRPlus: () => p.open(F, 'r+'),
           fileHandleWx: () => p.open(P + '/new.js', 'wx'),
         };
         const promiseCodes = {};
         for (const [name, f] of Object.entries(viaPromise)) {
           try { await f(); promiseCodes[name] = 'ok'; } catch (e) { promiseCodes[name] = e.code; }
         }
         const streamCode = await new Promise((resolve) => {
           const s = fs.createWriteStream(F);
           s.on('error', (e) => resolve(e.code));
           s.on('finish', () => resolve('ok'));
           s.end('x');
         });
         const appendStreamCode = await new Promise((resolve) => {
           const s = fs.createWriteStream(P + '/new.log', { flags: 'a' });
           s.on('error', (e) => resolve(e.code));
           s.on('finish', () => resolve('ok'));
           s.end('x');
         });
         console.log(JSON.stringify({ codes, callbackCodes, promiseCodes, streamCode, appendStreamCode }));
         console.log(fs.readFileSync(F, 'utf8'), fs.readdirSync(P).sort().join());
       }`,
      { systemDriver: driver },
    );
    expect(r.stderr).toBe("");
    const [json, after] = r.stdout.trim().split("\n");
    const result = JSON.parse(json!) as Record<string, Record<string, string> | string>;
    for (const group of ["codes", "callbackCodes", "promiseCodes"]) {
      const codes = result[group] as Record<string, string>;
      expect(Object.keys(codes).length).toBeGreaterThan(10);
      for (const [name, code] of Object.entries(codes)) expect(`${group}.${name}: ${code}`).toBe(`${group}.${name}: EACCES`);
    }
    expect(result.streamCode).toBe("EACCES");
    expect(result.appendStreamCode).toBe("EACCES");
    expect(after).toBe("module.exports = { answer: 42 }; escape,index.js,package.json,sub");
    expect(hostPackageFiles()).toBe(before);
  });

  it("never reads out of it: '..', a link to outside node_modules, the host's own path", async () => {
    const driver = createNodeDriver({ filesystem: make(), moduleAccess: { cwd: project }, permissions: allowAll });
    const r = await execOnce(
      `const fs = require('fs');
       for (const p of ['/root/node_modules/../../../secret.txt', '/root/node_modules/pkg/escape', ${JSON.stringify(join(outer, "secret.txt"))}, '/root/node_modules/pkg/../../' + ${JSON.stringify(join("..", "..", "secret.txt"))}]) {
         try { console.log(fs.readFileSync(p, 'utf8')); } catch (e) { console.log(e.code); }
       }
       try { require('/root/node_modules/pkg/escape'); } catch (e) { console.log(e.code); }`,
      { systemDriver: driver },
    );
    expect(r.stdout).not.toContain("SECRET");
    expect(r.stdout.trim().split("\n")).toHaveLength(5);
  });
});

describe("opting out", () => {
  it("moduleAccess: false uses the filesystem as given, its own /root/node_modules included", async () => {
    const fs = createInMemoryFileSystem();
    fs.mkdirSync("/root/node_modules/mine", { recursive: true });
    fs.writeFileSync("/root/node_modules/mine/index.js", "module.exports = 'mine';");
    const driver = createNodeDriver({ filesystem: fs, moduleAccess: false, permissions: allowAll });
    const r = await execOnce(
      `console.log(require('mine'));
       try { require('pkg'); } catch (e) { console.log(e.code); }
       require('fs').writeFileSync('/root/node_modules/mine/extra.js', '1');`,
      { systemDriver: driver },
    );
    expect(r.stdout).toBe("mine\nMODULE_NOT_FOUND\n");
    expect(fs.readTextFileSync("/root/node_modules/mine/extra.js")).toBe("1");
  });
});
