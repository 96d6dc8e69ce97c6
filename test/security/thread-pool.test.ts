/**
 * Host work a guest starts on libuv's thread pool (async crypto.pbkdf2/scrypt, async
 * zlib). That pool is shared by the whole process: the host's own `fs` waits in the same
 * queue. A guest that floods it must not stall the host, during the run or after
 * dispose(), and must not hold up another sandbox's jobs.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { NodeRuntime } from "../../src/index.js";
import { slotUse } from "../../src/runtime/host-jobs.js";
import { maxPbkdf2Iterations, MAX_SCRYPT_WORK } from "../../src/shims/crypto/host.js";
import { BROTLI_MAX_INPUT } from "../../src/shims/zlib/host.js";

const MODES = ["in-process", "worker"] as const;
const HOST_FILE = fileURLToPath(import.meta.url);
/** Generous: the host's read waits for at most the jobs already running (bounded, well under a second each). */
const HOST_READ_BOUND_MS = 1_500;

const PBKDF2_FLOOD = `
  const crypto = require("crypto");
  for (let i = 0; i < 50; i++) crypto.pbkdf2("pw", "salt", ${maxPbkdf2Iterations("sha256", 32)}, 32, "sha256", () => {});
  console.log("queued");`;

const SCRYPT_FLOOD = `
  const crypto = require("crypto");
  for (let i = 0; i < 50; i++) crypto.scrypt("pw", "salt", 32, { N: 16384, r: 8, p: ${MAX_SCRYPT_WORK / (16384 * 8)} }, () => {});
  console.log("queued");`;

// Random bytes over a two-letter alphabet: the slowest input for brotli's top qualities.
const BROTLI_FLOOD = `
  const zlib = require("zlib");
  const data = require("crypto").randomBytes(${BROTLI_MAX_INPUT[11]}).map((b) => 97 + (b & 1));
  for (let i = 0; i < 50; i++) zlib.brotliCompress(data, () => {});
  console.log("queued");`;

/** Runs `code` until it prints "queued", disposes the runtime at once, and times the host's own file read. */
async function hostReadAfterFlood(code: string, mode: (typeof MODES)[number]): Promise<number> {
  const runtime = new NodeRuntime({ mode, cpuTimeLimitMs: 60_000 });
  let queued!: () => void;
  const ready = new Promise<void>((resolve) => (queued = resolve));
  const run = runtime.exec(code, { onStdio: (e) => e.message.includes("queued") && queued() });
  await ready;
  // Long enough for every job to reach libuv's queue, had it been sent there.
  await new Promise((r) => setTimeout(r, 50));
  runtime.dispose();
  const t = performance.now();
  await readFile(HOST_FILE);
  const took = performance.now() - t;
  await run;
  return took;
}

/** Waits until the process's slots are all free again (the running jobs have finished). */
async function slotsFreed(): Promise<number> {
  for (let i = 0; i < 200 && slotUse().inUse > 0; i++) await new Promise((r) => setTimeout(r, 25));
  return slotUse().inUse;
}

describe("the host's thread pool", () => {
  for (const mode of MODES) {
    it(`keeps the host's fs.promises.readFile prompt after a guest queued 50 maximal pbkdf2 calls and was disposed (${mode})`, async () => {
      expect(await hostReadAfterFlood(PBKDF2_FLOOD, mode)).toBeLessThan(HOST_READ_BOUND_MS);
      expect(await slotsFreed()).toBe(0);
    });

    it(`keeps the host's reads prompt after a flood of maximal scrypt calls (${mode})`, async () => {
      expect(await hostReadAfterFlood(SCRYPT_FLOOD, mode)).toBeLessThan(HOST_READ_BOUND_MS);
      expect(await slotsFreed()).toBe(0);
    });

    it(`keeps the host's reads prompt after a flood of slow async brotli calls (${mode})`, async () => {
      expect(await hostReadAfterFlood(BROTLI_FLOOD, mode)).toBeLessThan(HOST_READ_BOUND_MS);
      expect(await slotsFreed()).toBe(0);
    });
  }

  it("uses at most half of libuv's pool for all sandboxes together", () => {
    const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    expect(slotUse().cap).toBe(Math.max(1, Math.floor(pool / 2)));
  });

  it("drops a guest's waiting jobs when its exec ends (process.exit with calls still queued)", async () => {
    const runtime = new NodeRuntime();
    const t = performance.now();
    const r = await runtime.exec(PBKDF2_FLOOD + "\nprocess.exit(0);");
    runtime.dispose();
    expect(r.code).toBe(0);
    const h = performance.now();
    await readFile(HOST_FILE);
    expect(performance.now() - h).toBeLessThan(HOST_READ_BOUND_MS);
    // Only the job already running, if any, was left to finish.
    expect(await slotsFreed()).toBe(0);
    expect(performance.now() - t).toBeLessThan(10_000);
  });

  it("does not hold up another sandbox's async crypto behind one guest's flood", async () => {
    const flooder = new NodeRuntime({ cpuTimeLimitMs: 60_000 });
    const other = new NodeRuntime();
    let queued!: () => void;
    const ready = new Promise<void>((resolve) => (queued = resolve));
    const flood = flooder.exec(PBKDF2_FLOOD, { onStdio: (e) => e.message.includes("queued") && queued() });
    await ready;
    const t = performance.now();
    const r = await other.exec(`require("crypto").pbkdf2("a", "b", 1000, 16, "sha256", (err, key) => console.log(err ?? key.length));`);
    const took = performance.now() - t;
    flooder.dispose();
    other.dispose();
    await flood;
    expect(r.stdout).toBe("16\n");
    // It waits for at most the one job the flooder has running, not for its queue.
    expect(took).toBeLessThan(3_000);
    expect(await slotsFreed()).toBe(0);
  });

  it("still gives the same results as Node through the queue (pbkdf2, scrypt, zlib round trip)", async () => {
    const runtime = new NodeRuntime();
    const r = await runtime.exec(`
      const crypto = require("crypto"), zlib = require("zlib");
      crypto.pbkdf2("pw", "salt", 1000, 20, "sha1", (e, k) => console.log(k.toString("hex")));
      crypto.scrypt("pw", "salt", 16, { N: 1024 }, (e, k) => console.log(k.toString("hex")));
      zlib.gzip("hello ".repeat(1000), (e, z) => zlib.gunzip(z, (e2, back) => console.log(back.length, e2)));
      zlib.gunzip(zlib.gzipSync(Buffer.alloc(1000)), { maxOutputLength: 100 }, (e) => console.log(e.code, e.message));
    `);
    runtime.dispose();
    const nodeCrypto = await import("node:crypto");
    expect(r.stdout.split("\n").sort()).toEqual(
      [
        nodeCrypto.pbkdf2Sync("pw", "salt", 1000, 20, "sha1").toString("hex"),
        nodeCrypto.scryptSync("pw", "salt", 16, { N: 1024 }).toString("hex"),
        "6000 null",
        "ERR_BUFFER_TOO_LARGE Cannot create a Buffer larger than 100 bytes",
        "",
      ].sort(),
    );
  });
});
