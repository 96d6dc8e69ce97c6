import { describe, expect, it } from "vitest";
import { execOnce, runOnce } from "../helpers.js";

describe("run() returns a copy of the module's exports", () => {
  it("copies primitives, plain objects, arrays, Dates, Maps, Sets, typed arrays and errors", async () => {
    const r = await runOnce(`
      export const n = 1, s = "two", b = true, u = undefined, nul = null, big = 10n, nan = NaN, negZero = -0;
      export const obj = { a: [1, { b: 2 }], d: new Date(86400000), re: /x+/gi };
      export const map = new Map([["k", new Set([1, 2])]]);
      export const bytes = new Uint8Array([1, 2, 255]), f64 = new Float64Array([0.5]), ab = new ArrayBuffer(2);
      export const err = Object.assign(new TypeError("nope"), { code: "E_NOPE" });
      export default 42;`);
    expect(r.code).toBe(0);
    const e = r.exports as Record<string, any>;
    expect(e.default).toBe(42);
    expect([e.n, e.s, e.b, e.u, e.nul, e.big]).toEqual([1, "two", true, undefined, null, 10n]);
    expect(Number.isNaN(e.nan)).toBe(true);
    expect(Object.is(e.negZero, -0)).toBe(true);
    expect(e.obj).toEqual({ a: [1, { b: 2 }], d: new Date(86400000), re: /x+/gi });
    expect(e.map).toEqual(new Map([["k", new Set([1, 2])]]));
    expect(e.bytes).toEqual(new Uint8Array([1, 2, 255]));
    expect(e.f64).toEqual(new Float64Array([0.5]));
    expect(e.ab).toBeInstanceOf(ArrayBuffer);
    expect(e.err).toBeInstanceOf(Error);
    expect(e.err).toMatchObject({ name: "TypeError", message: "nope", code: "E_NOPE" });
  });

  it("keeps shared and circular references", async () => {
    const r = await runOnce(`const shared = { v: 1 }; const c = { shared, again: shared }; c.self = c; export default c;`);
    const c = (r.exports as any).default;
    expect(c.shared).toBe(c.again);
    expect(c.self).toBe(c);
  });

  it("copies the exports as they are when the run ends, into plain host objects", async () => {
    const r = await runOnce(`export const o = { count: 1 }; setTimeout(() => { o.count = 2 }, 1);`);
    const o = (r.exports as any).o;
    expect(o).toEqual({ count: 2 });
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(r.exports)).toBe(Object.prototype);
  });

  it("waits for top-level await", async () => {
    const r = await runOnce(`export const v = await new Promise((r) => setTimeout(() => r("late"), 10));`);
    expect(r.exports).toEqual({ v: "late" });
  });

  it("reports an export that cannot be copied", async () => {
    const r = await runOnce(`export const ok = 1; export const fn = () => 1;`);
    expect(r.code).toBe(1);
    expect(r.errorMessage).toContain("exports.fn is a function, which cannot be copied out of the sandbox");
    expect(r.exports).toBeUndefined();
  });

  it("reports a class instance export clearly", async () => {
    const r = await runOnce(`class Point { constructor() { this.x = 1 } } export default new Point();`);
    expect(r.errorMessage).toContain("exports.default is an instance of Point, which cannot be copied out of the sandbox (only plain data can)");
  });

  it("does not let an export named __proto__ change the host object's prototype", async () => {
    const r = await runOnce(`export default JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');`);
    const d = (r.exports as any).default;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(({} as any).polluted).toBeUndefined();
    expect(d.ok).toBe(1);
  });

  it("imports builtins by node: name", async () => {
    const r = await runOnce(`import util, { format } from "node:util"; export const s = format("%s-%d", "a", 1), same = util.format === format;`);
    expect(r.exports).toEqual({ s: "a-1", same: true });
  });

  it("waits for timers the module started, like Node's event loop", async () => {
    const r = await runOnce(`export let v = 1; setTimeout(() => console.log("timer ran"), 5);`);
    expect(r).toMatchObject({ code: 0, stdout: "timer ran\n" });
  });
});

describe("an ES module's top-level await, as Node ends it", () => {
  it("exec: a rejection ends the run with 1 at once, not after pending timers", async () => {
    const r = await execOnce("setTimeout(() => console.log('late'), 5000); await new Promise((_, no) => setTimeout(() => no(new Error('early')), 10));", {}, { filePath: "/app/main.mjs" });
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/^Error: early\n    at .*file:\/\/\/app\/main\.mjs:1/);
    expect(r.stdout).toBe("");
  });

  it("exec: an await that never settles ends with 13", async () => {
    const r = await execOnce("await new Promise(() => {})", {}, { filePath: "/app/main.mjs" });
    expect(r).toMatchObject({ code: 13, errorMessage: expect.stringMatching(/unsettled top-level await/) });
  });

  it("run: a rejection ends the run with 1 and no exports", async () => {
    const r = await runOnce("await Promise.reject(new RangeError('no')); export default 1");
    expect(r.code).toBe(1);
    expect(r.errorMessage).toMatch(/^RangeError: no/);
    expect(r.exports).toBeUndefined();
  });
});
