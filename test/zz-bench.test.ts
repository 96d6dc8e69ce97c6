import { it } from "vitest";
import { NodeRuntime } from "../src/index.js";
it("bench", async () => {
  const rt = new NodeRuntime({});
  for (const code of ["console.log(1)", "process.stdout.write('x')", "require('stream')", "require('events')"]) {
    for (let i = 0; i < 5; i++) await rt.exec(code);
    const t = performance.now();
    for (let i = 0; i < 30; i++) await rt.exec(code);
    console.log(code, ((performance.now() - t) / 30).toFixed(2), "ms");
  }
  rt.dispose();
});
