import { describe, expect, it } from "vitest";
import { execOnce } from "../helpers.js";

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
