/**
 * Every form of the guest fs API (sync, callback, promise) over each kind of backend:
 * memfs, the host filesystem (NodeFileSystem on a temp dir), a user-written async-only
 * filesystem, and one with only the specification's twelve methods. The same script
 * prints the same lines on all of them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createInMemoryFileSystem } from "../../../src/driver/in-memory-fs.js";
import { NodeFileSystem } from "../../../src/driver/node-fs.js";
import type { VirtualFileSystem } from "../../../src/driver/types.js";
import { allowAll, createNodeDriver } from "../../../src/index.js";
import { execOnce } from "../../helpers.js";

const SEED_METHODS = [
  "readFile", "readTextFile", "readDir", "readDirWithTypes", "writeFile", "createDir",
  "mkdir", "exists", "stat", "removeFile", "removeDir", "rename",
];

/** Only the async methods, each awaiting a macrotask first, as a remote store would. */
function asyncOnly(inner: VirtualFileSystem, methods?: string[]): VirtualFileSystem {
  const out: Record<string, unknown> = {};
  const source = inner as unknown as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (key.endsWith("Sync") || typeof source[key] !== "function") continue;
    if (methods && !methods.includes(key)) continue;
    out[key] = async (...args: unknown[]) => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const result = await (source[key] as (...a: unknown[]) => unknown)(...args);
      if (key !== "open") return result;
      // Strip the handle's sync methods too.
      const handle = result as Record<string, unknown>;
      return Object.fromEntries(Object.keys(handle).filter((k) => !k.endsWith("Sync")).map((k) => [k, handle[k]]));
    };
  }
  return out as unknown as VirtualFileSystem;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Kind = "memfs" | "host" | "async-only" | "seed-only";
function filesystem(kind: Kind): VirtualFileSystem {
  if (kind === "memfs") return createInMemoryFileSystem();
  if (kind === "host") {
    const root = mkdtempSync(join(tmpdir(), "quicksand-forms-"));
    dirs.push(root);
    return new NodeFileSystem({ root });
  }
  return asyncOnly(createInMemoryFileSystem(), kind === "seed-only" ? SEED_METHODS : undefined);
}

async function run(kind: Kind, code: string): Promise<string> {
  const r = await execOnce(code, { systemDriver: createNodeDriver({ filesystem: filesystem(kind), permissions: allowAll }) }, { cwd: "/" });
  expect(r.stderr).toBe("");
  return r.stdout;
}

