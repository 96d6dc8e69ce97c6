/**
 * A bounded multi-tenant load test: hundreds of concurrent execs from many tenants on
 * one worker pool, well-behaved ones mixed with memory bombs, infinite loops, long
 * native calls and output floods. Every well-behaved exec must return exactly its own
 * output; every hostile one exactly its limit's error.
 */
import { describe, expect, it } from "vitest";
import { allowAllFs, createInMemoryFileSystem, createNodeDriver, NodeRuntime, WorkerPool } from "../../../src/index.js";
import type { ExecResult } from "../../../src/index.js";


type Kind = "good" | "memory" | "loop" | "native" | "flood";

interface Case {
  kind: Kind;
  code: string;
  /** Well-behaved runs and memory bombs get room: only loops should meet the CPU limit. */
  cpuTimeLimitMs?: number;
  check(r: ExecResult): void;
}

function caseFor(tenant: number, n: number): Case {
  const kinds: Kind[] = ["good", "good", "good", "memory", "good", "loop", "good", "flood", "good", "native"];
  const kind = kinds[(tenant * 3 + n) % kinds.length]!;
  switch (kind) {
    case "good": {
      // Tenant-specific work through the bridge: its own file, env-free compute, a timer.
      const code = `
        const fs = require('fs');
        fs.writeFileSync('/data/t.txt', 'tenant ${tenant} run ${n}');
        let s = 0; for (let i = 0; i <= ${1000 + tenant}; i++) s += i;
        setTimeout(() => console.log(fs.readFileSync('/data/t.txt', 'utf8'), s), 1);`;
      const sum = ((1000 + tenant) * (1001 + tenant)) / 2;
      return { kind, code, cpuTimeLimitMs: 10_000, check: (r) => expect(r).toEqual({ code: 0, stdout: `tenant ${tenant} run ${n} ${sum}\n`, stderr: "" }) };
    }
    case "memory":
      return {
        kind,
        code: "const a = []; while (true) a.push(new Uint8Array(1 << 20).fill(1))",
        cpuTimeLimitMs: 10_000,
        check: (r) => expect(r).toMatchObject({ code: 134, errorMessage: "memory limit of 64 MB exceeded" }),
      };
    case "loop":
      return { kind, code: "for (;;) {}", check: (r) => expect(r).toMatchObject({ code: 124, errorMessage: "CPU time limit of 150 ms exceeded" }) };
    case "native":
      return {
        kind,
        code: "const a = new Array(6e5).fill(0.5); a.sort(); a.sort(); a.sort(); a.sort()",
        check: (r) => {
          expect(r.code).toBe(124);
          expect(r.errorMessage).toMatch(/^CPU time limit of 150 ms exceeded/);
        },
      };
    case "flood":
      return {
        kind,
        code: "while (true) console.log('flood flood flood flood')",
        check: (r) => {
          // The output is cut at the budget; the loop then runs into the CPU limit.
          expect(r.code).toBe(124);
          expect(r.stdout.endsWith("[quicksand: output truncated after 2000 characters]\n")).toBe(true);
          expect(r.stdout.length).toBeLessThan(2100);
        },
      };
  }
}

/** What an exec gets when it shares a worker that the watchdog stopped for another exec. */
function bystander(r: ExecResult): boolean {
  return r.code === 70 && /another exec on the same worker thread/.test(r.errorMessage ?? "");
}

/** Runs the mix; returns how many execs ended as bystanders, and how many checked exactly, by kind. */
async function loadTest(pool: WorkerPool, sharing: boolean): Promise<{ bystanders: number; exact: Record<Kind, number> }> {
  let bystanders = 0;
  const exact: Record<Kind, number> = { good: 0, memory: 0, loop: 0, native: 0, flood: 0 };
  const tenants = Array.from({ length: 40 }, () => {
    const filesystem = createInMemoryFileSystem();
    void filesystem.mkdir("/data", { recursive: true });
    return new NodeRuntime({
      workerPool: pool,
      memoryLimit: 64,
      cpuTimeLimitMs: 150,
      resourceBudgets: { maxOutputBytes: 2000 },
      systemDriver: createNodeDriver({ filesystem, permissions: allowAllFs }),
    });
  });
  const runs: Promise<void>[] = [];
  const seen: Record<Kind, number> = { good: 0, memory: 0, loop: 0, native: 0, flood: 0 };
  tenants.forEach((rt, tenant) => {
    for (let n = 0; n < 8; n++) {
      const c = caseFor(tenant, n);
      seen[c.kind]++;
      runs.push(
        rt.exec(c.code, c.cpuTimeLimitMs ? { cpuTimeLimitMs: c.cpuTimeLimitMs } : {}).then((r) => {
          // Sharing a worker, an exec may be ended with the one the watchdog stopped.
          if (sharing && bystander(r)) bystanders++;
          else {
            c.check(r);
            exact[c.kind]++;
          }
        }),
      );
    }
  });
  await Promise.all(runs);
  tenants.forEach((rt) => rt.dispose());
  expect(seen.good).toBeGreaterThan(150);
  expect(Math.min(seen.memory, seen.loop, seen.native, seen.flood)).toBeGreaterThan(20);
  return { bystanders, exact };
}

describe("multi-tenant load on a worker pool", () => {
  it("serves 320 concurrent execs from 40 tenants with exact results", { timeout: 120_000 }, async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const { bystanders, exact } = await loadTest(pool, false);
      expect(bystanders).toBe(0);
      expect(exact.good).toBeGreaterThan(150);
    } finally {
      await pool.close();
    }
  });

  it("with execsPerWorker: 4, every exec gets its exact result or, beside a stopped one, the bystander error", { timeout: 120_000 }, async () => {
    const pool = new WorkerPool({ size: 2, execsPerWorker: 4 });
    try {
      const { bystanders, exact } = await loadTest(pool, true);
      // Each native-call hog that the watchdog stops ends at most the 3 other execs its
      // worker holds; most well-behaved execs never share a worker with one.
      expect(exact.native).toBeGreaterThan(0);
      expect(bystanders).toBeLessThanOrEqual(exact.native * 3);
      expect(exact.good).toBeGreaterThan(100);
    } finally {
      await pool.close();
    }
  });
});
