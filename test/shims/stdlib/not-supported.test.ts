import { describe, expect, it } from "vitest";
import { execOnce } from "../../helpers.js";

describe("builtins the sandbox does not provide", () => {
  for (const name of ["worker_threads", "cluster", "inspector", "vm", "v8", "repl"]) {
    it(`require("${name}") fails with ERR_SANDBOX_NOT_SUPPORTED naming the module`, async () => {
      const r = await execOnce(`try { require("node:${name}") } catch (e) { console.log(e.code, e.message) }`);
      expect(r.stdout).toBe(`ERR_SANDBOX_NOT_SUPPORTED The built-in module '${name}' is not supported in the quicksand sandbox yet\n`);
    });
  }

  it("async_hooks.createHook and tty streams refuse clearly", async () => {
    const r = await execOnce(`try { require("async_hooks").createHook({}) } catch (e) { console.log(e.code, e.message) } try { new (require("tty").WriteStream)(1) } catch (e) { console.log(e.code) }`);
    expect(r.stdout).toBe("ERR_SANDBOX_NOT_SUPPORTED async_hooks.createHook() is not supported in the quicksand sandbox\nERR_SANDBOX_NOT_SUPPORTED\n");
  });

  it("documents the AsyncLocalStorage limit: the store is not carried across await", async () => {
    const r = await execOnce(`const { AsyncLocalStorage } = require("async_hooks"); const als = new AsyncLocalStorage(); als.run(1, async () => { console.log(als.getStore()); await null; console.log(als.getStore()) })`);
    expect(r.stdout).toBe("1\nundefined\n");
  });
});