const ASYNC_SCRIPT = (links: boolean) => `
const fs = require('fs');
const fsp = require('fs/promises');
const p = (f) => new Promise((resolve, reject) => f((err, ...v) => err ? reject(err) : resolve(v.length > 1 ? v : v[0])));
const out = (...a) => console.log(...a);
(async () => {
  await p((cb) => fs.mkdir('/w/d', { recursive: true }, cb));
  await p((cb) => fs.writeFile('/w/a.txt', 'alpha', cb));
  out('cb readFile', await p((cb) => fs.readFile('/w/a.txt', 'utf8', cb)));
  out('cb readFile buffer', (await p((cb) => fs.readFile('/w/a.txt', cb))).toString('hex'));
  await p((cb) => fs.appendFile('/w/a.txt', '+', cb));
  out('cb stat', (await p((cb) => fs.stat('/w/a.txt', cb))).size);
  out('cb readdir', (await p((cb) => fs.readdir('/w', cb))).sort().join());
  out('cb readdir types', (await p((cb) => fs.readdir('/w', { withFileTypes: true }, cb))).map((e) => e.name + ':' + e.isDirectory()).sort().join());
  out('cb exists', await new Promise((r) => fs.exists('/w/a.txt', r)), await new Promise((r) => fs.exists('/w/none', r)));
  await p((cb) => fs.copyFile('/w/a.txt', '/w/b.txt', cb));
  await p((cb) => fs.rename('/w/b.txt', '/w/d/c.txt', cb));
  await p((cb) => fs.truncate('/w/d/c.txt', 3, cb));
  out('cb truncated', await p((cb) => fs.readFile('/w/d/c.txt', 'utf8', cb)));
  await p((cb) => fs.access('/w/d/c.txt', cb));
  out('cb realpath', await p((cb) => fs.realpath('/w/d/../a.txt', cb)));
  const fd = await p((cb) => fs.open('/w/a.txt', 'r+', cb));
  const buf = Buffer.alloc(3);
  const [n, same] = await p((cb) => fs.read(fd, buf, 0, 3, 1, cb));
  out('cb read', n, same === buf, buf.toString());
  out('cb write', (await p((cb) => fs.write(fd, 'Z', 0, cb)))[0]);
  out('cb fstat', (await p((cb) => fs.fstat(fd, cb))).size);
  await p((cb) => fs.close(fd, cb));
  out('cb after fd', await p((cb) => fs.readFile('/w/a.txt', 'utf8', cb)));
  const err = await p((cb) => fs.readFile('/w/none', cb)).catch((e) => e);
  out('cb error', err.code, err.errno, err.syscall, err.path, err.message);
  out('p readFile', await fsp.readFile('/w/a.txt', 'latin1'));
  await fsp.writeFile('/w/p.txt', new Uint8Array([104, 105]));
  out('p bytes', await fsp.readFile('/w/p.txt', 'utf8'));
  await fsp.mkdir('/w/x/y', { recursive: true });
  out('p readdir recursive', (await fsp.readdir('/w', { recursive: true })).sort().join());
  out('p cp', await fsp.cp('/w/x', '/w/x2', { recursive: true }), (await fsp.readdir('/w/x2')).join());
  await fsp.rm('/w/x', { recursive: true });
  out('p after rm', (await fsp.readdir('/w')).sort().join());
  const fh = await fsp.open('/w/p.txt', 'a+');
  await fh.appendFile('!');
  out('p handle', (await fh.read(Buffer.alloc(3), 0, 3, 0)).bytesRead, (await fh.stat()).size);
  await fh.close();
  out('p mkdtemp', /^\\/w\\/t-.{6}$/.test(await fsp.mkdtemp('/w/t-')));
  const dir = await fsp.opendir('/w/d');
  for await (const e of dir) out('p opendir', e.name);
  out('p lstat', (await fsp.lstat('/w/a.txt')).isFile());
  if (${links}) {
    await fsp.symlink('a.txt', '/w/link');
    out('p readlink', await fsp.readlink('/w/link'), (await fsp.lstat('/w/link')).isSymbolicLink(), await fsp.readFile('/w/link', 'utf8'));
    await fsp.link('/w/a.txt', '/w/hard');
    await fsp.chmod('/w/a.txt', 0o600);
    out('p mode', ((await fsp.stat('/w/hard')).mode & 0o777).toString(8));
    await fsp.utimes('/w/a.txt', 100, 200);
    out('p mtime', (await fsp.stat('/w/a.txt')).mtimeMs);
  }
  await fsp.unlink('/w/p.txt');
  await fsp.rmdir('/w/d', { recursive: true });
  out('p final', (await fsp.readdir('/w')).filter((n) => !n.startsWith('t-')).sort().join());
  const e2 = await fsp.rmdir('/w').catch((e) => e);
  out('p error', e2.code, e2.message);
})().catch((e) => console.log('FAILED', e && e.stack));
`;

