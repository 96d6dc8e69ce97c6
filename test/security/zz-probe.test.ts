import { it } from "vitest";
import { readFileSync } from "node:fs";
import { execOnce, runOnce } from "../helpers.js";
import { createNodeDriver, createInMemoryFileSystem, allowAll, createQuickJSRuntimeDriverFactory } from "../../src/index.js";
it("probe", async () => {
  const code = readFileSync("/tmp/sec/code.js", "utf8");
  const fs = createInMemoryFileSystem();
  const opts: any = process.env.ALLOW ? { systemDriver: createNodeDriver({ filesystem: fs, permissions: allowAll }) } : {}; opts.cpuTimeLimitMs = 1000;
  if (process.env.BELLARD) opts.runtimeDriverFactory = createQuickJSRuntimeDriverFactory({ variant: "quickjs" });
  const t = Date.now();
  const r = process.env.RUN ? await runOnce(code, opts) : await execOnce(code, opts, {});
  console.log(JSON.stringify(r, null, 1), Date.now() - t, "ms");
}, 60000);
