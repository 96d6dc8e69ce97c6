/**
 * Attacks that try to reach the host realm: the escapes published against vm2 and
 * similar sandboxes (constructor chains, error stacks and prepareStackTrace, Proxies
 * handed to the host, Symbol.species and Promise tricks, async generators), applied to
 * every value the guest can see. In quicksand the guest is a separate QuickJS heap, so
 * each attack must end with guest-realm values only — never the host's `process`,
 * `require`, or a host function.
 */
import { describe, expect, it } from "vitest";
import { attack, attackModule, expectNoHostDetail, RAW } from "./harness.js";

/** Guest helper: true when `fn` is a function of the guest realm (its Function is the guest's). */
const REALM = `
const GuestFunction = Function;
const AsyncFunction = (async () => {}).constructor;
const GeneratorFunction = (function* () {}).constructor;
const AsyncGeneratorFunction = (async function* () {}).constructor;
const guestCtors = new Set([GuestFunction, AsyncFunction, GeneratorFunction, AsyncGeneratorFunction]);
const guestFnProtos = new Set([...guestCtors].map((C) => C.prototype));
/** A guest function's prototype chain reaches one of the guest's function prototypes (or was cut by guest code). */
const isGuestFn = (fn) => {
  if (guestFnProtos.has(fn)) return true; // Function.prototype is itself a function
  for (let p = Object.getPrototypeOf(fn), i = 0; p && i < 100; p = Object.getPrototypeOf(p), i++) if (guestFnProtos.has(p)) return true;
  return Object.getPrototypeOf(fn) === null;
};
/** What code built by any Function constructor sees as its global: must be this realm. */
const realmOf = (Ctor) => { try { return Ctor("return globalThis")() === globalThis ? "guest" : "OTHER"; } catch (e) { return "threw " + e.name; } };
`;

