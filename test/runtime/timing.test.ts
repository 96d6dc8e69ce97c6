import { describe, expect, it } from "vitest";
import { execOnce, hostNode } from "../helpers.js";

const probe = `
  const d0 = Date.now(), p0 = performance.now(), h0 = process.hrtime.bigint(), u0 = process.uptime(), n0 = new Date().getTime();
  let x = 0; for (let i = 0; i < 3e6; i++) x += i;
  setTimeout(() => {
    console.log(JSON.stringify({
      date: Date.now() - d0, perf: performance.now() - p0, hr: String(process.hrtime.bigint() - h0),
      uptime: process.uptime() - u0, newDate: new Date().getTime() - n0, ctor: new Date().constructor === Date,
      isDate: new Date() instanceof Date, parse: Date.parse('1970-01-01T00:00:01Z'), utc: Date.UTC(1970, 0, 1),
    }));
  }, 20);`;

describe("timing mitigation", () => {
  it('freezes Date, performance.now, hrtime and uptime for the whole run by default ("freeze")', async () => {
    const r = await execOnce(probe);
    expect(JSON.parse(r.stdout)).toEqual({ date: 0, perf: 0, hr: "0", uptime: 0, newDate: 0, ctor: true, isDate: true, parse: 1000, utc: 0 });
  });

  it("freezes the clock at the real time the run started", async () => {
    const before = Date.now();
    const r = await execOnce("console.log(Date.now(), new Date().toISOString().length, typeof Date())");
    const [now, len, type] = r.stdout.trim().split(" ");
    expect(Number(now)).toBeGreaterThanOrEqual(before - 5);
    expect(Number(now)).toBeLessThanOrEqual(Date.now());
    expect([len, type]).toEqual(["24", "string"]);
  });

  it('gives real clocks with timingMitigation "off"', async () => {
    const r = await execOnce(probe, { timingMitigation: "off" });
    const v = JSON.parse(r.stdout);
    expect(v.date).toBeGreaterThanOrEqual(15);
    expect(v.perf).toBeGreaterThanOrEqual(15);
    expect(Number(v.hr)).toBeGreaterThan(15e6);
  });

  it("takes the per-exec timingMitigation over the runtime's", async () => {
    const r = await execOnce("const a = Date.now(); setTimeout(() => console.log(Date.now() - a > 0), 20)", { timingMitigation: "freeze" }, { timingMitigation: "off" });
    expect(r.stdout).toBe("true\n");
  });
});

/**
 * Node reads the clock when a timer is set (libuv's loop time is refreshed), so a timer
 * set after long synchronous work counts from that moment, not from when the loop
 * iteration began. Bounds are generous: the machine may be slow, never fast.
 */
describe("timers count from the call (real clocks)", () => {
  const busy = "const end = Date.now() + 200; while (Date.now() < end) {}";
  const where: Record<string, string> = {
    "a timer callback": `setTimeout(() => { ${busy}; start() }, 1)`,
    "top-level code": `${busy}; start()`,
    "a promise job": `Promise.resolve().then(() => { ${busy}; start() })`,
    "an immediate": `setImmediate(() => { ${busy}; start() })`,
    "an I/O callback": `require('fs').promises.readFile('/nope').catch(() => { ${busy}; start() })`,
  };
  const start = `function start() { const set = performance.now(); setTimeout(() => console.log(Math.round(performance.now() - set)), 100) }`;
  for (const [name, code] of Object.entries(where)) {
    for (const mode of ["in-process", "worker"] as const) {
      it(`fires setTimeout(f, 100) set after 200 ms of work in ${name} at least 95 ms later (${mode})`, async () => {
        const r = await execOnce(`${start}\n${code}`, { timingMitigation: "off", mode });
        expect(r.code).toBe(0);
        expect(Number(r.stdout)).toBeGreaterThanOrEqual(95);
      });
    }
  }

  it("counts timeout.refresh() from the call", async () => {
    const r = await execOnce(
      `const t = setTimeout(() => console.log(Math.round(performance.now() - set)), 100); let set;
       setTimeout(() => { ${busy}; set = performance.now(); t.refresh() }, 1)`,
      { timingMitigation: "off" },
    );
    expect(Number(r.stdout)).toBeGreaterThanOrEqual(95);
  });

  it("runs timers set before and after the clock moved on in Node's order", async () => {
    const code = `setTimeout(() => { setTimeout(() => console.log('b'), 30); ${busy}; setTimeout(() => console.log('c'), 1); setTimeout(() => console.log('d'), 50) }, 1);
       setTimeout(() => console.log('a'), 5)`;
    const r = await execOnce(code, { timingMitigation: "off" });
    expect(r.stdout).toBe("a\nb\nc\nd\n");
    expect(hostNode(code).stdout).toBe(r.stdout);
  });
});
