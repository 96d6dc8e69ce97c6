/**
 * Bridge fuzzing: every op in the op table is called from guest code, synchronously and
 * asynchronously, with generated hostile arguments (wrong types, huge strings, deep and
 * cyclic objects, throwing getters and Proxies, NaN and negative numbers, invalid
 * encodings and JSON, typed arrays of every kind, detached and shared buffers). The host
 * must never throw outside the call or crash, and the guest must always get either a
 * result or a Node-shaped error (an Error with a string `code`).
 *
 * `npm test` runs a few cases; `npm run fuzz` (FUZZ_RUNS=5000) runs many.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPS } from "../../src/shims/index.js";
import { allowAll, createInMemoryFileSystem, createNodeDriver, ExitCode, NodeRuntime, type Permissions } from "../../src/index.js";
import { RAW } from "./harness.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
/** Ops that end the run: called last, after the report is printed. */
const LAST = new Set(["process.exit"]);
const NAMES = [...OPS.keys()].filter((n) => !LAST.has(n));

/** Guest source expressions for hostile argument values. */
const hostileArg: fc.Arbitrary<string> = fc.oneof(
  // Primitives of every type, including the awkward numbers.
  fc.constantFrom("undefined", "null", "true", "false", "0", "-0", "NaN", "Infinity", "-Infinity", "-1", "2 ** 53", "-(2 ** 31)", "1.5", "4294967296", "123n", "-1n", "Symbol('s')"),
  fc.double().map((d) => (Number.isNaN(d) ? "NaN" : Object.is(d, -0) ? "-0" : String(d))),
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }).map(String),
  fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: "binary", maxLength: 20 }).map((s) => JSON.stringify(s)),
  // Paths and path-like strings.
  fc.constantFrom('"/sandbox/f"', '"/"', '".."', '"/secret/key.txt"', '"relative/x"', '"/sandbox/f\\u0000x"', '"file:///etc/passwd"', '"/sandbox/" + "a/".repeat(3000)', '"a".repeat(5000)'),
  // Invalid encodings and JSON text.
  fc.constantFrom('"\\uD800"', '"\\uDC00x\\uD800"', '"\\u0000"', '"{"', '"[1,"', '"{\\"__proto__\\":{\\"x\\":1}}"', '"[".repeat(100000) + "]".repeat(100000)', '"{\\"a\\":" .repeat(20000) + "1" + "}".repeat(20000)', '"\\"" + "x".repeat(1000) + "\\""'),
  // Huge strings.
  fc.constantFrom('"x".repeat(1 << 20)', '"y".repeat(9 << 20)', '"\\u00e9".repeat(1 << 19)'),
  // Objects the host must not read: getters that throw, Proxies, cycles, depth.
  fc.constantFrom(
    "({})",
    "[]",
    "[1, 'a', null]",
    "({ get x() { throw new Error('getter'); }, toString() { throw new Error('toString'); }, valueOf() { throw new Error('valueOf'); } })",
    "({ [Symbol.toPrimitive]() { throw new Error('toPrimitive'); } })",
    "new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); }, has() { throw new Error('trap'); } })",
    "new Proxy(function () {}, { apply() { throw new Error('trap'); } })",
    "(() => { const o = {}; o.self = o; return o; })()",
    "(() => { let o = {}; for (let i = 0; i < 10000; i++) o = { o }; return o; })()",
    "(() => { const a = []; a.push(a); return a; })()",
    "(function f() {})",
    "new Error('e')",
    "new Date(NaN)",
    "/re/g",
    "new Map([[1, 2]])",
    "Object.create(null)",
    "new String('/sandbox/f')",
    "Object(1)",
  ),
  // Bytes of every kind, including ones the host must refuse or read safely.
  fc.constantFrom(
    "new ArrayBuffer(0)",
    "new ArrayBuffer(16)",
    "new Uint8Array([1, 2, 3])",
    "new Uint8Array(16).buffer",
    "new Int32Array(4)",
    "new Float64Array([NaN, -0])",
    "new BigInt64Array(2)",
    "new Uint8ClampedArray(3)",
    "new DataView(new ArrayBuffer(8))",
    "new SharedArrayBuffer(8)",
    "new Uint8Array(new SharedArrayBuffer(8))",
    "(() => { const b = new ArrayBuffer(8); b.transfer?.(); return b; })()",
    "new ArrayBuffer(8, { maxByteLength: 64 })",
    "new ArrayBuffer(1 << 22)",
    "new Uint8Array(64).subarray(3, 9)",
  ),
);

