/**
 * Attacks through host bindings: hostile arguments (Proxies, getters, cycles, huge or
 * crafted payloads, raw op calls that skip the guest's serializer), hostile or careless
 * bindings (that throw, return host objects, or settle after the sandbox is gone), and a
 * guest that tries to change SecureExec.bindings. The host must only ever see copied
 * plain data, never run guest code, and hand the guest copies only.
 */
import { afterAll, describe, expect, it } from "vitest";
import { NodeRuntime, WorkerPool, type BindingTree, type NodeRuntimeOptions } from "../../src/index.js";
import { attack, attackModule, expectNoHostDetail, RAW } from "./harness.js";

function recorder() {
  const calls: unknown[][] = [];
  const bindings: BindingTree = {
    take: (...args) => {
      calls.push(args);
      return "ok";
    },
    takeAsync: async (...args) => {
      calls.push(args);
      return "ok";
    },
  };
  return { calls, bindings };
}

const pool = new WorkerPool({ size: 1 });
afterAll(() => pool.close());

const withBindings = (bindings: BindingTree, extra: NodeRuntimeOptions = {}): NodeRuntimeOptions => ({ bindings, ...extra });

describe("bindings: hostile arguments", () => {
  it("runs a Proxy's traps in the guest, under the guest's CPU limit, and never calls the binding with a live object", async () => {
    const { calls, bindings } = recorder();
    const r = await attack(
      `const p = new Proxy({}, { ownKeys() { for (;;) {} } });
      SecureExec.bindings.take(p);`,
      withBindings(bindings, { cpuTimeLimitMs: 200 }),
    );
    expect(r.code).toBe(124);
    expect(calls).toEqual([]);
  });

  it("copies what a Proxy or a getter answers once, as plain data", async () => {
    const { calls, bindings } = recorder();
    let reads = 0;
    const r = await attack(
      `let reads = 0;
      const obj = { get x() { reads++; return { n: reads }; } };
      const p = new Proxy({ a: 1 }, { get(t, k) { return k === "a" ? "from trap" : t[k]; } });
      SecureExec.bindings.take(obj, p);
      console.log(reads);`,
      withBindings(bindings),
    );
    expect(r.stdout).toBe("1\n");
    const [obj, p] = calls[0] as [Record<string, unknown>, Record<string, unknown>];
    expect(Object.getOwnPropertyDescriptor(obj, "x")).toEqual({ value: { n: 1 }, writable: true, enumerable: true, configurable: true });
    expect(p).toEqual({ a: "from trap" });
    expect(reads).toBe(0);
  });

  it("refuses a Proxy whose trap throws with the guest's own error, before the host is called", async () => {
    const { calls, bindings } = recorder();
    const r = await attack(
      `const p = new Proxy({}, { ownKeys() { throw new Error("trap says no"); } });
      try { SecureExec.bindings.take(p) } catch (e) { console.log(e.message) }
      SecureExec.bindings.takeAsync(p).catch((e) => console.log("async", e.message));`,
      withBindings(bindings),
    );
    expect(r.stdout).toBe("trap says no\nasync trap says no\n");
    expect(calls).toEqual([]);
  });

  it("keeps cycles as cycles and does not loop", async () => {
    const { calls, bindings } = recorder();
    const r = await attack(
      `const a = []; a.push(a); const m = new Map(); m.set(m, m);
      SecureExec.bindings.take(a, m);`,
      withBindings(bindings),
    );
    expect(r.code).toBe(0);
    const [a, m] = calls[0] as [unknown[], Map<unknown, unknown>];
    expect(a[0]).toBe(a);
    expect(m.get(m)).toBe(m);
  });

  it("refuses huge arguments with ERR_SANDBOX_PAYLOAD_TOO_LARGE and never calls the binding", async () => {
    const { calls, bindings } = recorder();
    const r = await attack(
      `const big = "x".repeat(2 ** 20);
      const out = [];
      try { SecureExec.bindings.take(big) } catch (e) { out.push(e.code) }
      try { SecureExec.bindings.take(new Uint8Array(2 ** 20)) } catch (e) { out.push(e.code) }
      const many = Array.from({ length: 100000 }, (_, i) => i);
      try { SecureExec.bindings.take(many) } catch (e) { out.push(e.code) }
      SecureExec.bindings.takeAsync(big).catch((e) => { out.push("async " + e.code); console.log(out.join()); });`,
      withBindings(bindings, { payloadLimits: { requestBytes: 64 * 1024 } }),
    );
    expect(r.stdout).toBe("ERR_SANDBOX_PAYLOAD_TOO_LARGE,ERR_SANDBOX_PAYLOAD_TOO_LARGE,ERR_SANDBOX_PAYLOAD_TOO_LARGE,async ERR_SANDBOX_PAYLOAD_TOO_LARGE\n");
    expect(calls).toEqual([]);
  });

  it("ends deep nesting as a guest RangeError, with the host untouched", async () => {
    const { calls, bindings } = recorder();
    const r = await attack(
      `let v = []; for (let i = 0; i < 1e6; i++) v = [v];
      try { SecureExec.bindings.take(v) } catch (e) { console.log(e instanceof RangeError) }`,
      withBindings(bindings),
    );
    expect(r.stdout).toBe("true\n");
    expect(calls).toEqual([]);
  });

  it("checks every node of arguments that skip the guest's serializer (raw op calls, a replaced JSON.stringify)", async () => {
    const { calls, bindings } = recorder();
    const r = await attack(
      `${RAW}
      const tries = [
        ["take", '["o",0,[]]'],
        ["take", "not json"],
        ["take", '["a",0,[["ref",7]]]'],
        ["take", '["a",0,[["ab",1,0]]]'],
        ["take", '["a",0,[["tv",1,"Uint8Array",["ab",2,0],0,1]]]', new ArrayBuffer(0)],
        ["take", '["a",0,[["tv",1,"Function",["ab",2,0],0,1]]]', new ArrayBuffer(4)],
        ["take", '["a",0,[["ab",1,0],["ab",2,0]]]', new ArrayBuffer(4)],
        ["take", '["a",0,[["o",1,[["__proto__",["v",{"polluted":1}]]]]]]'],
        ["nope", '["a",0,[]]'],
        ["take", '["a",0,[]]', "not bytes"],
        ["take", undefined, new ArrayBuffer(1)],
        ["take", undefined, { not: "bytes" }],
      ];
      (async () => {
        for (const [name, json, ...rest] of tries) {
          try { rawCall("binding.call", name, json, ...rest); console.log("ran"); } catch (e) { console.log(e.code) }
        }
        try { await rawCallAsync("binding.await", "take", 12345) } catch (e) { console.log(e.code) }
        JSON.stringify = () => '["v", 1]';
        try { SecureExec.bindings.take({ a: 1 }) } catch (e) { console.log(e.code) }
      })();`,
      withBindings(bindings),
    );
    expect(r.stdout).toBe(
      [
        ...Array(7).fill("ERR_INVALID_ARG_VALUE"),
        "ran", // a "__proto__" key is an own data property of a fresh object
        "ERR_INVALID_ARG_VALUE", // an unknown binding
        "ERR_INVALID_ARG_VALUE", // a primitive where bytes belong
        "ERR_INVALID_ARG_VALUE", // bytes without the JSON that refers to them
        "ERR_INVALID_ARG_TYPE", // an object that is no ArrayBuffer
        "ERR_INVALID_ARG_VALUE", // await of a result that does not exist
        "ERR_INVALID_ARG_VALUE", // JSON.stringify replaced
        "",
      ].join("\n"),
    );
    expect(calls).toHaveLength(1);
    const [obj] = calls[0] as [Record<string, unknown>];
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(obj, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("cannot pile up a binding's unawaited Promises on the host", async () => {
    let n = 0;
    const r = await attack(
      `${RAW}
      const codes = new Set();
      for (let i = 0; i < 200; i++) {
        try { rawCall("binding.call", "later", '["a",0,[]]') } catch (e) { codes.add(e.code) }
      }
      console.log([...codes].join());`,
      withBindings({ later: () => (n++, new Promise(() => {})) }),
    );
    expect(r.stdout).toBe("ERR_SANDBOX_BUDGET_EXCEEDED\n");
    expect(n).toBe(64);
  });
});

describe("bindings: careless or hostile bindings", () => {
  it("hands a host exception over with its name and message only: no host stack, no host properties", async () => {
    const r = await attack(
      `(async () => {
        for (const f of ["sync", "async", "weird", "getter"]) {
          try { await SecureExec.bindings[f]() } catch (e) {
            const frames = String(e.stack).split(String.fromCharCode(10)).filter((l) => l.trim().startsWith("at "));
            console.log(f, e instanceof Error, e.name, JSON.stringify(e.message), Object.keys(e).join(), frames.some((l) => l.includes("bindings.test") || l.includes("/work/")));
          }
        }
      })()`,
      withBindings({
        sync: () => {
          throw Object.assign(new Error(`failed at ${import.meta.url}`), { secret: "TOKEN", code: "EHOST" });
        },
        async: async () => {
          throw new SyntaxError("bad input");
        },
        weird: () => {
          throw { toString: () => "object" };
        },
        getter: () => {
          throw Object.defineProperty(new Error(), "message", {
            get() {
              throw new Error("getter");
            },
          });
        },
      }),
    );
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^sync true Error "failed at file:.*bindings\.test\.ts"  false$/);
    expect(lines.slice(1)).toEqual(['async true SyntaxError "bad input"  false', 'weird true Error "the binding failed"  false', 'getter true Error "the binding failed"  false']);
  });

  it("refuses host objects in results: functions, class instances, Promises, host globals", async () => {
    const r = await attack(
      `for (const f of ["fn", "inst", "proc", "promise", "sym", "weak"]) {
        try { const v = SecureExec.bindings[f](); console.log(f, "got", typeof v) } catch (e) { console.log(f, e.name, e.message) }
      }`,
      withBindings({
        fn: () => () => 1,
        inst: () => new URL("http://x/"),
        proc: () => ({ p: process }),
        promise: () => ({ later: Promise.resolve(1) }),
        sym: () => Symbol("s"),
        weak: () => new WeakMap(),
      }),
    );
    expect(r.stdout).toBe(
      [
        "fn TypeError SecureExec.bindings.fn: result is a function, which cannot be copied into the sandbox",
        "inst TypeError SecureExec.bindings.inst: result is an instance of URL, which cannot be copied into the sandbox",
        "proc TypeError SecureExec.bindings.proc: result.p is an instance of process, which cannot be copied into the sandbox",
        "promise TypeError SecureExec.bindings.promise: result.later is an instance of Promise, which cannot be copied into the sandbox",
        "sym TypeError SecureExec.bindings.sym: result is a symbol, which cannot be copied into the sandbox",
        "weak TypeError SecureExec.bindings.weak: result is an instance of WeakMap, which cannot be copied into the sandbox",
        "",
      ].join("\n"),
    );
    expectNoHostDetail(r.stdout);
  });

  it("copies only a Buffer's own bytes, never the rest of the host's pool slab under it", async () => {
    const secret = Buffer.from("host secret in the same pool slab");
    const r = await attack(`const b = SecureExec.bindings.small(); console.log(b.length, b.buffer.byteLength, b.byteOffset)`, withBindings({ small: () => Buffer.from("hi") }));
    expect(secret.buffer.byteLength).toBeGreaterThan(secret.length); // the slab really is shared on the host
    expect(r.stdout).toBe("2 2 0\n");
  });

  it("hands the guest copies: a result changed by the guest or later by the host is not shared", async () => {
    const kept = { n: 1, list: [1] };
    const rt = new NodeRuntime({ bindings: { get: () => kept, check: (v) => v === kept } });
    try {
      const r = await rt.exec(`const v = SecureExec.bindings.get(); v.n = 2; v.list.push(2); console.log(SecureExec.bindings.check(v));`);
      expect(r.stdout).toBe("false\n");
      expect(kept).toEqual({ n: 1, list: [1] });
    } finally {
      rt.dispose();
    }
  });

  it.each([
    ["resolve", "in-process"],
    ["reject", "in-process"],
    ["resolve", "worker"],
    ["reject", "worker"],
  ] as const)("drops a binding that settles (%s) after dispose (%s), with the host unharmed", async (how, mode) => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRejection);
    try {
      let settle!: () => void;
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      const rt = new NodeRuntime({
        ...(mode === "worker" ? { workerPool: pool } : {}),
        bindings: {
          late: () => {
            started();
            return new Promise((resolve, reject) => (settle = () => (how === "resolve" ? resolve({ big: "x".repeat(1000) }) : reject(new Error("late")))));
          },
        },
      });
      const run = rt.exec("SecureExec.bindings.late().then(() => console.log('after'), () => console.log('after'))");
      await running;
      rt.dispose();
      expect((await run).code).toBe(143);
      settle();
      await new Promise((r) => setTimeout(r, 20));
      expect(rejections).toEqual([]);
      const next = new NodeRuntime({ bindings: { f: () => 2 } });
      expect((await next.exec("console.log(SecureExec.bindings.f())")).stdout).toBe("2\n");
      next.dispose();
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });
});

describe("bindings: a guest that tries to change them", () => {
  it("cannot replace, extend or delete SecureExec, its tree or its leaves", async () => {
    const r = await attack(
      `"use strict";
      const tries = {
        assignGlobal: () => { globalThis.SecureExec = {}; },
        defineGlobal: () => Object.defineProperty(globalThis, "SecureExec", { value: {} }),
        deleteGlobal: () => { delete globalThis.SecureExec; },
        assignBindings: () => { SecureExec.bindings = {}; },
        addLeaf: () => { SecureExec.bindings.evil = () => 1; },
        replaceLeaf: () => { SecureExec.bindings.db.query = () => "mine"; },
        deleteLeaf: () => { delete SecureExec.bindings.db.query; },
        protoSwap: () => Object.setPrototypeOf(SecureExec.bindings.db, { query: () => "mine" }),
        leafProp: () => { SecureExec.bindings.db.query.extra = 1; },
        quicksandGlobal: () => { globalThis.Quicksand = {}; },
      };
      for (const [name, f] of Object.entries(tries)) {
        try { f(); console.log(name, "changed"); } catch (e) { console.log(name, e.name); }
      }
      console.log(SecureExec.bindings.db.query("x"), Quicksand === SecureExec, Object.keys(SecureExec.bindings).join());
      const d = Object.getOwnPropertyDescriptor(globalThis, "SecureExec");
      console.log(d.writable, d.configurable, d.enumerable);`,
      withBindings({ db: { query: (sql) => `host ${sql}` } }),
    );
    expect(r.stdout.trim().split("\n")).toEqual([
      "assignGlobal TypeError",
      "defineGlobal TypeError",
      "deleteGlobal TypeError",
      "assignBindings TypeError",
      "addLeaf TypeError",
      "replaceLeaf TypeError",
      "deleteLeaf TypeError",
      "protoSwap TypeError",
      "leafProp TypeError",
      "quicksandGlobal TypeError",
      "host x true db",
      "false false false",
    ]);
  });

  it("leaves no raw binding internals on the global object", async () => {
    const r = await attackModule(
      `export const names = Object.getOwnPropertyNames(globalThis).filter((n) => /bind|secure|quicksand/i.test(n));
      export const symbols = Object.getOwnPropertySymbols(globalThis).map(String).filter((s) => /bind/i.test(s));`,
      withBindings({ f: () => 1 }),
    );
    expect(r.exports).toEqual({ names: ["SecureExec", "Quicksand"], symbols: [] });
  });

  it("cannot reach the host through a leaf (constructor chains stay in the guest realm)", async () => {
    const r = await attack(
      `const leaf = SecureExec.bindings.f;
      const F = leaf.constructor;
      console.log(F === Function, F("return typeof require")(), Object.getPrototypeOf(leaf) === Function.prototype);`,
      withBindings({ f: () => 1 }),
    );
    expect(r.stdout).toBe("true undefined true\n");
  });
});
