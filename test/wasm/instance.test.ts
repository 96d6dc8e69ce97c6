import { describe, expect, it } from "vitest";
import { createInstance, pagesForLimit, WASM_PAGE } from "../../src/wasm/instance.js";
import { compileVariant } from "../../src/wasm/module.js";
import { takeInstance } from "../../src/wasm/pool.js";
import { getVariant, WASM_VARIANTS } from "../../src/wasm/variants.js";

const MB = 1024 * 1024;
const bombs = {
  ArrayBuffers: "const a = []; try { for (;;) a.push(new ArrayBuffer(1 << 20)) } catch (e) { a.length }",
  strings: "const a = []; try { for (let i = 0; ; i++) a.push('x'.repeat(1 << 20) + i) } catch (e) { a.length }",
};

describe("the WebAssembly memory cap", () => {
  for (const [what, code] of Object.entries(bombs)) {
    it(`shows that QuickJS's setMemoryLimit alone lets ${what} grow linear memory far past the limit`, async () => {
      // A generous cap, so only QuickJS's own limit is in the way.
      const inst = await createInstance(getVariant(), 4096);
      const rt = inst.module.newRuntime();
      rt.setMemoryLimit(16 * MB);
      const ctx = rt.newContext();
      const v = ctx.unwrapResult(ctx.evalCode(code));
      const allocatedMb = ctx.getNumber(v);
      v.dispose();
      ctx.dispose();
      rt.dispose();
      expect(allocatedMb).toBeGreaterThan(100);
      expect(inst.memory.buffer.byteLength).toBeGreaterThan(100 * MB);
    });

    it(`stops ${what} at the Memory's maximum and counts the refusal`, async () => {
      const inst = await createInstance(getVariant(), pagesForLimit(24 * MB));
      const rt = inst.module.newRuntime();
      const ctx = rt.newContext();
      const v = ctx.unwrapResult(ctx.evalCode(code));
      const allocatedMb = ctx.getNumber(v);
      v.dispose();
      ctx.dispose();
      rt.dispose();
      expect(allocatedMb).toBeLessThan(24);
      expect(inst.memory.buffer.byteLength).toBeLessThanOrEqual(24 * MB);
      expect(inst.growFailures()).toBeGreaterThan(0);
    });
  }

  it("does not count a heap growth that succeeded at a smaller size near the cap", async () => {
    // Each growth first asks for 20 % more than it needs; near the cap that try fails
    // and a smaller one fits. No allocation failed, so nothing counts as refused.
    const inst = await createInstance(getVariant(), pagesForLimit(64 * MB));
    const rt = inst.module.newRuntime();
    const ctx = rt.newContext();
    ctx.unwrapResult(ctx.evalCode("globalThis.a = []; for (let i = 0; i < 55; i++) a.push(new ArrayBuffer(1 << 20))")).dispose();
    expect(inst.memory.buffer.byteLength).toBeGreaterThan(56 * MB);
    expect(inst.growFailures()).toBe(0);
    ctx.unwrapResult(ctx.evalCode("try { new ArrayBuffer(16 << 20) } catch {}")).dispose();
    expect(inst.growFailures()).toBeGreaterThan(0);
    ctx.dispose();
    rt.dispose();
  });

  it("never caps below the 16 MiB the QuickJS build needs to start", () => {
    expect(pagesForLimit(1 * MB)).toBe(256);
    expect(pagesForLimit(64 * MB)).toBe((64 * MB) / WASM_PAGE);
  });
});

describe("module and instances", () => {
  it("compiles each variant's WebAssembly module once per process", async () => {
    const v = getVariant("quickjs-ng");
    expect(compileVariant(v)).toBe(compileVariant(v));
    expect(await compileVariant(v)).toBe(await compileVariant(v));
  });

  it("gives every sandbox its own instance and memory, never a used one", async () => {
    const v = getVariant();
    const a = await takeInstance(v, 256);
    const b = await takeInstance(v, 256);
    expect(a).not.toBe(b);
    expect(a.memory).not.toBe(b.memory);
    // Memory written by one instance is invisible to the other.
    const ra = a.module.newRuntime();
    const ca = ra.newContext();
    ca.unwrapResult(ca.evalCode("globalThis.secret = 'x'.repeat(1000) + 'SECRET'")).dispose();
    const rb = b.module.newRuntime();
    const cb = rb.newContext();
    const seen = cb.unwrapResult(cb.evalCode("typeof globalThis.secret"));
    expect(cb.getString(seen)).toBe("undefined");
    seen.dispose();
    ca.dispose();
    ra.dispose();
    cb.dispose();
    rb.dispose();
  });

  it("supports both QuickJS builds", async () => {
    for (const name of Object.keys(WASM_VARIANTS) as (keyof typeof WASM_VARIANTS)[]) {
      const inst = await createInstance(getVariant(name), 256);
      const rt = inst.module.newRuntime();
      const ctx = rt.newContext();
      const v = ctx.unwrapResult(ctx.evalCode("6 * 7"));
      expect(ctx.getNumber(v)).toBe(42);
      v.dispose();
      ctx.dispose();
      rt.dispose();
    }
  });

  it("rejects an unknown variant name", () => {
    expect(() => getVariant("v8" as never)).toThrow(/unknown QuickJS variant "v8"/);
  });
});
