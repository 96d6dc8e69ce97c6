// Scratch differential runner for the stdlib engineer (removed before hand-off).
import { it } from "vitest";
import { readFileSync } from "node:fs";
import { execOnce, hostNode } from "./helpers.js";
it("scratch", async () => {
  const cases = readFileSync("/tmp/qs/cases.js", "utf8").split("\n//----\n").filter((s) => s.trim());
  for (const code of cases) {
    const h = hostNode(code);
    const s = await execOnce(code);
    const ok = h.stdout === s.stdout && h.code === s.code;
    process.stdout.write(`${ok ? "OK  " : "FAIL"} ${code.slice(0, 100).replace(/\n/g, " ")}\n`);
    if (!ok) process.stdout.write(`--- host(${h.code}):\n${h.stdout}${h.stderr.slice(0, 1500)}\n--- sandbox(${s.code}):\n${s.stdout}${(s as any).stderr ?? ""}${s.errorMessage ?? ""}\n`);
  }
}, 600000);
