/**
 * Synchronous host work a guest asks for: one call may do only a bounded amount of it
 * (module resolution lookups, compression input by level, PBKDF2 and scrypt work), and
 * the host time it takes is the guest's CPU time, so a run that overruns its budget
 * through host calls ends with 124 like one that overruns it in guest code.
 */
import { describe, expect, it } from "vitest";
import { allowAll, createInMemoryFileSystem, createNodeDriver, ExitCode, NodeRuntime } from "../../src/index.js";
import { maxPbkdf2Iterations } from "../../src/shims/crypto/host.js";
import { MAX_RESOLVE_PATHS, MAX_RESOLVE_PROBES } from "../../src/shims/module/resolve.js";
import { BROTLI_MAX_INPUT, DEFLATE_MAX_INPUT } from "../../src/shims/zlib/host.js";

const MODES = ["in-process", "worker"] as const;

function runtime(mode: (typeof MODES)[number], cpuTimeLimitMs = 10_000) {
  return new NodeRuntime({ mode, cpuTimeLimitMs, systemDriver: createNodeDriver({ filesystem: createInMemoryFileSystem(), permissions: allowAll }) });
}

async function execIn(mode: (typeof MODES)[number], code: string, cpuTimeLimitMs?: number) {
  const rt = runtime(mode, cpuTimeLimitMs);
  try {
    const t = performance.now();
    const r = await rt.exec(code);
    return { ...r, ms: performance.now() - t };
  } finally {
    rt.dispose();
  }
}

describe("module resolution is bounded per call", () => {
  for (const mode of MODES) {
    it(`refuses require.resolve with more paths entries than the limit at once (${mode})`, async () => {
      const r = await execIn(mode, `
        const paths = Array.from({ length: 1000 }, (_, i) => "/p" + i + "/a/b/c/d/e");
        try { require.resolve("nope", { paths }); } catch (e) { console.log(e.code, e.message); }`);
      expect(r.stdout).toContain("ERR_SANDBOX_LIMIT");
      expect(r.stdout).toContain(`limit of ${MAX_RESOLVE_PATHS}`);
      expect(r.ms).toBeLessThan(5_000);
    });

    it(`stops a resolution after ${MAX_RESOLVE_PROBES} filesystem lookups (${mode})`, async () => {
      const r = await execIn(mode, `
        const deep = "/a".repeat(40);
        const paths = Array.from({ length: ${MAX_RESOLVE_PATHS} }, (_, i) => "/q" + i + deep);
        try { require.resolve("nope", { paths }); } catch (e) { console.log(e.code, e.message); }`);
      expect(r.stdout).toMatch(/^ERR_SANDBOX_LIMIT module resolution gave up after \d+ filesystem lookups/);
    });

    it(`still resolves through a few paths entries (${mode})`, async () => {
      const r = await execIn(mode, `
        const fs = require("fs");
        fs.mkdirSync("/lib/node_modules/dep", { recursive: true });
        fs.writeFileSync("/lib/node_modules/dep/index.js", "module.exports = 42;");
        console.log(require.resolve("dep", { paths: ["/elsewhere", "/lib"] }));`);
      expect(r.stdout).toBe("/lib/node_modules/dep/index.js\n");
    });
  }

  it("keeps the caller's event loop turning while a worker guest resolves at the limit in a loop", async () => {
    const rt = runtime("worker");
    let worst = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    try {
      const r = await rt.exec(`
        const deep = "/a".repeat(40);
        const paths = Array.from({ length: ${MAX_RESOLVE_PATHS} }, (_, i) => "/q" + i + deep);
        let n = 0;
        for (let i = 0; i < 20; i++) try { require.resolve("nope", { paths }); } catch (e) { if (e.code === "ERR_SANDBOX_LIMIT") n++; }
        console.log(n);`);
      expect(r.stdout).toBe("20\n");
    } finally {
      clearInterval(tick);
      rt.dispose();
    }
    // One resolution is a bounded number of lookups: the host's loop waits for one at most.
    expect(worst).toBeLessThan(1_000);
  });
});

