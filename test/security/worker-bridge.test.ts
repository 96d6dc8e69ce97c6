/**
 * Attacks on worker mode's crossing: the guest's thread and the caller's thread talk
 * over messages and a SharedArrayBuffer, and none of that may become a way around the
 * permission choke point, the payload limits, or the caller's control of the run.
 */
import { afterAll, describe, expect, it } from "vitest";
import { allowAll, createInMemoryFileSystem, createNodeDriver, NodeRuntime, WorkerPool } from "../../src/index.js";
import { asyncOnlyFs } from "../helpers.js";

const pool = new WorkerPool({ size: 2 });
afterAll(() => pool.close());

describe("worker mode's crossing", () => {
  it("gives the guest nothing of the worker: no worker_threads, no ports, no host globals", async () => {
    const rt = new NodeRuntime({ workerPool: pool });
    const r = await rt.exec(`
      try { require('worker_threads') } catch (e) { console.log(e.code) }
      console.log(typeof postMessage, typeof receiveMessageOnPort, typeof parentPort, typeof workerData, typeof Worker);
      for (const f of [() => process.binding('fs'), () => process.dlopen({}, '/x.node')]) { try { f(); console.log('LEAK') } catch (e) { console.log(e.code) } }
    `);
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_NOT_SUPPORTED\nundefined undefined undefined undefined undefined\n" + "ERR_SANDBOX_NOT_SUPPORTED\nERR_DLOPEN_FAILED\n");
  });

  it("still checks every op on the caller's thread: a denied op stays denied however it is called", async () => {
    const fs = createInMemoryFileSystem();
    await fs.writeFile("/secret", "s3cret");
    const rt = new NodeRuntime({ workerPool: pool, systemDriver: createNodeDriver({ filesystem: fs, permissions: { fs: (req) => ({ allow: req.path !== "/secret" }) } }) });
    const r = await rt.exec(`
      const fs = require('fs');
      const tries = [
        () => fs.readFileSync('/secret'),
        () => fs.readFileSync('/./secret'),
        () => fs.readFileSync('//secret'),
        () => fs.openSync('/secret', 'r'),
        () => require('/secret'),
      ];
      for (const t of tries) { try { t(); console.log('LEAK') } catch (e) { console.log(e.code) } }
      fs.promises.readFile('/secret').then(() => console.log('LEAK'), (e) => console.log(e.code));
    `);
    rt.dispose();
    expect(r.stdout).toBe("EACCES\nEACCES\nEACCES\nEACCES\nMODULE_NOT_FOUND\nEACCES\n");
  });

  it("refuses an oversized result before it is copied across", async () => {
    const fs = createInMemoryFileSystem();
    await fs.writeFile("/big", new Uint8Array(64 * 1024));
    const rt = new NodeRuntime({ workerPool: pool, payloadLimits: { responseBytes: 4096 }, systemDriver: createNodeDriver({ filesystem: fs, permissions: allowAll }) });
    const r = await rt.exec("try { require('fs').readFileSync('/big') } catch (e) { console.log(e.code) } console.log(require('fs').statSync('/big').size)");
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_PAYLOAD_TOO_LARGE\n65536\n");
  });

  it("refuses an oversized argument on the guest's thread, before it crosses", async () => {
    const fs = createInMemoryFileSystem();
    const rt = new NodeRuntime({ workerPool: pool, payloadLimits: { requestBytes: 4096 }, systemDriver: createNodeDriver({ filesystem: fs, permissions: allowAll }) });
    const r = await rt.exec("try { require('fs').writeFileSync('/x', 'y'.repeat(100000)) } catch (e) { console.log(e.code) }");
    rt.dispose();
    expect(r.stdout).toBe("ERR_SANDBOX_PAYLOAD_TOO_LARGE\n");
    expect(await fs.exists("/x") ? (await fs.readFile("/x")).byteLength : 0).toBe(0);
  });

  it("keeps the caller in control while the guest waits on a permission callback that never answers", async () => {
    const rt = new NodeRuntime({
      workerPool: pool,
      systemDriver: createNodeDriver({ filesystem: createInMemoryFileSystem(), permissions: { fs: () => new Promise(() => {}) } }),
    });
    const p = rt.exec("require('fs').readFileSync('/anything')");
    await new Promise((r) => setTimeout(r, 150));
    const t = performance.now();
    await rt.terminate();
    const r = await p;
    expect(r.code).toBe(143);
    expect(performance.now() - t).toBeLessThan(1000);
    // The pool goes on serving.
    const next = new NodeRuntime({ workerPool: pool });
    expect(await next.exec("console.log('next')")).toMatchObject({ code: 0, stdout: "next\n" });
    next.dispose();
  });

  it("hands the guest copies: changing a result on the host after the call changes nothing inside", async () => {
    const shared = new Uint8Array([1, 2, 3]);
    const base = asyncOnlyFs(createInMemoryFileSystem());
    await base.writeFile("/f", "abc");
    // The host changes its buffer right after handing it over.
    const readFile = async () => {
      setTimeout(() => (shared[0] = 99), 0);
      return shared;
    };
    const rt = new NodeRuntime({ workerPool: pool, systemDriver: createNodeDriver({ filesystem: { ...base, readFile }, permissions: allowAll }) });
    const r = await rt.exec("const b = require('fs').readFileSync('/f'); setTimeout(() => console.log([...b].join(',')), 50)");
    rt.dispose();
    expect(r.stdout).toBe("1,2,3\n");
  });
});
