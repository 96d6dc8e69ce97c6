import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { normalizePermissions } from "../../src/driver/permissions.js";
import { createNodeDriver } from "../../src/driver/node-driver.js";
import { Bridge, type Completion } from "../../src/runtime/bridge/bridge.js";
import * as arg from "../../src/runtime/bridge/decoders.js";
import { PermissionGate } from "../../src/runtime/bridge/gate.js";
import { LocalOpRunner } from "../../src/runtime/bridge/op-runner.js";
import { defineOp, opTable, type OpContext } from "../../src/runtime/bridge/op.js";
import { OpError } from "../../src/runtime/bridge/op-error.js";
import { createInstance } from "../../src/wasm/instance.js";
import { getVariant } from "../../src/wasm/variants.js";
import { execOnce } from "../helpers.js";

/**
 * Attacks on the bridge itself: a guest that calls the host functions directly with
 * hostile arguments. Each must end in a clean, Node-shaped error inside the guest, with
 * no guest code run while the host reads arguments, and no host detail leaking out.
 */
let context: QuickJSContext;
let dispose: () => void;
let seen: unknown[][];
let completions: Completion[];

const ops = opTable([
  defineOp({ name: "test.echo", args: [arg.string, arg.optional(arg.number)], sync: (_cx, [s, n]) => ({ s, n: n ?? null }) }),
  defineOp({ name: "test.bytes", args: [arg.bytes], sync: (_cx, [b]) => Array.from(b as Uint8Array) }),
  defineOp({ name: "test.json", args: [arg.json()], sync: (_cx, [v]) => v }),
  defineOp({
    name: "test.read",
    args: [arg.pathString],
    syscall: "open",
    permission: ([p]) => [{ kind: "fs", request: { op: "read", path: p as string } }],
    sync: (_cx, args, granted) => {
      seen.push([args[0], granted.fsPath()]);
      return "contents";
    },
    async: async (_cx, _args, granted) => `async ${granted.fsPath()}`,
  }),
  defineOp({ name: "test.hostBug", args: [], sync: () => { throw new TypeError("boom at /home/secret/host/path.js") } }),
  defineOp({ name: "test.enoent", args: [arg.string], syscall: "open", permission: ([p]) => [{ kind: "fs", request: { op: "read", path: p as string } }], sync: () => { throw Object.assign(new Error("ENOENT: no such file or directory, open '/host/real/path'"), { code: "ENOENT" }) } }),
  defineOp({ name: "test.badResult", args: [], sync: () => new Map() }),
  defineOp({ name: "test.hugeResult", args: [], sync: () => "y".repeat(2048) }),
  defineOp({ name: "test.onlyAsync", args: [], async: async () => 1 }),
]);

function setup(permissions: Parameters<typeof normalizePermissions>[0]) {
  return async () => {
    const inst = await createInstance(getVariant(), 512);
    const rt = inst.module.newRuntime();
    context = rt.newContext();
    seen = [];
    completions = [];
    const abLength = context.unwrapResult(context.evalCode("Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get"));
    const fromUnits = context.unwrapResult(context.evalCode("(b) => String.fromCharCode(...new Uint16Array(b))"));
    const units = context.unwrapResult(context.evalCode("(s) => { const u = new Uint16Array(s.length); for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return u.buffer }"));
    const driver = createNodeDriver({ permissions: permissions as never });
    const gate = new PermissionGate(normalizePermissions(permissions));
    const cx: OpContext = { driver, exec: {} as never, allowed: (r) => gate.allowed(r), allowedAsync: (r) => gate.allowedAsync(r) };
    const runner = new LocalOpRunner(cx, gate);
    const bridge = new Bridge({
      context,
      ops,
      runner,
      localRunner: runner,
      limits: { requestBytes: 1024, responseBytes: 1024 },
      isArrayBuffer: (h: QuickJSHandle) => {
        const r = context.callFunction(abLength, h);
        if (r.error) { r.error.dispose(); return false; }
        r.value.dispose();
        return true;
      },
      exactString: (h: QuickJSHandle) => {
        const v = context.unwrapResult(context.callFunction(units, context.undefined, h));
        const view = context.getArrayBuffer(v);
        v.dispose();
        const s = String.fromCharCode(...new Uint16Array(view.value.slice().buffer));
        view.dispose();
        return s;
      },
      newExactString: (str: string) => {
        const u = new Uint16Array([...str].flatMap((ch) => Array.from({ length: ch.length }, (_, i) => ch.charCodeAt(i))));
        const buf = context.newArrayBuffer(u.buffer);
        const v = context.unwrapResult(context.callFunction(fromUnits, context.undefined, buf));
        buf.dispose();
        return v;
      },
      onComplete: (c) => completions.push(c),
      isLive: () => true,
    });
    const call = bridge.newCallFunction();
    const callAsync = bridge.newCallAsyncFunction();
    context.setProp(context.global, "call", call);
    context.setProp(context.global, "callAsync", callAsync);
    context.setProp(context.global, "sideEffects", context.newNumber(0));
    call.dispose();
    callAsync.dispose();
    dispose = () => {
      abLength.dispose();
      units.dispose();
      fromUnits.dispose();
      context.dispose();
      rt.dispose();
    };
  };
}