/** Guest code that calls every op with `args` and reports anything that is not Node-shaped. */
function program(args: string[], lastArgs: string[], ops: string[]): string {
  return `${RAW}
const violations = [];
let calls = 0;
const A = () => [${args.join(", ")}];
const shaped = (op, e) => {
  if (e instanceof Error && typeof e.code === "string") return;
  // Compiling or running a user's file may throw what that code throws (a SyntaxError…).
  if ((op === "module.compileCjs" || op === "module.requireEsm") && e instanceof Error) return;
  violations.push(op + ": " + (e instanceof Error ? e.name + " " + e.message : typeof e + " " + String(e)).slice(0, 200));
};
(async () => {
  for (const op of ${JSON.stringify(ops)}) {
    let a;
    try { a = A(); } catch (e) { violations.push("building args: " + e); return; }
    calls++;
    try { rawCall(op, ...a); } catch (e) { shaped(op, e); }
    try { await rawCallAsync(op, ...A()); } catch (e) { shaped(op, e); }
  }
})().then(() => {
  process.stdout.write(JSON.stringify({ calls, violations }) + "\\n");
  try { rawCall("process.exit", ${lastArgs.join(", ")}); } catch (e) { shaped("process.exit", e); }
}, (e) => process.stdout.write(JSON.stringify({ calls, violations: ["fatal: " + e] }) + "\\n"));
`;
}

const hostFailures: unknown[] = [];
const onHostError = (e: unknown) => hostFailures.push(e);

describe("bridge fuzzing", () => {
  beforeAll(() => {
    process.on("uncaughtException", onHostError);
    process.on("unhandledRejection", onHostError);
  });
  afterAll(() => {
    process.off("uncaughtException", onHostError);
    process.off("unhandledRejection", onHostError);
  });

  it(`calls every op (${NAMES.length + LAST.size}) with hostile arguments and always gets a result or a Node-shaped error (${RUNS} runs)`, async () => {
    const deny: Permissions = {};
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileArg, { maxLength: 5 }),
        fc.array(hostileArg, { maxLength: 2 }),
        fc.boolean(),
        async (args, lastArgs, allowed) => {
          const runtime = new NodeRuntime({
            memoryLimit: 128,
            cpuTimeLimitMs: 20_000,
            systemDriver: createNodeDriver({
              filesystem: createInMemoryFileSystem(),
              permissions: allowed ? allowAll : deny,
              processConfig: { cwd: "/sandbox" },
            }),
            resourceBudgets: { maxOutputBytes: 64 * 1024 },
          });
          try {
            const r = await runtime.exec(program(args, lastArgs, NAMES));
            const line = r.stdout.split("\n").find((l) => l.startsWith("{\"calls\""));
            if (!line) throw new Error(`no report (code ${r.code}): ${r.errorMessage ?? r.stderr.slice(0, 500)}`);
            const report = JSON.parse(line) as { calls: number; violations: string[] };
            expect(report.violations).toEqual([]);
            expect(report.calls).toBe(NAMES.length);
            // The run ends normally, or with the code process.exit was given.
            expect(r.code === ExitCode.INTERNAL_ERROR || r.code === ExitCode.CPU_TIME_LIMIT).toBe(false);
            // The runtime still works after whatever the ops did.
            expect((await runtime.exec("console.log('alive')")).stdout).toBe("alive\n");
          } finally {
            runtime.dispose();
          }
          expect(hostFailures).toEqual([]);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, Math.max(60_000, RUNS * 5_000));
});
