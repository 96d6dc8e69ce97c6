/**
 * The wall-clock bound: a run that waits — on intervals, on host work that never
 * answers, on a server nobody calls — ends at `wallTimeLimitMs` with 124 and a message
 * naming the wall-clock limit, in both modes. Bounds on elapsed time are generous (the
 * machine may be slow), never tight.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode, NodeRuntime, allowAll, createInMemoryFileSystem, createNodeDriver, type VirtualFileSystem } from "../../src/index.js";
import { DEFAULTS } from "../../src/runtime/defaults.js";
import { asyncOnlyFs } from "../helpers.js";

const MODES = ["in-process", "worker"] as const;
const LIMIT = 400;
const message = (ms: number) => `wall-clock time limit of ${ms} ms exceeded`;

/** A loopback server that accepts requests and never answers them. */
let silent: Server;
let silentPort = 0;
beforeAll(async () => {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(() => {
  silent.closeAllConnections();
  silent.close();
});

/** An async-only filesystem whose reads never settle (a remote store that hangs). */
async function hangingFs(): Promise<VirtualFileSystem> {
  const inner = createInMemoryFileSystem();
  await inner.writeFile("/app/data.txt", "data");
  await inner.writeFile("/app/dep.mjs", "export const dep = 1");
  return { ...asyncOnlyFs(inner), readFile: () => new Promise<Uint8Array>(() => {}), readTextFile: () => new Promise<string>(() => {}) } as VirtualFileSystem;
}

async function runtime(mode: (typeof MODES)[number], options: ConstructorParameters<typeof NodeRuntime>[0] = {}) {
  return new NodeRuntime({
    mode,
    cpuTimeLimitMs: Infinity,
    wallTimeLimitMs: LIMIT,
    systemDriver: createNodeDriver({ filesystem: await hangingFs(), permissions: allowAll, useDefaultNetwork: true, loopbackExemptPorts: [silentPort] }),
    ...options,
  });
}

describe("wall-clock time limit", () => {
  const waits: Record<string, { code: string; filePath?: string; modes?: readonly (typeof MODES)[number][] }> = {
    "a guest kept alive only by intervals": { code: "for (let i = 0; i < 30; i++) setInterval(() => {}, 5)" },
    "a long timeout": { code: "setTimeout(() => console.log('late'), 60_000)" },
    "an fs promise the adapter never settles": { code: "require('fs').promises.readFile('/app/data.txt').then(() => console.log('late'))" },
    "an fs callback the adapter never calls": { code: "require('fs').readFile('/app/data.txt', () => console.log('late'))" },
    "a synchronous fs call the adapter never answers": { code: "require('fs').readFileSync('/app/data.txt'); console.log('late')", modes: ["worker"] },
    "a fetch to a loopback server that never responds": { code: "fetch('http://127.0.0.1:PORT/').then(() => console.log('late'))" },
    "an http request to a loopback server that never responds": { code: "require('http').get('http://127.0.0.1:PORT/', () => console.log('late'))" },
    "a listening server nobody calls": { code: "require('http').createServer(() => {}).listen(0)" },
    "an ES module import the adapter never reads": { code: "import { dep } from './dep.mjs'; console.log(dep)", filePath: "/app/main.mjs" },
    "busy guest code under an unlimited CPU budget": { code: "for (;;) {}" },
    "an await that waits on a never-settling host call": { code: "(async () => { await require('fs').promises.readFile('/app/data.txt'); console.log('late') })()" },
  };
  for (const [what, { code, filePath, modes = MODES }] of Object.entries(waits)) {
    for (const mode of modes) {
      it(`ends ${what} at the bound with 124 (${mode})`, async () => {
        const rt = await runtime(mode);
        try {
          const started = performance.now();
          const r = await rt.exec(code.replace("PORT", String(silentPort)), filePath ? { filePath } : {});
          const elapsed = performance.now() - started;
          expect(r).toMatchObject({ code: ExitCode.WALL_TIME_LIMIT, errorMessage: message(LIMIT), stdout: "" });
          expect(elapsed).toBeGreaterThanOrEqual(LIMIT - 20);
          expect(elapsed).toBeLessThan(LIMIT + 5_000);
          // The runtime carries on with a fresh sandbox.
          expect(await rt.exec("console.log('next')")).toMatchObject({ code: 0, stdout: "next\n" });
        } finally {
          rt.dispose();
        }
      });
    }
  }

  for (const mode of MODES) {
    it(`takes the per-exec wallTimeLimitMs over the runtime's, for exec and run (${mode})`, async () => {
      const rt = await runtime(mode, { wallTimeLimitMs: 60_000 });
      try {
        expect(await rt.exec("setInterval(() => {}, 5)", { wallTimeLimitMs: 150 })).toMatchObject({ code: 124, errorMessage: message(150) });
        expect(await rt.run("await new Promise((r) => setTimeout(r, 60_000)); export default 1", { wallTimeLimitMs: 200, filePath: "/app/m.mjs" })).toMatchObject({
          code: 124,
          errorMessage: message(200),
        });
        expect(await rt.run("export default 40 + 2", "/app/m.mjs")).toMatchObject({ code: 0, exports: { default: 42 } });
      } finally {
        rt.dispose();
      }
    });

    it(`lets a run that finishes in time end normally, and Infinity disables the bound (${mode})`, async () => {
      const rt = await runtime(mode, { wallTimeLimitMs: Infinity });
      try {
        expect(await rt.exec("let n = 0; const t = setInterval(() => { if (++n === 20) { clearInterval(t); console.log('done') } }, 20)")).toMatchObject({ code: 0, stdout: "done\n" });
        expect(await rt.exec("setTimeout(() => console.log('ok'), 50)", { wallTimeLimitMs: 5_000 })).toMatchObject({ code: 0, stdout: "ok\n" });
      } finally {
        rt.dispose();
      }
    });
  }

  it("has a bounded default", () => {
    expect(DEFAULTS.wallTimeLimitMs).toBe(60_000);
  });

  it("names the CPU limit, not the wall clock, when CPU runs out first", async () => {
    const rt = await runtime("in-process", { cpuTimeLimitMs: 50, wallTimeLimitMs: 10_000 });
    try {
      expect(await rt.exec("for (;;) {}")).toMatchObject({ code: 124, errorMessage: "CPU time limit of 50 ms exceeded" });
    } finally {
      rt.dispose();
    }
  });
});
