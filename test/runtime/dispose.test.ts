/**
 * dispose() and terminate() while host work is pending: they return promptly, the run
 * ends with 143, every socket and handle the run held is closed (its server's port
 * refuses connections, the loopback server it called sees no connection left, its child
 * is gone), and nothing is thrown in the host afterwards — not even when the host work
 * it abandoned finishes later.
 */
import { execFileSync } from "node:child_process";
import { createServer, get as hostGet, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ExitCode, NodeRuntime, allowAll, createInMemoryFileSystem, createNodeCommandExecutor, createNodeDriver, type VirtualFileSystem } from "../../src/index.js";
import { asyncOnlyFs } from "../helpers.js";

const MODES = ["in-process", "worker"] as const;

/** A loopback server that answers only after `slowMs` (long after the runs are gone). */
const slowMs = 1500;
let slow: Server;
let slowPort = 0;
beforeAll(async () => {
  slow = createServer((_req, res) => {
    setTimeout(() => {
      if (!res.destroyed) res.end("late");
    }, slowMs);
  });
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  slowPort = (slow.address() as { port: number }).port;
});
afterAll(() => {
  slow.closeAllConnections();
  slow.close();
});

/** Errors the host process would see as unhandled: none may appear. */
const hostErrors: unknown[] = [];
const onError = (e: unknown) => hostErrors.push(e);
beforeEach(() => {
  hostErrors.length = 0;
  process.on("unhandledRejection", onError);
  process.on("uncaughtException", onError);
});
afterEach(() => {
  process.off("unhandledRejection", onError);
  process.off("uncaughtException", onError);
});

/** An async-only filesystem whose reads answer after `slowMs`, and one whose reads never do. */
async function slowFs(neverAnswer = false): Promise<VirtualFileSystem> {
  const inner = createInMemoryFileSystem();
  await inner.writeFile("/app/data.txt", "data");
  await inner.writeFile("/app/dep.mjs", "export const dep = 1");
  const later = <T>(v: () => Promise<T>) => (neverAnswer ? new Promise<T>(() => {}) : new Promise<T>((r) => setTimeout(() => r(v()), slowMs)));
  return {
    ...asyncOnlyFs(inner),
    readFile: (p: string) => later(() => inner.readFile(p)),
    readTextFile: (p: string) => later(() => inner.readTextFile(p)),
  } as VirtualFileSystem;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((_e, n) => resolve(n)));
}

