/**
 * Host bindings (`bindings` option, secure-exec's custom-bindings contract): guest code
 * written for secure-exec runs unchanged, in-process and in worker mode. Values cross as
 * structured-clone copies both ways; a binding call is an op like any other (budgets,
 * payload limits, host time not counted as guest CPU).
 */
import { isMainThread } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { NodeRuntime, WorkerPool, type BindingTree, type NodeRuntimeOptions } from "../../src/index.js";

const pool = new WorkerPool({ size: 1 });
afterAll(() => pool.close());

const MODES = [
  ["in-process", {}],
  ["worker", { workerPool: pool }],
] as const satisfies readonly (readonly [string, NodeRuntimeOptions])[];

async function execWith(bindings: BindingTree | undefined, code: string, options: NodeRuntimeOptions = {}) {
  const rt = new NodeRuntime({ ...options, ...(bindings ? { bindings } : {}) });
  try {
    return await rt.exec(code);
  } finally {
    rt.dispose();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(MODES)("bindings (%s)", (_mode, modeOptions) => {
  const exec = (bindings: BindingTree | undefined, code: string, options: NodeRuntimeOptions = {}) => execWith(bindings, code, { ...modeOptions, ...options });

  it("runs guest code written for secure-exec unchanged", async () => {
    const queries: unknown[] = [];
    const r = await exec(
      {
        db: {
          query: async (sql, params) => {
            queries.push([sql, params]);
            return [{ id: 1, name: "ada" }];
          },
        },
        greet: (name) => `Hello, ${name}!`,
      },
      `(async () => {
        const rows = await SecureExec.bindings.db.query("SELECT * FROM users", []);
        console.log(JSON.stringify(rows));
        console.log(SecureExec.bindings.greet("x"));
        const { db } = SecureExec.bindings;
        console.log((await db.query("SELECT 1", [2]))[0].name);
      })()`,
    );
    expect(r).toMatchObject({ code: 0, stdout: '[{"id":1,"name":"ada"}]\nHello, x!\nada\n' });
    expect(queries).toEqual([["SELECT * FROM users", []], ["SELECT 1", [2]]]);
  });

  it("offers the same tree as Quicksand.bindings, frozen, and an empty frozen tree without bindings", async () => {
    const withTree = await exec({ a: { b: () => 1 } }, `
      console.log(Quicksand === SecureExec, Quicksand.bindings.a.b(), Object.isFrozen(SecureExec), Object.isFrozen(SecureExec.bindings),
        Object.isFrozen(SecureExec.bindings.a), Object.isFrozen(SecureExec.bindings.a.b), SecureExec.bindings.a.b.name);
    `);
    expect(withTree.stdout).toBe("true 1 true true true true b\n");
    const empty = await exec(undefined, `console.log(typeof SecureExec, JSON.stringify(SecureExec.bindings), Object.isFrozen(SecureExec.bindings), Object.keys(Quicksand))`);
    expect(empty.stdout).toBe("object {} true [ 'bindings' ]\n");
  });

  it("returns a value from a sync leaf and a Promise from an async one or one that returns a Promise", async () => {
    const r = await exec(
      { sync: () => 1, asyncFn: async () => 2, promise: () => sleep(5).then(() => 3) },
      `(async () => {
        const b = SecureExec.bindings;
        const s = b.sync(), a = b.asyncFn(), p = b.promise();
        console.log(s, a instanceof Promise, p instanceof Promise, await a, await p);
      })()`,
    );
    expect(r).toMatchObject({ code: 0, stdout: "1 true true 2 3\n" });
  });

  it("copies arguments in with structured-clone semantics", async () => {
    let got: unknown[] = [];
    const r = await exec(
      { take: (...args) => void (got = args) },
      `const shared = { s: 1 };
      const circular = { name: "c" }; circular.self = circular;
      const buf = new ArrayBuffer(8); new Uint8Array(buf).set([1, 2, 3, 4, 5, 6, 7, 8]);
      const err = new RangeError("bad"); err.code = "E_BAD";
      SecureExec.bindings.take(
        undefined, null, -0, NaN, 12n, "ü\\u0000\\ud800", [1, , 3], { shared, again: shared }, circular,
        new Date(5), /x+/gi, new Map([[1, { a: 1 }]]), new Set(["s"]), buf, new Uint16Array(buf, 2, 2),
        [new Uint8Array(buf, 4, 2), new DataView(buf, 6)], err,
      );`,
    );
    expect(r.code).toBe(0);
    const [u, n, negZero, nan, big, str, holes, sharedHolder, circular, date, re, map, set, ab, u16, views, err] = got as any[];
    expect([u, n, nan, big, str]).toEqual([undefined, null, NaN, 12n, "ü\u0000\ud800"]);
    expect(Object.is(negZero, -0)).toBe(true);
    expect(holes).toEqual([1, undefined, 3]); // a hole arrives as undefined
    expect(sharedHolder.shared).toBe(sharedHolder.again);
    expect(circular.self).toBe(circular);
    expect(date).toEqual(new Date(5));
    expect(re).toEqual(/x+/gi);
    expect(map).toEqual(new Map([[1, { a: 1 }]]));
    expect(set).toEqual(new Set(["s"]));
    expect(ab).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(ab)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(u16).toBeInstanceOf(Uint16Array);
    expect(u16.buffer).toBe(ab); // views of one buffer stay views of one buffer
    expect([...new Uint8Array(u16.buffer, u16.byteOffset, 4)]).toEqual([3, 4, 5, 6]);
    expect(views[0].buffer).toBe(ab);
    expect(views[1]).toBeInstanceOf(DataView);
    expect(views[1].getUint8(1)).toBe(8);
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.message, err.code]).toEqual(["RangeError", "bad", "E_BAD"]);
  });

  it("passes primitive arguments and results exactly (the fast path without JSON)", async () => {
    let got: unknown[] = [];
    const values = [undefined, -0, NaN, -Infinity, 12n, "ü\u0000\ud800", true, ""];
    const r = await exec(
      { take: (...args) => void (got = args), give: (i) => values[i as number] },
      `SecureExec.bindings.take(undefined, -0, NaN, -Infinity, 12n, "ü\\u0000\\ud800", true, "");
      const back = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => SecureExec.bindings.give(i));
      console.log(back[0], Object.is(back[1], -0), back[2], back[3], back[4], JSON.stringify(back[5]), back[6], JSON.stringify(back[7]));`,
    );
    expect(r.stdout).toBe('undefined true NaN -Infinity 12n "ü\\u0000\\ud800" true ""\n');
    expect(got).toHaveLength(8);
    expect(Object.is(got[1], -0)).toBe(true);
    expect(got).toEqual(values);
  });

  it("copies results out with structured-clone semantics", async () => {
    const shared = { s: 1 };
    const circular: Record<string, unknown> = { name: "c" };
    circular.self = circular;
    const err = Object.assign(new TypeError("bad"), { code: "E_BAD" });
    const r = await exec(
      {
        give: () => ({
          prims: [undefined, null, -0, NaN, Infinity, 12n, "ü\u0000\ud800"],
          shared: [shared, shared],
          circular,
          date: new Date(5),
          re: /x+/gi,
          map: new Map<unknown, unknown>([[{ k: 1 }, new Set([1, 2])]]),
          bytes: new Uint8Array([1, 2, 3]),
          buffer: Buffer.from("hi"),
          floats: new Float64Array([1.5]),
          ab: new Uint8Array([9, 9]).buffer,
          err,
        }),
      },
      `const v = SecureExec.bindings.give();
      const [u, n, z, nan, inf, big, str] = v.prims;
      console.log(u, n, Object.is(z, -0), nan, inf, big, JSON.stringify(str));
      console.log(v.shared[0] === v.shared[1], v.circular.self === v.circular);
      console.log(v.date instanceof Date, v.date.getTime(), v.re instanceof RegExp, String(v.re));
      const [[k, s]] = v.map; console.log(k.k, s instanceof Set, [...s]);
      console.log(v.bytes instanceof Uint8Array, [...v.bytes], v.buffer.constructor.name, v.buffer.buffer.byteLength, new TextDecoder().decode(v.buffer));
      console.log(v.floats[0], v.ab instanceof ArrayBuffer, v.ab.byteLength);
      console.log(v.err instanceof TypeError, v.err.name, v.err.message, v.err.code);`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        'undefined null true NaN Infinity 12n "ü\\u0000\\ud800"',
        "true true",
        "true 5 true /x+/gi",
        "1 true [ 1, 2 ]",
        "true [ 1, 2, 3 ] Uint8Array 2 hi",
        "1.5 true 2",
        "true TypeError bad E_BAD",
        "",
      ].join("\n"),
    );
  });

  it("copies plain JSON-like results (rows) exactly, shared references and holes included", async () => {
    const shared = { s: 1 };
    const withProtoKey = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const r = await exec(
      {
        rows: () => [{ id: 1, name: "ada", tags: ["x"], meta: null }, { id: 2, name: "grace", tags: [], meta: { nested: [1.5, true] } }],
        shared: () => ({ a: shared, b: shared }),
        sparse: () => [1, , 3], // eslint-disable-line no-sparse-arrays
        proto: () => withProtoKey,
      },
      `const b = SecureExec.bindings;
      console.log(JSON.stringify(b.rows()));
      const s = b.shared(); console.log(s.a === s.b);
      const sp = b.sparse(); console.log(sp.length, 1 in sp, sp[1]);
      const p = b.proto(); console.log(Object.getPrototypeOf(p) === Object.prototype, JSON.stringify(Object.getOwnPropertyDescriptor(p, "__proto__").value), ({}).polluted);`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      '[{"id":1,"name":"ada","tags":["x"],"meta":null},{"id":2,"name":"grace","tags":[],"meta":{"nested":[1.5,true]}}]\ntrue\n3 true undefined\ntrue {"polluted":true} undefined\n',
    );
  });

  it("turns a host exception into a guest Error with the host's name and message only", async () => {
    class QueryError extends Error {
      override name = "QueryError";
      secret = "host-only";
    }
    const r = await exec(
      {
        typeErr: () => {
          throw new TypeError("bad type");
        },
        custom: async () => {
          throw new QueryError("syntax error near FROM");
        },
        str: () => {
          throw "plain string";
        },
      },
      `(async () => {
        try { SecureExec.bindings.typeErr() } catch (e) { console.log(e instanceof TypeError, e.name, e.message) }
        try { await SecureExec.bindings.custom() } catch (e) { console.log(e instanceof Error, e.name, e.message, e.secret, Object.keys(e)) }
        try { SecureExec.bindings.str() } catch (e) { console.log(e instanceof Error, e.message) }
      })()`,
    );
    expect(r.stdout).toBe("true TypeError bad type\ntrue QueryError syntax error near FROM undefined []\ntrue plain string\n");
  });

  it("refuses a function or class instance in a result or an argument with an error naming the path", async () => {
    class Pool {}
    const r = await exec(
      { fn: () => ({ rows: [{ cb: () => 1 }] }), inst: async () => ({ pool: new Pool() }), echo: (x) => x },
      `(async () => {
        try { SecureExec.bindings.fn() } catch (e) { console.log(e.name + ": " + e.message) }
        try { await SecureExec.bindings.inst() } catch (e) { console.log(e.name + ": " + e.message) }
        try { SecureExec.bindings.echo({ a: [Symbol("s")] }) } catch (e) { console.log(e.name + ": " + e.message) }
        class Local {}
        try { SecureExec.bindings.echo(1, new Local()) } catch (e) { console.log(e.name + ": " + e.message) }
      })()`,
    );
    expect(r.stdout).toBe(
      [
        "TypeError: SecureExec.bindings.fn: result.rows[0].cb is a function, which cannot be copied into the sandbox",
        "TypeError: SecureExec.bindings.inst: result.pool is an instance of Pool, which cannot be copied into the sandbox",
        "TypeError: SecureExec.bindings.echo: arguments[0].a[0] is a symbol, which cannot be copied out of the sandbox",
        "TypeError: SecureExec.bindings.echo: arguments[1] is an instance of Local, which cannot be copied out of the sandbox (only plain data can)",
        "",
      ].join("\n"),
    );
  });

  it("runs every binding on the caller's thread", async () => {
    const r = await exec({ where: () => (isMainThread ? "main" : "worker"), whereAsync: async () => (isMainThread ? "main" : "worker") }, `
      (async () => console.log(SecureExec.bindings.where(), await SecureExec.bindings.whereAsync()))()`);
    expect(r.stdout).toBe("main main\n");
  });

  it("does not count time spent waiting for an async binding as guest CPU time", async () => {
    const r = await exec({ slow: async () => { await sleep(400); return "done"; }, slowPromise: () => sleep(400).then(() => "also") }, `
      (async () => console.log(await SecureExec.bindings.slow(), await SecureExec.bindings.slowPromise()))()`, { cpuTimeLimitMs: 150 });
    expect(r).toMatchObject({ code: 0, stdout: "done also\n" });
  });

  it("counts binding calls against maxOpCalls", async () => {
    // Once the budget is spent no op works (console.log included): the outcome leaves as exports.
    const rt = new NodeRuntime({ ...modeOptions, bindings: { f: () => 1 }, resourceBudgets: { maxOpCalls: 100 } });
    try {
      const r = await rt.run<{ n: number; code: string }>(`
        let n = 0, code;
        try { for (;;) { SecureExec.bindings.f(); n++; } } catch (e) { code = e.code }
        export { n, code };`);
      expect(r.exports?.code).toBe("ERR_SANDBOX_BUDGET_EXCEEDED");
      expect(r.exports?.n).toBeGreaterThan(50);
      expect(r.exports?.n).toBeLessThanOrEqual(100);
    } finally {
      rt.dispose();
    }
  });

  it("applies the payload limits to arguments and results", async () => {
    const r = await exec({ echo: (x) => x, big: () => "y".repeat(5000), bigAsync: async () => new Uint8Array(5000) }, `
      (async () => {
        try { SecureExec.bindings.echo("x".repeat(5000)) } catch (e) { console.log(e.code) }
        try { SecureExec.bindings.echo(new Uint8Array(5000)) } catch (e) { console.log(e.code) }
        try { SecureExec.bindings.big() } catch (e) { console.log(e.code) }
        try { await SecureExec.bindings.bigAsync() } catch (e) { console.log(e.code) }
        console.log(SecureExec.bindings.echo("small"));
      })()`, { payloadLimits: { requestBytes: 4096, responseBytes: 4096 } });
    expect(r.stdout).toBe("ERR_SANDBOX_PAYLOAD_TOO_LARGE\n".repeat(4) + "small\n");
  });

  it("keeps the bindings from one exec to the next (each exec a fresh context)", async () => {
    let calls = 0;
    const rt = new NodeRuntime({ ...modeOptions, bindings: { count: () => ++calls } });
    try {
      const a = await rt.exec("console.log(SecureExec.bindings.count())");
      const b = await rt.exec("console.log(SecureExec.bindings.count())");
      expect([a.stdout, b.stdout]).toEqual(["1\n", "2\n"]);
    } finally {
      rt.dispose();
    }
  });

  it("works from an ES module and from run()", async () => {
    const rt = new NodeRuntime({ ...modeOptions, bindings: { db: { query: async (sql) => [{ sql }] } } });
    try {
      const r = await rt.run<{ rows: { sql: string }[] }>("export const rows = await SecureExec.bindings.db.query('SELECT 1', []);");
      expect(r.code).toBe(0);
      expect(r.exports?.rows).toEqual([{ sql: "SELECT 1" }]);
    } finally {
      rt.dispose();
    }
  });

  it("ends a run waiting on a binding that never settles when the runtime is disposed", async () => {
    let called!: () => void;
    const started = new Promise<void>((r) => (called = r));
    const rt = new NodeRuntime({ ...modeOptions, bindings: { forever: () => { called(); return new Promise(() => {}); } } });
    const run = rt.exec("SecureExec.bindings.forever().then(() => console.log('never'))");
    await started;
    rt.dispose();
    const r = await run;
    expect(r.code).toBe(143);
    expect(r.stdout).toBe("");
  });
});

