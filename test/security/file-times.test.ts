/**
 * Under timing mitigation "freeze" the guest's clock stands still; file times must not
 * hand it the real one. A file the guest writes shows the guest's clock in every time
 * stat reports; times from before the run show as they are, and what the filesystem
 * stores (the host's view) is left alone.
 */
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allowAll, createInMemoryFileSystem, createNodeDriver, NodeFileSystem, NodeRuntime, type ExecOptions, type VirtualFileSystem } from "../../src/index.js";

const MODES = ["in-process", "worker"] as const;

async function execOn(mode: (typeof MODES)[number], filesystem: VirtualFileSystem, code: string, ex: ExecOptions = {}) {
  const rt = new NodeRuntime({ mode, systemDriver: createNodeDriver({ filesystem, permissions: allowAll }) });
  try {
    return await rt.exec(code, ex);
  } finally {
    rt.dispose();
  }
}

/** Busy work first, so the real clock has moved on from the frozen one. */
const WRITE_AND_STAT = (dir: string) => `
  const fs = require("fs");
  let x = 0; for (let i = 0; i < 3e6; i++) x += i;
  fs.mkdirSync("${dir}/d", { recursive: true });
  fs.writeFileSync("${dir}/d/f.txt", "hello");
  fs.appendFileSync("${dir}/d/f.txt", " world");
  const fd = fs.openSync("${dir}/d/f.txt", "r+");
  const times = (s) => [s.atimeMs, s.mtimeMs, s.ctimeMs, s.birthtimeMs];
  console.log(JSON.stringify({
    now: Date.now(),
    stat: times(fs.statSync("${dir}/d/f.txt")),
    lstat: times(fs.lstatSync("${dir}/d/f.txt")),
    fstat: times(fs.fstatSync(fd)),
    dir: times(fs.statSync("${dir}/d")),
    mtime: fs.statSync("${dir}/d/f.txt").mtime.getTime(),
  }));
  fs.closeSync(fd);`;

describe("file times follow the guest's clock", () => {
  for (const mode of MODES) {
    it(`shows the frozen clock in every time of a file and directory the guest just wrote (${mode}, in-memory fs)`, async () => {
      const r = await execOn(mode, createInMemoryFileSystem(), WRITE_AND_STAT("/work"));
      const v = JSON.parse(r.stdout) as Record<string, number[] | number>;
      const now = v.now as number;
      for (const key of ["stat", "lstat", "fstat", "dir"]) expect(v[key]).toEqual([now, now, now, now]);
      expect(v.mtime).toBe(now);
    });
  }

  it("shows the frozen clock for files the guest writes on the host filesystem, and leaves the host's own times true", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quicksand-times-"));
    try {
      const old = join(dir, "old.txt");
      writeFileSync(old, "from the host");
      utimesSync(old, 1_000_000_000, 1_000_000_000);
      const before = Date.now();
      const r = await execOn("in-process", new NodeFileSystem({ root: dir }), WRITE_AND_STAT("") + `\nconsole.log(fs.statSync("/old.txt").mtimeMs);`);
      const [first, oldMtime] = r.stdout.trim().split("\n");
      const v = JSON.parse(first!) as { now: number; stat: number[] };
      expect(v.stat).toEqual([v.now, v.now, v.now, v.now]);
      // A time from before the run shows as it is.
      expect(Number(oldMtime)).toBe(1_000_000_000_000);
      // On the host the file keeps its real times.
      expect(statSync(join(dir, "d", "f.txt")).mtimeMs).toBeGreaterThanOrEqual(before - 1000);
      expect(statSync(join(dir, "d", "f.txt")).mtimeMs).toBeGreaterThanOrEqual(v.now);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps times the guest sets in the past, and shows utimes 'now' as the guest's now", async () => {
    const r = await execOn("in-process", createInMemoryFileSystem(), `
      const fs = require("fs");
      fs.writeFileSync("/a", "x");
      fs.utimesSync("/a", new Date("2001-02-03T04:05:06Z"), new Date("2002-03-04T05:06:07Z"));
      const s = fs.statSync("/a");
      console.log(s.atime.toISOString(), s.mtime.toISOString());
      fs.utimesSync("/a", -1, Date.now() / 1000);
      const t = fs.statSync("/a");
      console.log(t.atimeMs === Date.now(), t.mtimeMs === Date.now());`);
    expect(r.stdout).toBe("2001-02-03T04:05:06.000Z 2002-03-04T05:06:07.000Z\ntrue true\n");
  });

  it("shows the raw bridge's stat record with the frozen clock too (no way around the guest's fs)", async () => {
    const r = await execOn("in-process", createInMemoryFileSystem(), `
      void process;
      const fc = globalThis[Symbol.for("quicksand.requireBuiltin")]("quicksand:internal/fs/common");
      let x = 0; for (let i = 0; i < 3e6; i++) x += i;
      fc.op("fs.writeFile", [], "/raw", "data", undefined);
      const rec = new Float64Array(fc.op("fs.stat", [], "/raw"));
      console.log(rec.slice(10).every((t) => t === Date.now()));`);
    expect(r.stdout).toBe("true\n");
  });

  it('gives real file times with timingMitigation "off"', async () => {
    const before = Date.now();
    const r = await execOn(
      "in-process",
      createInMemoryFileSystem(),
      `const fs = require("fs"); let x = 0; for (let i = 0; i < 3e6; i++) x += i; fs.writeFileSync("/a", "x"); console.log(fs.statSync("/a").mtimeMs, Date.now());`,
      { timingMitigation: "off" },
    );
    const [mtime, now] = r.stdout.trim().split(" ").map(Number);
    expect(mtime).toBeGreaterThanOrEqual(before);
    expect(mtime).toBeLessThanOrEqual(now!);
  });
});