/** Evaluates guest code that calls the bridge and returns JSON of { ok, value } or { error }. */
function guest(code: string): any {
  const r = context.evalCode(`(() => { try { return JSON.stringify({ ok: true, value: (${code}) }) } catch (e) { return JSON.stringify({ error: e && typeof e === 'object' ? { ...e } : e }) } })()`);
  if (r.error) {
    const msg = context.dump(r.error);
    r.error.dispose();
    throw new Error(`guest harness failed: ${JSON.stringify(msg)}`);
  }
  const s = context.getString(r.value);
  r.value.dispose();
  return JSON.parse(s);
}

describe("bridge: argument decoding", () => {
  beforeEach(setup({ fs: () => true }));
  afterEach(() => dispose());

  it("calls an op with well-typed arguments", () => {
    expect(guest(`call("test.echo", "hi", 2)`)).toEqual({ ok: true, value: { s: "hi", n: 2 } });
  });

  it("refuses an unknown op", () => {
    expect(guest(`call("fs.nope")`).error).toMatchObject({ $opError: true, code: "ERR_SANDBOX_UNKNOWN_OP", message: 'unknown operation "fs.nope"' });
  });

  it("refuses a non-string op name without converting it", () => {
    const r = guest(`call({ toString() { sideEffects++; return "test.echo" } }, "x")`);
    expect(r.error).toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
    expect(guest("sideEffects").value).toBe(0);
  });

  it("never runs guest code to read an argument: getters, toString, toPrimitive, Proxies", () => {
    const hostile = [
      `{ get length() { sideEffects++; return 1 } }`,
      `{ toString() { sideEffects++; return "/etc/passwd" } }`,
      `{ [Symbol.toPrimitive]() { sideEffects++; return "/etc/passwd" } }`,
      `new Proxy({}, { get() { sideEffects++; return "x" }, getPrototypeOf() { sideEffects++; return null } })`,
      `new String("/etc/passwd")`,
    ];
    for (const h of hostile) {
      const r = guest(`call("test.read", ${h})`);
      expect(r.error).toMatchObject({ $opError: true, code: "ERR_INVALID_ARG_TYPE" });
    }
    expect(guest("sideEffects").value).toBe(0);
    expect(seen).toEqual([]);
  });

  it("accepts only a real ArrayBuffer for bytes", () => {
    expect(guest(`call("test.bytes", new Uint8Array([1, 2]).buffer)`)).toEqual({ ok: true, value: [1, 2] });
    for (const fake of [`new Uint8Array([1])`, `{ byteLength: 1 }`, `new Proxy(new ArrayBuffer(1), {})`, `Object.create(ArrayBuffer.prototype)`]) {
      expect(guest(`call("test.bytes", ${fake})`).error).toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
    }
  });

  it("copies bytes: later guest writes do not reach the host's copy", () => {
    expect(guest(`(() => { const b = new Uint8Array([7, 8]); const r = call("test.bytes", b.buffer); b[0] = 99; return r })()`).value).toEqual([7, 8]);
  });

  it("rejects arguments over the payload limit", () => {
    expect(guest(`call("test.echo", "x".repeat(2000))`).error).toMatchObject({ code: "ERR_SANDBOX_PAYLOAD_TOO_LARGE" });
    expect(guest(`call("test.bytes", new ArrayBuffer(4096))`).error).toMatchObject({ code: "ERR_SANDBOX_PAYLOAD_TOO_LARGE" });
  });

  it("rejects results over the payload limit", () => {
    expect(guest(`call("test.hugeResult")`).error).toMatchObject({ code: "ERR_SANDBOX_PAYLOAD_TOO_LARGE" });
  });

  it("rejects too many arguments and paths with NUL bytes", () => {
    expect(guest(`call("test.echo", "a", 1, 2)`).error).toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
    expect(guest(`call("test.read", "/tmp/a\\u0000b")`).error).toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
  });

  it("reads strings with NUL bytes and lone surrogates exactly", () => {
    expect(guest(`call("test.echo", "a\\u0000b")`).value).toEqual({ s: "a\u0000b", n: null });
    const r = guest(`call("test.echo", "x\\ud800y")`).value;
    expect(r.s).toBe("x\ud800y");
  });

  it("parses JSON arguments on the host, so __proto__ keys cannot pollute", () => {
    const r = guest(`call("test.json", '{"__proto__": {"polluted": 1}, "a": 1}')`);
    expect(r.value).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(guest(`call("test.json", "{not json")`).error).toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
  });

  it("hides host failures behind a generic error with no host detail", () => {
    const r = guest(`call("test.hostBug")`);
    expect(r.error).toEqual({ $opError: true, code: "ERR_SANDBOX_HOST_FAILURE", message: "host operation failed" });
  });

  it("re-describes backend errors with the guest's own path", () => {
    const r = guest(`call("test.enoent", "/data/x.txt")`);
    expect(r.error).toEqual({ $opError: true, code: "ENOENT", errno: -2, syscall: "open", path: "/data/x.txt", message: "ENOENT: no such file or directory, open '/data/x.txt'" });
  });

  it("refuses to hand a non-plain host object to the guest", () => {
    expect(guest(`call("test.badResult")`).error).toMatchObject({ code: "ERR_SANDBOX_HOST_FAILURE" });
  });

  it("names worker mode when a synchronous call reaches an async-only op", () => {
    expect(guest(`call("test.onlyAsync")`).error).toMatchObject({ code: "ERR_SANDBOX_SYNC_UNAVAILABLE" });
  });

  it("queues async results for the event loop instead of calling into the guest", async () => {
    const id = guest(`callAsync("test.read", "/a")`).value;
    expect(completions).toEqual([]);
    await new Promise((r) => setTimeout(r, 0));
    expect(completions).toEqual([{ id, value: "async /a" }]);
  });
});

