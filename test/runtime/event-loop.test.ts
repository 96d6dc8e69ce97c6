import { describe, expect, it } from "vitest";
import { execOnce, hostNode } from "../helpers.js";

/** Each script runs under host Node and in the sandbox; stdout and exit code must match. */
const scripts: Record<string, string> = {
  "nextTick before promise jobs": `
    Promise.resolve().then(() => console.log('promise'));
    process.nextTick(() => console.log('tick'));
    console.log('sync');`,
  "timers in due order, then immediates": `
    setTimeout(() => console.log('t90'), 90);
    setTimeout(() => console.log('t40'), 40);
    setImmediate(() => console.log('immediate'));
    console.log('start');`,
  "microtasks between timer callbacks": `
    setTimeout(() => { console.log('a'); Promise.resolve().then(() => console.log('a-micro')); }, 1);
    setTimeout(() => { console.log('b'); process.nextTick(() => console.log('b-tick')); }, 1);`,
  "setImmediate scheduled inside setImmediate runs on the next turn": `
    setImmediate(() => { console.log('i1'); setImmediate(() => console.log('i3')); });
    setImmediate(() => console.log('i2'));`,
  "setInterval with clearInterval": `
    let n = 0;
    const h = setInterval(() => { console.log('tick', ++n); if (n === 3) clearInterval(h); }, 2);`,
  "clearTimeout before it fires": `
    const t = setTimeout(() => console.log('never'), 5);
    clearTimeout(t);
    setTimeout(() => console.log('done'), 10);`,
  "clearImmediate": `
    const i = setImmediate(() => console.log('never'));
    clearImmediate(i);
    console.log('cleared');`,
  "timer arguments": `setTimeout((a, b) => console.log(a + b), 1, 'x', 'y');`,
  "unref'd timer does not keep the loop alive": `
    setTimeout(() => console.log('never'), 50).unref();
    console.log('end');`,
  "timeout refresh": `
    const t = setTimeout(() => console.log('fired'), 10);
    setTimeout(() => t.refresh(), 5);`,
  "queueMicrotask": `queueMicrotask(() => console.log('micro')); console.log('sync');`,
  "async functions and awaits": `
    (async () => { console.log(1); await null; console.log(3); await new Promise(r => setTimeout(r, 5)); console.log(4); })();
    console.log(2);`,
  "process.exit stops the loop with its code": `
    setTimeout(() => console.log('never'), 10);
    console.log('before');
    process.exit(3);`,
  "process.exit inside a timer": `
    setTimeout(() => { console.log('timer'); process.exit(7); console.log('never'); }, 1);
    setTimeout(() => console.log('never2'), 20);`,
  "process.exitCode": `process.exitCode = 4; console.log('set');`,
  "'exit' listeners run with the code": `
    process.on('exit', (code) => console.log('exit', code, process.exitCode));
    process.exitCode = 2;`,
  "'exit' listeners run after process.exit()": `
    process.on('exit', (code) => console.log('exit handler', code));
    process.exit(5);`,
  "uncaughtException listener keeps the process alive": `
    process.on('uncaughtException', (e) => console.log('caught', e.message));
    setTimeout(() => { throw new Error('boom') }, 1);
    setTimeout(() => console.log('still running'), 5);`,
  "Timeout objects": `
    const t = setTimeout(() => {}, 1);
    console.log(typeof t, typeof t.ref, typeof t.unref, t.hasRef(), typeof +t);`,
};

describe("the event loop matches Node", () => {
  for (const [name, code] of Object.entries(scripts)) {
    it(name, async () => {
      const expected = hostNode(code);
      const actual = await execOnce(code);
      expect(actual.stdout).toBe(expected.stdout);
      expect(actual.code).toBe(expected.code);
    });
  }
});

describe("uncaught errors", () => {
  it("ends with exit code 1 and the guest stack for an error thrown in a timer", async () => {
    const r = await execOnce("setTimeout(function later() { throw new TypeError('bad') }, 1)", {}, { filePath: "/app/t.js" });
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/^TypeError: bad\n {4}at later \(\/app\/t\.js:1:\d+\)/);
    expect(r.stderr).toBe(r.errorMessage + "\n");
  });

  it("reports a thrown non-error value as Node does", async () => {
    const r = await execOnce("throw 'just a string'");
    expect(r).toMatchObject({ code: 1, errorMessage: "Uncaught 'just a string'" });
  });

  it("reports the module's top-level rejection in run()", async () => {
    const { runOnce } = await import("../helpers.js");
    const r = await runOnce("await Promise.resolve(); throw new RangeError('late')", {}, "/app/m.mjs");
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/^RangeError: late/);
  });

  it("includes an error's own properties, as Node prints them", async () => {
    const r = await execOnce("const e = new Error('with code'); e.code = 'E_X'; throw e");
    expect(r.errorMessage).toMatch(/^Error: with code\n(.|\n)*\{\n {2}code: 'E_X'\n\}$/);
  });
});

describe("unref'd timers", () => {
  it("still fire while a pending host operation keeps the loop alive", async () => {
    const { createInMemoryFileSystem, createNodeDriver, allowAllFs } = await import("../../src/index.js");
    const mem = createInMemoryFileSystem();
    await mem.writeFile("/slow.txt", "slow");
    // An async filesystem whose reads take 80 ms.
    const slow = Object.create(mem, {
      readFile: { value: async (p: string) => { await new Promise((r) => setTimeout(r, 80)); return mem.readFile(p); } },
    });
    const r = await execOnce(
      "setTimeout(() => console.log('unref timer'), 10).unref(); require('fs').promises.readFile('/slow.txt', 'utf8').then((t) => console.log('read', t))",
      { systemDriver: createNodeDriver({ filesystem: slow, permissions: allowAllFs }) },
    );
    expect(r.stdout).toBe("unref timer\nread slow\n");
  });
});
