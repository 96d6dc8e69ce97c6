/**
 * Differential tests: the same script runs under host Node (in a temp dir) and in the
 * sandbox (on a NodeFileSystem rooted at another temp dir, cwd "/"), and prints the
 * same lines. Scripts use relative paths so both see the same names.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NodeFileSystem } from "../../../src/driver/node-fs.js";
import { allowAll, createNodeDriver } from "../../../src/index.js";
import { execOnce, hostNode } from "../../helpers.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "quicksand-fsdiff-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Prints each step's value or its error (code, syscall, path, message), one line each. */
const PRELUDE = `
const fs = require('fs');
const show = (v) => {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Buffer.isBuffer(v)) return 'Buffer<' + v.toString('hex') + '>';
  return JSON.stringify(v);
};
const step = (name, fn) => {
  try { console.log(name, show(fn())); }
  catch (e) { console.log(name, 'threw', e.name, e.code, e.errno, e.syscall, e.path, e.dest, JSON.stringify(e.message)); }
};
const astep = async (name, fn) => {
  try { console.log(name, show(await fn())); }
  catch (e) { console.log(name, 'threw', e.name, e.code, e.errno, e.syscall, e.path, e.dest, JSON.stringify(e.message)); }
};
const statOf = (s) => ({ file: s.isFile(), dir: s.isDirectory(), link: s.isSymbolicLink(), size: s.size, type: (s.mode & 0o170000).toString(8), mtime: s.mtime instanceof Date });
`;

async function both(script: string): Promise<{ host: string; sandbox: string }> {
  const hostDir = tempDir();
  const host = hostNode(PRELUDE + script, { cwd: hostDir });
  expect(host.stderr).toBe("");
  const root = tempDir();
  const r = await execOnce(PRELUDE + script, {
    systemDriver: createNodeDriver({ filesystem: new NodeFileSystem({ root }), permissions: allowAll }),
  }, { cwd: "/" });
  expect(r.stderr).toBe("");
  return { host: host.stdout, sandbox: r.stdout };
}

