/**
 * Worker mode never keeps the host process alive: a Node program that runs an exec in
 * worker mode and disposes its runtime exits by itself, as a program that used no
 * sandbox would. Checked in a child process against the built library.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const lib = pathToFileURL(join(import.meta.dirname, "..", "..", "..", "dist", "index.js")).href;
const dir = mkdtempSync(join(tmpdir(), "quicksand-exit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a host program; resolves with its exit code and output, or "hung" after 15 s. */
function runHost(name: string, source: string): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const file = join(dir, name);
  writeFileSync(file, `import * as q from ${JSON.stringify(lib)};\n${source}`);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [file], { encoding: "utf8", timeout: 15_000, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      resolve({ code: error?.killed ? "hung" : (child.exitCode ?? 1), stdout, stderr });
    });
  });
}

describe("worker mode and the host process", () => {
  it("exits after one exec on the shared pool and dispose()", async () => {
    const r = await runHost(
      "shared.mjs",
      `const rt = new q.NodeRuntime({ mode: "worker" });
       const r = await rt.exec("console.log('in a worker')");
       console.log(r.code, r.stdout.trim());
       rt.dispose();`,
    );
    expect(r).toEqual({ code: 0, stdout: "0 in a worker\n", stderr: "" });
  });

  it("exits with a pool of its own left open and idle", async () => {
    const r = await runHost(
      "own.mjs",
      `const pool = new q.WorkerPool({ size: 2 });
       const rt = new q.NodeRuntime({ workerPool: pool });
       console.log((await rt.exec("setTimeout(() => console.log('late'), 20)")).stdout.trim());
       rt.dispose();`,
    );
    expect(r).toEqual({ code: 0, stdout: "late\n", stderr: "" });
  });

  it("closes the shared pool with closeSharedWorkerPool(); a later worker runtime gets a new one", async () => {
    const r = await runHost(
      "close.mjs",
      `const a = new q.NodeRuntime({ mode: "worker" });
       await a.exec("1");
       await q.closeSharedWorkerPool();
       const b = new q.NodeRuntime({ mode: "worker" });
       console.log((await b.exec("console.log(6 * 7)")).stdout.trim());
       b.dispose();
       await q.closeSharedWorkerPool();
       await q.closeSharedWorkerPool();
       a.dispose();`,
    );
    expect(r).toEqual({ code: 0, stdout: "42\n", stderr: "" });
  });
});