describe("bridge: permissions", () => {
  beforeEach(setup({ fs: (req: { path: string }) => (req.path.startsWith("/tmp/") ? { allow: true } : { allow: false, reason: "only /tmp" }) }));
  afterEach(() => dispose());

  it("denies with EACCES carrying the callback's reason, before the op runs", () => {
    const r = guest(`call("test.read", "/etc/passwd")`);
    expect(r.error).toEqual({ $opError: true, code: "EACCES", errno: -13, syscall: "open", path: "/etc/passwd", message: "EACCES: permission denied, open '/etc/passwd' (only /tmp)" });
    expect(seen).toEqual([]);
  });

  it("passes the implementation exactly the value that was checked", () => {
    expect(guest(`call("test.read", "/tmp/ok")`).value).toBe("contents");
    expect(seen).toEqual([["/tmp/ok", "/tmp/ok"]]);
  });

  it("denies async calls too", async () => {
    const id = guest(`callAsync("test.read", "/etc/shadow")`).value;
    await new Promise((r) => setTimeout(r, 0));
    expect(completions).toEqual([{ id, error: expect.objectContaining({ code: "EACCES", path: "/etc/shadow" }) }]);
  });
});

describe("bridge: an async permission callback", () => {
  beforeEach(setup({ fs: async () => ({ allow: true }) }));
  afterEach(() => dispose());

  it("cannot answer a synchronous call in-process, and says so", () => {
    expect(guest(`call("test.read", "/tmp/x")`).error).toMatchObject({ code: "ERR_SANDBOX_SYNC_UNAVAILABLE" });
  });

  it("answers an async call", async () => {
    const id = guest(`callAsync("test.read", "/tmp/x")`).value;
    await new Promise((r) => setTimeout(r, 5));
    expect(completions).toEqual([{ id, value: "async /tmp/x" }]);
  });
});

describe("the bridge inside a real sandbox", () => {
  it("enforces the request payload limit on strings", async () => {
    const r = await execOnce("try { process.env['K'.repeat(5000)] } catch (e) { console.log(e.code) }", { payloadLimits: { requestBytes: 1024 } });
    expect(r.stdout).toBe("ERR_SANDBOX_PAYLOAD_TOO_LARGE\n");
  });

  it("exposes no bridge function on the guest's global object", async () => {
    const r = await execOnce(`
      const found = [];
      for (const k of Reflect.ownKeys(globalThis)) {
        const d = Object.getOwnPropertyDescriptor(globalThis, k);
        const v = d && 'value' in d ? d.value : undefined;
        if (typeof v === 'function' && /^(call|callAsync)$/.test(v.name)) found.push(String(k));
      }
      console.log(JSON.stringify(found));`);
    expect(r.stdout).toBe("[]\n");
  });

  it("does not let process.env reads with hostile keys run guest code on the host side", async () => {
    const r = await execOnce(`
      let n = 0;
      const key = { toString() { n++; return 'PATH' } };
      console.log(process.env[key], process.env[Symbol('x')], n);`, {}, { env: { PATH: "/bin" } });
    // The Proxy's get trap receives the key already converted by the engine (once).
    expect(r.stdout).toBe("undefined undefined 1\n");
  });
});

void OpError;