describe("fs behaves as host Node does", () => {
  it("reads, writes, appends and copies files, with Node's errors", async () => {
    const { host, sandbox } = await both(`
step('write', () => fs.writeFileSync('a.txt', 'hello'));
step('read utf8', () => fs.readFileSync('a.txt', 'utf8'));
step('read buffer', () => fs.readFileSync('a.txt'));
step('read options', () => fs.readFileSync('a.txt', { encoding: 'base64' }));
step('append', () => fs.appendFileSync('a.txt', Buffer.from(' world')));
step('read again', () => fs.readFileSync('a.txt', 'latin1'));
step('write hex', () => fs.writeFileSync('b.bin', 'cafe', 'hex'));
step('read hex', () => fs.readFileSync('b.bin').toString('hex'));
step('write typed array', () => fs.writeFileSync('c.bin', new Uint16Array([1, 2])));
step('read typed array', () => fs.readFileSync('c.bin'));
step('write flag wx', () => fs.writeFileSync('a.txt', 'x', { flag: 'wx' }));
step('write flag a', () => fs.writeFileSync('a.txt', '!', { flag: 'a' }));
step('read after flag a', () => fs.readFileSync('a.txt', 'utf8'));
step('missing', () => fs.readFileSync('missing.txt'));
step('missing parent', () => fs.writeFileSync('nope/x.txt', 'x'));
step('read a directory', () => fs.readFileSync('.'));
step('write a directory', () => fs.writeFileSync('.', 'x'));
step('bad encoding', () => fs.readFileSync('a.txt', 'nope'));
step('bad path type', () => fs.readFileSync({}));
step('null byte', () => fs.readFileSync('a\\0b'));
step('bad data', () => fs.writeFileSync('z.txt', 42));
step('copy', () => fs.copyFileSync('a.txt', 'copy.txt'));
step('copy excl', () => fs.copyFileSync('a.txt', 'copy.txt', fs.constants.COPYFILE_EXCL));
step('copy missing', () => fs.copyFileSync('missing', 'copy2.txt'));
step('copied', () => fs.readFileSync('copy.txt', 'utf8'));
step('truncate', () => fs.truncateSync('copy.txt', 3));
step('truncated', () => fs.readFileSync('copy.txt', 'utf8'));
step('truncate longer', () => fs.truncateSync('copy.txt', 5));
step('longer', () => fs.readFileSync('copy.txt'));
step('exists', () => [fs.existsSync('a.txt'), fs.existsSync('missing'), fs.existsSync(), fs.existsSync('.')]);
step('access', () => fs.accessSync('a.txt', fs.constants.R_OK));
step('access missing', () => fs.accessSync('missing'));
step('access bad mode', () => fs.accessSync('a.txt', 8));
`);
    expect(sandbox).toBe(host);
  });

  it("makes, lists and removes directories, with Node's errors", async () => {
    const { host, sandbox } = await both(`
step('mkdir', () => fs.mkdirSync('d'));
step('mkdir again', () => fs.mkdirSync('d'));
step('mkdir -p', () => fs.mkdirSync('d/e/f', { recursive: true }));
step('mkdir -p existing', () => fs.mkdirSync('d/e', { recursive: true }));
step('mkdir missing parent', () => fs.mkdirSync('x/y'));
step('write', () => fs.writeFileSync('d/e/f/g.txt', 'g'));
step('write 2', () => fs.writeFileSync('d/h.txt', 'h'));
step('mkdir on file', () => fs.mkdirSync('d/h.txt', { recursive: true }));
step('mkdir through file', () => fs.mkdirSync('d/h.txt/z', { recursive: true }));
step('readdir', () => fs.readdirSync('d').sort());
step('readdir types', () => fs.readdirSync('d', { withFileTypes: true }).map(e => [e.name, e.isFile(), e.isDirectory(), e.parentPath]).sort());
step('readdir recursive', () => fs.readdirSync('d', { recursive: true }).sort());
step('readdir recursive types', () => fs.readdirSync('d', { recursive: true, withFileTypes: true }).map(e => e.parentPath + ':' + e.name).sort());
step('readdir buffer', () => fs.readdirSync('d', 'buffer').map(b => Buffer.isBuffer(b)));
step('readdir missing', () => fs.readdirSync('missing'));
step('readdir file', () => fs.readdirSync('d/h.txt'));
step('rmdir not empty', () => fs.rmdirSync('d'));
step('rmdir file', () => fs.rmdirSync('d/h.txt'));
step('unlink dir', () => fs.unlinkSync('d/e'));
step('unlink missing', () => fs.unlinkSync('missing'));
step('rm dir', () => fs.rmSync('d'));
step('rm missing', () => fs.rmSync('missing'));
step('rm missing force', () => fs.rmSync('missing', { force: true }));
step('rm -r', () => fs.rmSync('d/e', { recursive: true }));
step('after rm', () => fs.readdirSync('d'));
step('unlink', () => fs.unlinkSync('d/h.txt'));
step('rmdir', () => fs.rmdirSync('d'));
step('gone', () => fs.existsSync('d'));
step('mkdtemp', () => /^tmp-[A-Za-z0-9]{6}$/.test(fs.mkdtempSync('tmp-')));
step('opendir', () => { fs.mkdirSync('o'); fs.writeFileSync('o/1', ''); const d = fs.opendirSync('o'); const e = d.readSync(); const n = d.readSync(); d.closeSync(); return [d.path, e.name, n]; });
`);
    expect(sandbox).toBe(host);
  });

  it("renames, stats, links and changes modes, with Node's errors", async () => {
    const { host, sandbox } = await both(`
fs.mkdirSync('d'); fs.mkdirSync('e'); fs.writeFileSync('e/x', 'x'); fs.writeFileSync('f.txt', 'ff');
step('rename file', () => fs.renameSync('f.txt', 'g.txt'));
step('rename missing', () => fs.renameSync('f.txt', 'h.txt'));
step('rename dir over non-empty dir', () => fs.renameSync('d', 'e'));
step('rename file over dir', () => fs.renameSync('g.txt', 'd'));
step('rename dir over file', () => fs.renameSync('d', 'g.txt'));
step('rename into itself', () => fs.renameSync('e', 'e/inner'));
step('rename to same', () => fs.renameSync('g.txt', 'g.txt'));
step('stat file', () => statOf(fs.statSync('g.txt')));
step('stat dir', () => statOf(fs.statSync('d')));
step('stat missing', () => fs.statSync('missing'));
step('stat missing no throw', () => fs.statSync('missing', { throwIfNoEntry: false }));
step('stat bigint', () => typeof fs.statSync('g.txt', { bigint: true }).size);
step('symlink', () => fs.symlinkSync('g.txt', 'link'));
step('symlink exists', () => fs.symlinkSync('g.txt', 'link'));
step('lstat link', () => statOf(fs.lstatSync('link')));
step('stat link', () => statOf(fs.statSync('link')));
step('readlink', () => fs.readlinkSync('link'));
step('readlink file', () => fs.readlinkSync('g.txt'));
step('read via link', () => fs.readFileSync('link', 'utf8'));
step('realpath', () => fs.realpathSync('link') === fs.realpathSync('g.txt'));
step('realpath missing', () => { try { fs.realpathSync('missing'); } catch (e) { return [e.code, e.syscall, e.path.endsWith('/missing')]; } });
step('dangling', () => { fs.symlinkSync('nowhere', 'dangling'); return [fs.existsSync('dangling'), fs.lstatSync('dangling').isSymbolicLink()]; });
step('readdir link types', () => fs.readdirSync('.', { withFileTypes: true }).filter(e => e.isSymbolicLink()).map(e => e.name).sort());
step('hard link', () => fs.linkSync('g.txt', 'hard'));
step('hard link nlink', () => fs.statSync('g.txt').nlink);
step('hard link dir', () => fs.linkSync('d', 'hd'));
step('chmod', () => { fs.chmodSync('g.txt', 0o600); return (fs.statSync('g.txt').mode & 0o777).toString(8); });
step('chmod string', () => { fs.chmodSync('g.txt', '640'); return (fs.statSync('g.txt').mode & 0o777).toString(8); });
step('utimes', () => { fs.utimesSync('g.txt', 1000, 2000); const s = fs.statSync('g.txt'); return [s.atimeMs, s.mtimeMs, s.mtime.toISOString()]; });
step('utimes date', () => { fs.utimesSync('g.txt', new Date(5000), new Date(6000)); return fs.statSync('g.txt').mtimeMs; });
step('unlink link', () => { fs.unlinkSync('link'); return [fs.existsSync('link'), fs.existsSync('g.txt')]; });
step('cp dir needs recursive', () => fs.cpSync('e', 'e2'));
step('cp -r', () => { fs.cpSync('e', 'e2', { recursive: true }); return fs.readdirSync('e2'); });
step('cp file', () => { fs.cpSync('g.txt', 'cp.txt'); return fs.readFileSync('cp.txt', 'utf8'); });
step('cp into self', () => fs.cpSync('e', 'e/sub', { recursive: true }));
`);
    expect(sandbox).toBe(host);
  });

  it("opens, reads, writes and closes descriptors", async () => {
    const { host, sandbox } = await both(`
step('open w', () => typeof fs.openSync('f.txt', 'w'));
const fd = fs.openSync('f.txt', 'w+');
step('write string', () => fs.writeSync(fd, 'hello world'));
step('write buffer at', () => fs.writeSync(fd, Buffer.from('HE'), 0, 2, 0));
step('write at position', () => fs.writeSync(fd, 'W', 6));
const buf = Buffer.alloc(11);
step('read', () => [fs.readSync(fd, buf, 0, 11, 0), buf.toString()]);
step('read options', () => { const b = Buffer.alloc(4); return [fs.readSync(fd, b, { position: 7 }), b.toString()]; });
step('read past end', () => fs.readSync(fd, Buffer.alloc(4), 0, 4, 100));
step('read bad offset', () => fs.readSync(fd, Buffer.alloc(4), 5, 1, 0));
step('read bad length', () => fs.readSync(fd, Buffer.alloc(4), 0, 5, 0));
step('fstat', () => fs.fstatSync(fd).size);
step('ftruncate', () => { fs.ftruncateSync(fd, 5); return fs.readFileSync('f.txt', 'utf8'); });
step('fsync', () => fs.fsyncSync(fd));
step('close', () => fs.closeSync(fd));
step('close again', () => fs.closeSync(fd));
step('read closed', () => fs.readSync(fd, Buffer.alloc(1), 0, 1, 0));
step('open missing', () => fs.openSync('missing', 'r'));
step('open wx existing', () => fs.openSync('f.txt', 'wx'));
step('bad flags', () => fs.openSync('f.txt', 'q'));
step('bad fd', () => fs.closeSync(-1));
step('append fd', () => { const a = fs.openSync('f.txt', 'a'); fs.writeSync(a, '!!', 0); fs.closeSync(a); return fs.readFileSync('f.txt', 'utf8'); });
step('read-only write', () => { const r = fs.openSync('f.txt', 'r'); try { return fs.writeSync(r, 'x'); } finally { fs.closeSync(r); } });
step('sequential reads', () => { const r = fs.openSync('f.txt', 'r'); const b = Buffer.alloc(3); const out = [fs.readSync(r, b), b.toString(), fs.readSync(r, b), b.toString()]; fs.closeSync(r); return out; });
step('readFile from fd', () => { const r = fs.openSync('f.txt', 'r'); try { return fs.readFileSync(r, 'utf8'); } finally { fs.closeSync(r); } });
step('writeFile to fd', () => { const w = fs.openSync('g.txt', 'w'); fs.writeFileSync(w, 'via fd'); fs.closeSync(w); return fs.readFileSync('g.txt', 'utf8'); });
step('write to stdout', () => fs.writeSync(1, 'to stdout\\n'));
`);
    expect(sandbox).toBe(host);
  });

  it("gives the same callback and promise results", async () => {
    const { host, sandbox } = await both(`
(async () => {
  const fsp = require('fs/promises');
  await astep('p write', () => fsp.writeFile('p.txt', 'promised'));
  await astep('p read', () => fsp.readFile('p.txt', 'utf8'));
  await astep('p missing', () => fsp.readFile('missing'));
  await astep('p bad arg', () => fsp.readFile(42));
  await astep('p mkdir', () => fsp.mkdir('pd/a/b', { recursive: true }));
  await astep('p readdir', () => fsp.readdir('pd', { recursive: true }).then(l => l.sort()));
  await astep('p stat', () => fsp.stat('p.txt').then(statOf));
  await astep('p rename', () => fsp.rename('p.txt', 'q.txt'));
  await astep('p rm', () => fsp.rm('pd', { recursive: true }));
  await astep('p access', () => fsp.access('pd'));
  await astep('p same as fs.promises', () => fsp === fs.promises);
  await astep('p filehandle', async () => {
    const fh = await fsp.open('q.txt', 'r+');
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    await fh.write('PRO', 0);
    const all = await fh.readFile('utf8');
    const size = (await fh.stat()).size;
    await fh.close();
    return [bytesRead, buffer.toString(), all, size, typeof fh.fd];
  });
  await astep('p filehandle readFile', async () => { const fh = await fsp.open('q.txt'); try { return await fh.readFile({ encoding: 'utf8' }); } finally { await fh.close(); } });
  await astep('p append', async () => { await fsp.appendFile('q.txt', '+'); return fsp.readFile('q.txt', 'utf8'); });
  await astep('p copyFile', async () => { await fsp.copyFile('q.txt', 'r.txt'); return fsp.readFile('r.txt', 'latin1'); });
  await new Promise((resolve) => fs.readFile('q.txt', 'utf8', (err, data) => { console.log('cb read', err, data); resolve(); }));
  await new Promise((resolve) => fs.readFile('missing', (err, data) => { console.log('cb missing', err.code, err.message, data); resolve(); }));
  await new Promise((resolve) => fs.stat('q.txt', (err, s) => { console.log('cb stat', err, s.isFile()); resolve(); }));
  await new Promise((resolve) => fs.exists('q.txt', (e) => { console.log('cb exists', e); resolve(); }));
  await new Promise((resolve) => fs.mkdir('cbdir', (err) => { console.log('cb mkdir', err); resolve(); }));
  await new Promise((resolve) => fs.readdir('cbdir', (err, l) => { console.log('cb readdir', err, l); resolve(); }));
  await new Promise((resolve) => fs.open('q.txt', 'r', (err, fd) => { const b = Buffer.alloc(3); fs.read(fd, b, 0, 3, 0, (err2, n, buf) => { console.log('cb read fd', err2, n, buf === b, b.toString()); fs.close(fd, (err3) => { console.log('cb close', err3); resolve(); }); }); }));
  try { fs.readFile('q.txt'); } catch (e) { console.log('no cb', e.code, e.message); }
  step('order', () => { const seen = []; fs.stat('q.txt', () => seen.push('cb')); seen.push('sync'); return seen; });
})();
`);
    expect(sandbox).toBe(host);
  });
  it("streams files through createReadStream and createWriteStream", async () => {
    const { host, sandbox } = await both(`
const ws = fs.createWriteStream('s.txt');
ws.on('open', (fd) => console.log('ws open', typeof fd));
ws.write('hello ');
ws.write(Buffer.from('stream '));
ws.end('world', () => {
  console.log('ws end', ws.bytesWritten, fs.readFileSync('s.txt', 'utf8'));
  const chunks = [];
  const rs = fs.createReadStream('s.txt', { highWaterMark: 4, start: 2, end: 12 });
  rs.on('open', (fd) => console.log('rs open', typeof fd));
  rs.on('data', (c) => chunks.push(c.toString()));
  rs.on('end', () => console.log('rs end', JSON.stringify(chunks), rs.bytesRead));
  rs.on('close', () => {
    console.log('rs close');
    const bad = fs.createReadStream('missing.txt');
    bad.on('error', (e) => console.log('rs error', e.code, e.syscall, e.path));
    const enc = fs.createReadStream('s.txt', 'utf8');
    let text = '';
    enc.on('data', (c) => { text += c; });
    enc.on('end', () => {
      console.log('rs utf8', typeof text, text);
      const ap = fs.createWriteStream('s.txt', { flags: 'a' });
      ap.end('!', () => console.log('appended', fs.readFileSync('s.txt', 'utf8')));
    });
  });
});
`);
    expect(sandbox).toBe(host);
  });
  it("has every function of Node's fs and fs/promises", async () => {
    const { host, sandbox } = await both(`
const names = (o) => Object.keys(o).filter((k) => typeof o[k] === 'function' && !k.startsWith('_')).sort().join(' ');
console.log(names(fs));
console.log(names(require('fs/promises')));
console.log(Object.keys(fs.constants).length > 50, fs.constants.O_CREAT, fs.F_OK, fs.R_OK, fs.W_OK, fs.X_OK);
`);
    expect(sandbox).toBe(host);
  });

});
