/**
 * process.stdin is a Readable over the exec's `stdin` option; process.stdout/stderr take
 * writes and pipes. Compared with host Node fed the same input.
 */
import { describe, expect, it } from "vitest";
import { NodeRuntime } from "../../../src/index.js";
import { hostNode } from "../../helpers.js";

async function sandbox(code: string, stdin: string) {
  const rt = new NodeRuntime();
  try {
    return await rt.exec(code, { stdin });
  } finally {
    rt.dispose();
  }
}

const cases: [string, string, string][] = [
  ["reads stdin with 'data' and 'end'", `let s = ""; process.stdin.setEncoding("utf8"); process.stdin.on("data", (d) => s += d); process.stdin.on("end", () => console.log(JSON.stringify(s)))`, "line one\nline two €\n"],
  ["async-iterates stdin as Buffers", `(async () => { const parts = []; for await (const c of process.stdin) parts.push(c); const b = Buffer.concat(parts); console.log(Buffer.isBuffer(parts[0]), b.length, b.toString()) })()`, "abc"],
  ["empty stdin ends at once", `process.stdin.on("data", () => console.log("data?")); process.stdin.on("end", () => console.log("end", process.stdin.isTTY, process.stdin.fd))`, ""],
  ["pipes stdin through a Transform to stdout", `const { Transform } = require("stream"); process.stdin.pipe(new Transform({ transform(c, e, cb) { cb(null, c.toString().toUpperCase()) } })).pipe(process.stdout)`, "shout\n"],
  ["stream/promises pipeline into process.stdout", `const { pipeline } = require("stream/promises"); const { Readable } = require("stream"); pipeline(Readable.from(["a", "b\\n"]), process.stdout, { end: false }).then(() => console.log("done"))`, ""],
  ["stdout.write callbacks and end", `process.stdout.write("x", () => console.log("written")); process.stdout.write(Buffer.from("y\\n")); console.log(typeof process.stdout.on, process.stdout.writable)`, ""],
];

describe("process stdio: sandbox prints what host Node prints", () => {
  for (const [name, code, input] of cases) {
    it(name, async () => {
      const host = hostNode(code, { input });
      expect(host.stderr).toBe("");
      const r = await sandbox(code, input);
      expect(r.stdout).toBe(host.stdout);
      expect(r.code).toBe(host.code);
    });
  }
});
