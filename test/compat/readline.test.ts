/**
 * readline over process.stdin: the same script and the same stdin under host Node and
 * in the sandbox (stdin given to exec), stdout compared.
 */
import { describe, expect, it } from "vitest";
import { execOnce, hostNode } from "../helpers.js";

const cases: [string, string, string][] = [
  ["line and close events split \\n, \\r\\n and a last unterminated line", "a\nb\r\nc\rd", `const rl = require("readline").createInterface({ input: process.stdin }); const lines = []; rl.on("line", (l) => lines.push(l)); rl.on("close", () => console.log("close", JSON.stringify(lines), rl.closed))`],
  ["question answers come from the next lines", "Ada\n42\n", `const rl = require("readline").createInterface({ input: process.stdin, output: process.stdout }); rl.question("name? ", (name) => { rl.question("age? ", (age) => { console.log("|", name, age); rl.close() }) })`],
  ["for await over the interface", "one\ntwo\nthree\n", `(async () => { const rl = require("readline").createInterface({ input: process.stdin, crlfDelay: Infinity }); let n = 0; for await (const line of rl) console.log(++n, line); console.log("done") })()`],
  ["readline/promises question", "yes\n", `const rlp = require("readline/promises"); (async () => { const rl = rlp.createInterface({ input: process.stdin, output: process.stdout }); const a = await rl.question("ok? "); console.log("[" + a + "]"); rl.close() })()`],
  ["prompt, setPrompt and line events", "x\ny\n", `const rl = require("readline").createInterface({ input: process.stdin, output: process.stdout }); rl.setPrompt("$ "); console.log(rl.getPrompt()); rl.prompt(); rl.on("line", (l) => { console.log("got", l); rl.prompt() }).on("close", () => console.log("bye"))`],
  ["empty stdin closes at once; module shape", "", `const readline = require("readline"); console.log(Object.keys(readline).sort().join(), typeof require("readline/promises").createInterface); const rl = readline.createInterface({ input: process.stdin }); rl.on("line", () => console.log("never")); rl.on("close", () => console.log("closed"))`],
];

describe("readline: sandbox prints what host Node prints for the same stdin", () => {
  for (const [name, stdin, code] of cases) {
    it(name, async () => {
      const host = hostNode(code, { input: stdin });
      expect(host.stderr, "host Node failed").toBe("");
      const sandbox = await execOnce(code, {}, { stdin });
      expect(sandbox.stdout).toBe(host.stdout);
      expect(sandbox.code).toBe(host.code);
    });
  }
});