describe("compression and key derivation are bounded per call", () => {
  for (const mode of MODES) {
    it(`refuses brotliCompressSync of 8 MiB at the default quality with ERR_SANDBOX_LIMIT, at once (${mode})`, async () => {
      const r = await execIn(
        mode,
        `const data = Buffer.alloc(8 << 20, "quicksand");
         try { require("zlib").brotliCompressSync(data); console.log("compressed"); } catch (e) { console.log(e.code, e.message); }`,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`ERR_SANDBOX_LIMIT zlib brotliCompress: 8388608 bytes of input at brotli quality 11 is over the sandbox's limit of ${BROTLI_MAX_INPUT[11]} bytes`);
      expect(r.ms).toBeLessThan(5_000);
    });
  }

  it("bounds gzip input by level, sync and async, and accepts what fits", async () => {
    const r = await execIn("in-process", `
      const zlib = require("zlib");
      const big = Buffer.alloc(${DEFLATE_MAX_INPUT[9]! + 1}, "a");
      try { zlib.gzipSync(big, { level: 9 }); } catch (e) { console.log("sync", e.code); }
      zlib.gzip(big, { level: 9 }, (e) => console.log("async", e && e.code));
      console.log("level 1", zlib.gunzipSync(zlib.gzipSync(big, { level: 1 })).length);
      console.log("fits", zlib.gunzipSync(zlib.gzipSync(big.subarray(1), { level: 9 })).length);
      console.log("decompress", zlib.inflateSync(zlib.deflateSync(Buffer.alloc(${DEFLATE_MAX_INPUT[6]! * 4}), { level: 1 })).length);`);
    expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(
      ["async ERR_SANDBOX_LIMIT", `decompress ${DEFLATE_MAX_INPUT[6]! * 4}`, `fits ${DEFLATE_MAX_INPUT[9]}`, `level 1 ${DEFLATE_MAX_INPUT[9]! + 1}`, "sync ERR_SANDBOX_LIMIT"].sort(),
    );
  });

  it("bounds PBKDF2 by iterations × key blocks × digest cost, naming the most allowed", async () => {
    const max = maxPbkdf2Iterations("sha512", 64);
    const r = await execIn("in-process", `
      const crypto = require("crypto");
      for (const [it, len, d] of [[5000000, 32, "sha512"], [1000000, 1024, "sha1"], [${max + 1}, 64, "sha512"]]) {
        try { crypto.pbkdf2Sync("p", "s", it, len, d); console.log("ran"); } catch (e) { console.log(e.code, e.message); }
      }
      crypto.pbkdf2("p", "s", 5000000, 32, "sha512", (e) => console.log("async", e.code));`);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    for (const l of lines.slice(0, 3)) expect(l).toMatch(/^ERR_OUT_OF_RANGE The value of "iterations" is out of range\. It must be >= 1 && <= \d+ \(a quicksand sandbox limit/);
    expect(lines[2]).toContain(`<= ${max} (`);
    expect(lines[3]).toBe("async ERR_OUT_OF_RANGE");
  });

  it("bounds scrypt's N·r·p", async () => {
    const r = await execIn("in-process", `
      try { require("crypto").scryptSync("p", "s", 32, { N: 16384, r: 8, p: 32 }); } catch (e) { console.log(e.code); }`);
    expect(r.stdout).toBe("ERR_CRYPTO_INVALID_SCRYPT_PARAMS\n");
  });
});

describe("host time of a synchronous call is the guest's CPU time", () => {
  for (const mode of MODES) {
    it(`ends a run whose last statement is a long pbkdf2Sync with 124 under a 100 ms budget (${mode})`, async () => {
      const r = await execIn(mode, `require("crypto").pbkdf2Sync("p", "s", ${maxPbkdf2Iterations("sha512", 64)}, 64, "sha512");`, 100);
      expect(r.code).toBe(ExitCode.CPU_TIME_LIMIT);
    });

    it(`ends a run that overruns its budget in a sync compression call with 124 (${mode})`, async () => {
      const r = await execIn(
        mode,
        `const data = require("crypto").randomBytes(${BROTLI_MAX_INPUT[11]}).map((b) => 97 + (b & 1));
         require("zlib").brotliCompressSync(data); console.log("done");`,
        100,
      );
      expect(r.code).toBe(ExitCode.CPU_TIME_LIMIT);
    });
  }

  it("does not end a run whose host calls fit in its budget", async () => {
    const r = await execIn("in-process", `require("crypto").pbkdf2Sync("p", "s", 1000, 32, "sha256"); console.log("ok");`, 5_000);
    expect([r.code, r.stdout]).toEqual([0, "ok\n"]);
  });
});
