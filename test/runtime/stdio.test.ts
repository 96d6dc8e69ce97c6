import { describe, expect, it } from "vitest";
import { NodeRuntime, type StdioEvent } from "../../src/index.js";
import { execOnce, hostNode } from "../helpers.js";

describe("stdio", () => {
  it("delivers output to onStdio in order as { channel, message } events", async () => {
    const events: StdioEvent[] = [];
    const rt = new NodeRuntime({ onStdio: (e) => events.push(e) });
    await rt.exec("console.log('a'); console.error('b'); process.stdout.write('c'); console.warn('d', 1); console.info({ e: 1 })");
    rt.dispose();
    expect(events).toEqual([
      { channel: "stdout", message: "a\n" },
      { channel: "stderr", message: "b\n" },
      { channel: "stdout", message: "c" },
      { channel: "stderr", message: "d 1\n" },
      { channel: "stdout", message: "{ e: 1 }\n" },
    ]);
  });

  it("calls both the runtime's and the exec's onStdio", async () => {
    const seen: string[] = [];
    const rt = new NodeRuntime({ onStdio: (e) => seen.push(`rt:${e.message}`) });
    await rt.exec("console.log('x')", { onStdio: (e) => seen.push(`exec:${e.message}`) });
    rt.dispose();
    expect(seen).toEqual(["rt:x\n", "exec:x\n"]);
  });

  it("keeps running when an onStdio callback throws", async () => {
    const r = await execOnce("console.log('one'); console.log('two')", { onStdio: () => { throw new Error("host bug") } });
    expect(r).toMatchObject({ code: 0, stdout: "one\ntwo\n" });
  });

  it("cuts output past the budget with one marker and stops buffering", async () => {
    const events: StdioEvent[] = [];
    const r = await execOnce("for (let i = 0; i < 100000; i++) console.log('line ' + i)", {
      resourceBudgets: { maxOutputBytes: 1000 },
      onStdio: (e) => events.push(e),
    });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeLessThan(1100);
    expect(r.stdout.endsWith("\n[quicksand: output truncated after 1000 characters]\n")).toBe(true);
    expect(events.at(-1)?.message).toBe("\n[quicksand: output truncated after 1000 characters]\n");
  });

  it("writes Uint8Array chunks as UTF-8 text", async () => {
    const r = await execOnce("process.stdout.write(new Uint8Array([104, 195, 169, 10]))");
    expect(r.stdout).toBe("hé\n");
  });

  const formatting: Record<string, string> = {
    "primitives": "console.log('s', 1, -0, 1.5, true, undefined, null, 10n, NaN, Infinity)",
    "format specifiers": "console.log('%s is %d years and %i days, %f, %j, %o, %O %%, %c.', 'Bob', 42.5, 3.9, '2.5', {a:1}, [1], {b:{c:{}}}, 'css', 'extra')",
    "nested objects and arrays": "console.log({ a: 1, b: 'two', c: [1, 2, { d: [3, [4, [5, [6]]]] }], e: { f: { g: { h: { i: 1 } } } } })",
    "Map, Set, Date, RegExp, symbols": "console.log(new Map([['k', { v: 1 }]]), new Set([1, 'a']), new Date(0), /re/g, Symbol('s'), [Symbol.iterator])",
    "class instances and null prototypes": "class Foo { constructor() { this.x = 1 } }; const o = Object.create(null); o.y = 2; console.log(new Foo(), o, [new Foo()])",
    "functions and classes": "console.log(function named() {}, () => {}, class A {}, class B extends Array {}, async function af() {}, function* g() {})",
    "circular references": "const a = { name: 'a' }; a.self = a; a.list = [a]; console.log(a)",
    "long arrays are grouped and cut": "console.log(Array.from({ length: 120 }, (_, i) => i * 3))",
    "arrays of strings": "console.log(['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape', 'honeydew'])",
    "long objects break lines": "console.log({ alpha: 'aaaaaaaaaaaaaaaaaaaa', beta: 'bbbbbbbbbbbbbbbbbbbbbbb', gamma: 'cccccccccccccccccccccccccc', delta: 'ddddddddddddddddddd', epsilon: 'eeeeeeeeeeeeeeeeeeee' })",
    "strings with quotes": `console.log(["it's", 'say "hi"', \`both ' and "\`, 'tab\\there', 'new\\nline'])`,
    "typed arrays and ArrayBuffers": "console.log(new Uint8Array([1, 2, 3]), new Float64Array(2), new ArrayBuffer(3))",
    "getters and symbols as keys": "console.log({ get g() { return 1 }, set s(v) {}, [Symbol('k')]: 'v', 'needs-quotes': 1 })",
    "boxed primitives and sparse arrays": "console.log(new Number(3), new String('ab'), [1, , 3], new Array(5))",
    "console.table falls back to a plain listing": "console.log([[1, 2], [3, 4]])",
    "console.assert, count, group and dir": "console.assert(1 === 2, 'nope'); console.count(); console.count(); console.count('x'); console.group('G'); console.log('inside'); console.group(); console.log('deeper'); console.groupEnd(); console.groupEnd(); console.log('out'); console.dir({ a: { b: { c: { d: 1 } } } }, { depth: 0 })",
  };
  for (const [what, code] of Object.entries(formatting)) {
    it(`formats ${what} as Node does`, async () => {
      const expected = hostNode(code);
      const actual = await execOnce(code);
      expect(actual.stdout).toBe(expected.stdout);
    });
  }
});