describe("bindings option validation", () => {
  const build = (bindings: unknown) => () => new NodeRuntime({ bindings: bindings as BindingTree });
  const many = (n: number): BindingTree => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, (): number => i]));
  it("accepts a tree four levels deep with 64 functions", () => {
    const tree: BindingTree = { a: { b: { c: many(63) } }, d: { e: { f: { g: () => 1 } } } };
    expect(() => build(tree)().dispose()).not.toThrow();
  });
  it.each([
    [{ "not-ok": () => 1 }, /binding key "not-ok" is not a valid JavaScript identifier/],
    [{ db: { "1x": () => 1 } }, /binding key "db.1x" is not a valid JavaScript identifier/],
    [{ _private: () => 1 }, /binding key "_private" starts with "_", which is reserved/],
    [{ db: { __proto: () => 1 } }, /binding key "db.__proto" starts with "_"/],
    [{ a: { b: { c: { d: { e: () => 1 } } } } }, /binding "a.b.c.d.e" is nested 5 levels deep; the most is 4/],
    [many(65), /binding "f64" is one function too many: at most 64/],
    [{ db: { query: "SELECT" } }, /binding "db.query" must be a function or a plain object of functions, got a string/],
    [{ db: new (class Db {})() }, /binding "db" must be a function or a plain object of functions, got an instance of Db/],
    [{ list: [() => 1] }, /binding "list" must be a function or a plain object of functions, got an array/],
    [[() => 1], /bindings must be a plain object of functions, got an array/],
    [{ [Symbol("s")]: () => 1 }, /bindings has a symbol key/],
  ])("refuses %o with a TypeError naming the key", (tree, message) => {
    expect(build(tree)).toThrow(TypeError);
    expect(build(tree)).toThrow(message);
  });
  it("refuses a cycle in the tree as too deep", () => {
    const tree: { self?: unknown } = {};
    tree.self = tree;
    expect(build(tree)).toThrow(/binding "self.self.self.self.self" is nested 5 levels deep/);
  });
});