/** A `sleep` duration no other process uses, so pgrep finds only this test's child. */
let serial = 0;
const uniqueSleep = () => `31.${process.pid}${++serial}`;
function childrenLeft(duration: string): number {
  try {
    return execFileSync("pgrep", ["-f", `^sleep ${duration.replace(".", "\\.")}$`], { encoding: "utf8" }).trim().split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** Everything at once: a slow fetch, dozens of intervals, fs promises, a server, a child. */
const busyGuest = (marker: string) => `
  for (let i = 0; i < 40; i++) setInterval(() => {}, 5);
  fetch('http://127.0.0.1:${slowPort}/').then((r) => r.text()).then(() => console.log('fetched'), () => {});
  require('http').get('http://127.0.0.1:${slowPort}/', (res) => res.resume()).on('error', () => {});
  const fsp = require('fs').promises;
  for (let i = 0; i < 10; i++) fsp.readFile('/app/data.txt').then(() => console.log('read'), () => {});
  require('child_process').spawn('sleep', ['${marker}']);
  const server = require('http').createServer((req, res) => res.write('partial'));
  server.listen(0, () => console.log('PORT ' + server.address().port));
`;

describe("dispose() and terminate() with host work pending", () => {
  for (const mode of MODES) {
    for (const how of ["dispose", "terminate"] as const) {
      it(`${how}() returns promptly, closes every socket and handle, and nothing throws afterwards (${mode})`, async () => {
        const marker = uniqueSleep();
        const rt = new NodeRuntime({
          mode,
          wallTimeLimitMs: 30_000,
          systemDriver: createNodeDriver({
            filesystem: await slowFs(),
            permissions: allowAll,
            useDefaultNetwork: true,
            loopbackExemptPorts: [slowPort],
            commandExecutor: createNodeCommandExecutor(),
          }),
        });
        let guestPort = 0;
        let out = "";
        const result = rt.exec(busyGuest(marker), {
          onStdio: (e) => {
            out += e.message;
            const m = /PORT (\d+)/.exec(e.message);
            if (m) guestPort = Number(m[1]);
          },
        });
        while (guestPort === 0 || childrenLeft(marker) === 0 || (await openConnections(slow)) < 2) await new Promise((r) => setTimeout(r, 20));
        // A host client in the middle of a response from the guest's server.
        const client = hostGet({ host: "127.0.0.1", port: guestPort, path: "/", agent: false }, (res) => {
          res.on("data", () => {});
          res.on("error", () => {});
        });
        client.on("error", () => {});
        await new Promise((r) => setTimeout(r, 100));

        const started = performance.now();
        if (how === "dispose") rt.dispose();
        else await rt.terminate();
        const returnedIn = performance.now() - started;
        const r = await result;
        const endedIn = performance.now() - started;

        expect(returnedIn).toBeLessThan(how === "dispose" ? 50 : 3_000);
        expect(endedIn).toBeLessThan(3_000);
        expect(r).toMatchObject({ code: ExitCode.TERMINATED, errorMessage: "the run was terminated" });
        expect(out).not.toMatch(/fetched|read/);
        expect(await connects(guestPort)).toBe(false);
        // After the abandoned work would have finished: nothing thrown, nothing left open.
        await new Promise((r) => setTimeout(r, slowMs + 300));
        expect(await openConnections(slow)).toBe(0);
        expect(childrenLeft(marker)).toBe(0);
        expect(hostErrors).toEqual([]);
        client.destroy();
      });
    }

    it(`dispose() while the ES module graph waits on an adapter that never answers ends the run (${mode})`, async () => {
      const rt = new NodeRuntime({ mode, wallTimeLimitMs: Infinity, systemDriver: createNodeDriver({ filesystem: await slowFs(true), permissions: allowAll }) });
      const result = rt.run("import { dep } from './dep.mjs'; export default dep", "/app/main.mjs");
      await new Promise((r) => setTimeout(r, 150));
      rt.dispose();
      const r = await Promise.race([result, new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5_000))]);
      expect(r).toMatchObject({ code: ExitCode.TERMINATED });
      expect(hostErrors).toEqual([]);
    });

    it(`a stop while the sandbox is being made ends the run at once (${mode})`, async () => {
      const waits: (() => Promise<unknown>)[] = [
        () => Promise.resolve(),
        () => new Promise((r) => setImmediate(r)),
        () => new Promise((r) => setImmediate(() => setImmediate(r))),
        () => new Promise((r) => setTimeout(r, 0)),
        () => new Promise((r) => setTimeout(r, 2)),
      ];
      for (const wait of waits) {
        for (const how of ["dispose", "terminate"] as const) {
          const rt = new NodeRuntime({ mode });
          const result = rt.exec("setInterval(() => {}, 5)");
          await wait();
          if (how === "dispose") rt.dispose();
          else await rt.terminate();
          const outcome = await Promise.race([result.then((r) => r.code, (e: Error) => e.name), new Promise((r) => setTimeout(() => r("still running"), 5_000))]);
          expect(["RuntimeDisposedError", ExitCode.TERMINATED]).toContain(outcome);
        }
      }
    });

    it(`ends with 143, never as an engine fault, whenever the stop lands (${mode})`, async () => {
      const codes = new Set<number | string>();
      for (let i = 0; i < 12; i++) {
        const rt = new NodeRuntime({ mode });
        const result = rt.exec("require('fs'); require('util'); setInterval(() => {}, 5)");
        await new Promise((r) => setTimeout(r, i * 4));
        if (i % 2) rt.dispose();
        else await rt.terminate();
        // Stopped before it started, the exec rejects (RuntimeDisposedError); once started, it ends with 143.
        codes.add(await result.then((r) => r.code, (e: Error) => e.name));
      }
      codes.delete("RuntimeDisposedError");
      expect([...codes]).toEqual([ExitCode.TERMINATED]);
    });
  }
});