describe("host realm: constructor chains", () => {
  it("gives constructor.constructor('return process')() the sandbox's process, not the host's", async () => {
    const r = await attack(`
      const p = ({}).constructor.constructor("return process")();
      const q = (() => {}).constructor("return this")();
      const codes = [];
      for (const name of ["binding", "_linkedBinding", "dlopen"]) {
        if (typeof p[name] !== "function") { codes.push("absent"); continue; }
        try { p[name]("fs"); codes.push("returned"); } catch (e) { codes.push(e.code); }
      }
      console.log(p === process, q === globalThis, codes.every((c) => c === "absent" || c === "ERR_SANDBOX_NOT_SUPPORTED" || c === "ERR_DLOPEN_FAILED") || codes.join());
      console.log(typeof p.mainModule?.require, Object.keys(p.env).join(","));
      console.log(typeof globalThis.require, typeof q.module);
    `);
    expect(r.stdout).toBe("true true true\nundefined PUBLIC_NAME\nundefined undefined\n");
  });

  it("keeps Function, async, generator and async-generator constructors inside the guest realm", async () => {
    const r = await attack(`${REALM}
      console.log([GuestFunction, AsyncFunction, GeneratorFunction, AsyncGeneratorFunction].map((C) => realmOf(C === GuestFunction ? C : GuestFunction)).join());
      const a = AsyncFunction("return globalThis")();
      const gen = GeneratorFunction("yield globalThis")().next().value;
      AsyncGeneratorFunction("yield globalThis")().next().then(({ value }) => {
        a.then((g) => console.log(g === globalThis, gen === globalThis, value === globalThis));
      });
    `);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("guest,guest,guest,guest\ntrue true true\n");
  });

  it("finds only guest-realm functions in every value reachable from the globals", async () => {
    // Walks the whole graph of globals (loading every lazy one), their prototypes,
    // constructors, getters and setters, and the exports of every builtin module.
    const r = await attack(`${REALM}
      const builtins = require("module").builtinModules;
      const roots = [globalThis];
      for (const b of builtins) { try { roots.push(require(b)); } catch {} }
      const seen = new Set();
      const queue = [...roots];
      let functions = 0;
      const bad = [];
      while (queue.length && seen.size < 200000) {
        const v = queue.pop();
        if ((typeof v !== "object" && typeof v !== "function") || v === null || seen.has(v)) continue;
        seen.add(v);
        if (typeof v === "function") {
          functions++;
          let src = "";
          try { src = Function.prototype.toString.call(v); } catch {}
          if (!isGuestFn(v)) bad.push("realm:" + String(v.name) + ":" + src.slice(0, 80));
          // The bridge's own host functions (made with newFunction) must not be reachable.
          if (/\[native code\]/.test(src) && ["call", "callAsync", "boot"].includes(v.name) && v !== Function.prototype.call) bad.push("bridge:" + v.name);
          if (/\\/work\\/|\\/home\\//.test(src)) bad.push("source:" + v.name);
        }
        queue.push(Object.getPrototypeOf(v));
        for (const key of Reflect.ownKeys(v)) {
          let d;
          try { d = Object.getOwnPropertyDescriptor(v, key); } catch { continue; }
          if (!d) continue;
          if ("value" in d) queue.push(d.value);
          else { queue.push(d.get); queue.push(d.set); try { queue.push(v[key]); } catch {} }
        }
      }
      console.log(functions > 500, JSON.stringify(bad.slice(0, 10)));
    `, { cpuTimeLimitMs: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true []\n");
  });

  it("keeps errors thrown by the bridge inside the guest realm", async () => {
    const r = await attack(`${RAW}${REALM}
      const errors = [];
      try { require("fs").readFileSync("/secret/key.txt"); } catch (e) { errors.push(e); }
      try { rawCall("no.such.op"); } catch (e) { errors.push(e); }
      try { rawCall("fs.readFile", {}); } catch (e) { errors.push(e); }
      try { rawCall("fs.readFile", "x".repeat(40 * 1024 * 1024)); } catch (e) { errors.push(e); }
      try { rawCall(Symbol("s")); } catch (e) { errors.push(e); }
      for (const e of errors) {
        const realm = realmOf(e.constructor.constructor);
        const chain = [];
        for (let p = e; p; p = Object.getPrototypeOf(p)) chain.push(p === Object.prototype ? "Object.prototype" : typeof p);
        console.log(e instanceof Error, typeof e.code, realm, chain.at(-1), isGuestFn(e.constructor));
      }
    `, { payloadLimits: { requestBytes: 1024 } });
    expect(r.stdout).toBe("true string guest Object.prototype true\n".repeat(5));
  });

  it("gives Error.prepareStackTrace only guest call sites, even for frames inside quicksand", async () => {
    const r = await attack(`${REALM}
      const seen = [];
      Error.prepareStackTrace = (err, frames) => {
        for (const f of frames || []) {
          for (const m of ["getThis", "getFunction", "getTypeName", "getFileName"]) {
            try { const v = f[m]?.(); if (typeof v === "function" && !isGuestFn(v)) seen.push("host fn via " + m); if (typeof v === "string") seen.push(v); } catch {}
          }
        }
        return "stack";
      };
      try { require("fs").readFileSync("/secret/key.txt"); } catch (e) { void e.stack; }
      try { require("./nope"); } catch (e) { void e.stack; }
      try { null.x; } catch (e) { void e.stack; }
      Promise.reject(new Error("late")).catch((e) => { void e.stack; console.log(JSON.stringify(seen.filter((s) => s.startsWith("host")))); console.log(seen.join("\\n")); });
    `);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("[]");
    expectNoHostDetail(r.stdout);
  });

  it("shows host-made functions as native code, with no host source", async () => {
    const r = await attack(`
      const fns = [console.log, console.error, require, setTimeout, queueMicrotask, Function.prototype.toString];
      console.log(fns.map((f) => Function.prototype.toString.call(f).includes("[native code]") || !/process\\.|\\bhost\\b|quickjs-emscripten/.test(Function.prototype.toString.call(f))).join());
    `);
    expect(r.stdout).toBe("true,true,true,true,true,true\n");
  });
});

describe("host realm: objects handed to the host", () => {
  it("never runs a Proxy trap or getter when a guest object reaches an op", async () => {
    const r = await attack(`${RAW}
      let traps = 0;
      const proxy = new Proxy({}, new Proxy({}, { get() { traps++; return undefined; } }));
      const getter = { get length() { traps++; return 1; }, toString() { traps++; return "/sandbox/ok.txt"; }, [Symbol.toPrimitive]() { traps++; return "/sandbox/ok.txt"; } };
      const fn = Object.assign(function () { traps++; }, { toString() { traps++; return "x"; } });
      const codes = new Set();
      (async () => {
        for (const v of [proxy, getter, fn, new String("/sandbox/ok.txt"), Object(1), Object(Symbol()), new Uint8Array(4), new DataView(new ArrayBuffer(4))]) {
          for (const op of ["fs.readFile", "fs.stat", "env.get", "process.chdir", "module.resolve", "stdio.write"]) {
            try { rawCall(op, v, v, v); } catch (e) { codes.add(e.code); }
            try { await rawCallAsync(op, v, v); } catch (e) { codes.add(e.code); }
          }
        }
        console.log(traps, [...codes].sort().join());
      })();
    `);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^0 ERR_INVALID_ARG_TYPE(,ERR_INVALID_ARG_VALUE)?\n$/);
  });

  it("copies async results fresh, so a poisoned Promise.prototype.then sees only guest values", async () => {
    const r = await attack(`${REALM}
      const seen = [];
      const realThen = Promise.prototype.then;
      Promise.prototype.then = function (onOk, onErr) {
        return realThen.call(this, (v) => { seen.push(v); return onOk ? onOk(v) : v; }, (e) => { seen.push(e); if (onErr) return onErr(e); throw e; });
      };
      class Evil extends Promise { static get [Symbol.species]() { return Promise; } }
      Object.defineProperty(Promise, Symbol.species, { get() { seen.push("species"); return Evil; } });
      const fsp = require("fs").promises;
      Promise.allSettled([fsp.readFile("/sandbox/ok.txt", "utf8"), fsp.readFile("/secret/key.txt"), fsp.stat("/sandbox")]).then((rs) => {
        Promise.prototype.then = realThen;
        const bad = seen.filter((v) => (typeof v === "object" || typeof v === "function") && v !== null && (!isGuestFn(v.constructor) || realmOf(v.constructor.constructor) !== "guest"));
        console.log(rs.map((x) => x.status).join(), bad.length);
      });
    `);
    expect(r.stdout).toBe("fulfilled,rejected,fulfilled 0\n");
  });

  it("keeps values inside async generators and for-await guest-only", async () => {
    const r = await attack(`${REALM}
      async function* walk() {
        const fsp = require("fs").promises;
        yield await fsp.readdir("/sandbox");
        try { yield await fsp.readdir("/secret"); } catch (e) { yield e; }
      }
      (async () => {
        const out = [];
        for await (const v of walk()) out.push(realmOf(v.constructor.constructor), Array.isArray(v) ? v.sort().join("|") : v.code);
        console.log(out.join(" "));
      })();
    `);
    expect(r.stdout).toBe("guest dir-link|link-to-secret|ok.txt|sub guest EACCES\n");
  });

  it("walks the caller chain of callbacks the host loop invokes without reaching a host function", async () => {
    const r = await attack(`${REALM}
      function sloppy() {
        const found = [];
        let f = sloppy.caller;
        for (let i = 0; f && i < 20; i++, f = f.caller) found.push(isGuestFn(f));
        return found;
      }
      setTimeout(function () { console.log(JSON.stringify(sloppy()).includes("false")); });
      setImmediate(function () { console.log(JSON.stringify(sloppy()).includes("false")); });
    `);
    expect(r.stdout).toBe("false\nfalse\n");
  });
});

describe("host realm: prototype pollution", () => {
  it("does not let __proto__ in JSON arguments or exports reach host objects", async () => {
    const r = await attack(`${RAW}
      Object.prototype.polluted = "guest";
      const fs = require("fs");
      fs.mkdirSync("/sandbox/p", JSON.parse('{"__proto__": {"recursive": true, "polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}'));
      try { rawCall("module.resolve", "x", "/sandbox/a.js", "require", '{"__proto__": {"polluted": "yes"}}'); } catch (e) { console.log(e.code); }
      try { rawCall("fs.writeFile", "/sandbox/p/x", new ArrayBuffer(1), '{"__proto__":{"flag":"a"},"constructor":{"prototype":{"polluted":1}}}'); } catch (e) { console.log(e.code); }
    `);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("flag");
    expect(r.code).toBe(0);
  });

  it("copies run() exports with __proto__, constructor and prototype keys as plain data", async () => {
    const r = await attackModule(`
      Object.prototype.polluted = "guest";
      export default JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "a": 1}');
      export const arr = Object.assign([], { __proto__: { polluted: "yes" } });
    `);
    expect(r.code).toBe(0);
    const exp = r.exports as { default: Record<string, unknown> };
    expect(Object.getPrototypeOf(exp.default)).toBe(Object.prototype);
    expect(Object.keys(exp.default).sort()).toEqual(["__proto__", "a", "constructor"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("host realm: engine-level attacks", () => {
  it("has no Atomics, WebAssembly or worker to turn SharedArrayBuffer into a timer or a second thread (both engines)", async () => {
    const { createQuickJSRuntimeDriverFactory } = await import("../../src/index.js");
    for (const variant of ["quickjs-ng", "quickjs"] as const) {
      const r = await attack(`
        console.log(typeof globalThis.Atomics, typeof globalThis.WebAssembly, typeof globalThis.Worker, typeof globalThis.SharedWorker);
        let w; try { w = require("worker_threads"); } catch (e) { w = e.code; }
        console.log(w);
      `, { runtimeDriverFactory: createQuickJSRuntimeDriverFactory({ variant }) });
      expect(r.stdout).toBe("undefined undefined undefined undefined\nERR_SANDBOX_NOT_SUPPORTED\n");
    }
  });

  it("survives a typed array whose buffer is detached or resized during sort", async () => {
    const r = await attack(`
      const results = [];
      for (const mode of ["transfer", "resize"]) {
        try {
          const ab = mode === "resize" ? new ArrayBuffer(64, { maxByteLength: 128 }) : new ArrayBuffer(64);
          const ta = new Float64Array(ab);
          ta.fill(1);
          ta.sort((a, b) => { if (mode === "transfer") ab.transfer?.(); else ab.resize(0); return a - b; });
          results.push("sorted:" + ta.length);
        } catch (e) { results.push(e.name); }
      }
      const ta2 = new Uint8Array(16);
      try { ta2.set({ length: 16, get 0() { ta2.buffer.transfer?.(); return 1; } }); results.push("set"); } catch (e) { results.push(e.name); }
      console.log(results.length);
    `);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("3\n");
  });

  it("keeps host paths out of every error the guest can provoke from the engine", async () => {
    const r = await attack(`
      const texts = [];
      const tries = [() => null.x, () => eval("(("), () => new Function("a b"), () => require("nope"), () => require("/secret/key.txt"),
        () => require("fs").readFileSync("/nope"), () => JSON.parse("{"), () => new RegExp("("), () => decodeURIComponent("%"), () => structuredClone(() => 1)];
      for (const t of tries) { try { t(); } catch (e) { texts.push(String(e && e.stack), String(e && e.message)); } }
      console.log(texts.join("\\n"));
    `);
    expect(r.code).toBe(0);
    expectNoHostDetail(r.stdout);
  });
});