const SYNC_SCRIPT = `
const fs = require('fs');
const tries = [
  ['mkdirSync', () => fs.mkdirSync('/s/d', { recursive: true })],
  ['writeFileSync', () => fs.writeFileSync('/s/a.txt', 'sync')],
  ['readFileSync', () => fs.readFileSync('/s/a.txt', 'utf8')],
  ['appendFileSync', () => fs.appendFileSync('/s/a.txt', '!')],
  ['statSync', () => fs.statSync('/s/a.txt').size],
  ['lstatSync', () => fs.lstatSync('/s/a.txt').isFile()],
  ['readdirSync', () => fs.readdirSync('/s').sort().join()],
  ['existsSync', () => fs.existsSync('/s/a.txt')],
  ['accessSync', () => fs.accessSync('/s/a.txt')],
  ['copyFileSync', () => fs.copyFileSync('/s/a.txt', '/s/b.txt')],
  ['renameSync', () => fs.renameSync('/s/b.txt', '/s/c.txt')],
  ['truncateSync', () => fs.truncateSync('/s/c.txt', 2)],
  ['realpathSync', () => fs.realpathSync('/s/d/../c.txt')],
  ['openSync', () => { const fd = fs.openSync('/s/c.txt', 'r'); const b = Buffer.alloc(2); fs.readSync(fd, b, 0, 2, 0); fs.closeSync(fd); return b.toString(); }],
  ['mkdtempSync', () => fs.mkdtempSync('/s/t-').length],
  ['cpSync', () => fs.cpSync('/s/d', '/s/e', { recursive: true })],
  ['rmSync', () => fs.rmSync('/s/e', { recursive: true })],
  ['unlinkSync', () => fs.unlinkSync('/s/c.txt')],
  ['rmdirSync', () => fs.rmdirSync('/s/d')],
];
for (const [name, f] of tries) {
  try { console.log(name, JSON.stringify(f())); } catch (e) { console.log(name, e.code); }
}
`;

describe("every fs API form over every kind of filesystem", () => {
  it("runs the callback and promise forms the same on memfs, the host fs, an async-only fs and a seed-only fs", async () => {
    const baseline = await run("memfs", ASYNC_SCRIPT(true));
    expect(baseline).not.toContain("FAILED");
    expect(baseline).toContain("p error ENOTEMPTY ENOTEMPTY: directory not empty, rmdir '/w'");
    expect(await run("host", ASYNC_SCRIPT(true))).toBe(baseline);
    expect(await run("async-only", ASYNC_SCRIPT(true))).toBe(baseline);
    // Without link support the rest behaves the same: appends, copies, handles and
    // truncation are carried out with whole-file reads and writes.
    const seedOnly = await run("seed-only", ASYNC_SCRIPT(false));
    expect(seedOnly).toBe(await run("memfs", ASYNC_SCRIPT(false)));
  });

  it("runs the sync forms the same on memfs and the host fs", async () => {
    const baseline = await run("memfs", SYNC_SCRIPT);
    expect(baseline).not.toMatch(/ E[A-Z]|ERR_/);
    expect(await run("host", SYNC_SCRIPT)).toBe(baseline);
  });

  it("fails each sync form over an async-only fs with ERR_SANDBOX_SYNC_UNAVAILABLE, naming worker mode", async () => {
    const out = await run("async-only", SYNC_SCRIPT);
    for (const line of out.trim().split("\n")) expect(line).toMatch(/^\w+ ERR_SANDBOX_SYNC_UNAVAILABLE$/);
    const r = await execOnce(
      `try { require('fs').readFileSync('/x'); } catch (e) { console.log(e.message); }`,
      { systemDriver: createNodeDriver({ filesystem: asyncOnly(createInMemoryFileSystem()), permissions: allowAll }) },
    );
    expect(r.stdout).toMatch(
      /^the configured filesystem has no \w+Sync\(\), so this synchronous fs API cannot run in-process; use the callback or promise form, or run the sandbox in worker mode\n$/,
    );
  });

  it("fails link operations on a filesystem without links with ENOSYS", async () => {
    const out = await run(
      "seed-only",
      `const fs = require('fs');
       fs.promises.symlink('a', '/l').catch((e) => console.log(e.code, e.message));
       fs.promises.readlink('/').catch((e) => console.log(e.code));`,
    );
    expect(out).toBe("ENOSYS ENOSYS: function not implemented, symlink 'a' -> '/l'\nEINVAL\n");
  });
});
