/**
 * The async form of `child.spawnSync` (what worker mode serves execSync & co. with, on
 * the host's own thread): a real command run through the executor's async `spawn` only,
 * with spawnSync's rules — input then EOF, output bounded by maxBuffer (ENOBUFS past it),
 * timeout (ETIMEDOUT), the child killed when the exec ends — and the sync form's result.
 * Also the spawn permission builder's env filtering with an async env callback.
 */
import { describe, expect, it } from "vitest";
import { createNodeCommandExecutor } from "../../../src/driver/command-executor.js";
import type { ChildProcessAccessRequest, CommandExecutor, EnvAccessRequest, Permissions } from "../../../src/driver/types.js";
import { allowAll, createNodeDriver } from "../../../src/index.js";
import type { PermissionRequest } from "../../../src/runtime/bridge/op.js";
import { harness, later, op, outcome } from "../_ops.js";

/** The shipped executor with its spawnSync hidden: only the async `spawn` remains. */
function asyncOnly(inner: CommandExecutor = createNodeCommandExecutor()): CommandExecutor & { spawned: number } {
  const e = {
    spawned: 0,
    spawn: (...args: Parameters<CommandExecutor["spawn"]>) => {
      e.spawned++;
      return inner.spawn(...args);
    },
  };
  return e;
}

const asyncSide = (executor: CommandExecutor = asyncOnly(), permissions: Permissions = allowAll) =>
  harness(createNodeDriver({ commandExecutor: executor, permissions }));
const syncSide = () => harness(createNodeDriver({ commandExecutor: createNodeCommandExecutor(), permissions: allowAll }));

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);
const sh = (script: string, options: Record<string, unknown> = {}, input?: string) =>
  ["/bin/sh", ["-c", script], options, input === undefined ? undefined : bytes(input)] as const;

interface Reply {
  status: number | null;
  signal: string | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  error?: { code: string; errno: number };
}

describe("child.spawnSync, async form", () => {
  it("runs `sh -c \"echo hi; cat\"` with input, then EOF, exactly as the sync form does", async () => {
    const executor = asyncOnly();
    const a = (await asyncSide(executor).async("child.spawnSync", ...sh("echo hi; cat", {}, "there\n"))) as Reply;
    expect(executor.spawned).toBe(1);
    expect({ ...a, stdout: text(a.stdout), stderr: text(a.stderr) }).toEqual({ status: 0, signal: null, stdout: "hi\nthere\n", stderr: "" });
    expect(a).toEqual(syncSide().sync("child.spawnSync", ...sh("echo hi; cat", {}, "there\n")));
  });

  it("closes stdin when there is no input, and reports stderr and the exit code", async () => {
    const script = "cat; echo oops >&2; exit 3";
    const a = (await asyncSide().async("child.spawnSync", ...sh(script))) as Reply;
    expect({ status: a.status, stderr: text(a.stderr), stdout: text(a.stdout) }).toEqual({ status: 3, stderr: "oops\n", stdout: "" });
    expect(a).toEqual(syncSide().sync("child.spawnSync", ...sh(script)));
  });

  it("kills the child at timeoutMs with SIGTERM and reports ETIMEDOUT", async () => {
    const started = Date.now();
    const a = (await asyncSide().async("child.spawnSync", ...sh("echo started; sleep 5", { timeoutMs: 200 }))) as Reply;
    expect(Date.now() - started).toBeLessThan(3000);
    expect({ ...a, stdout: text(a.stdout), stderr: text(a.stderr) }).toEqual({
      status: null,
      signal: "SIGTERM",
      stdout: "started\n",
      stderr: "",
      error: { code: "ETIMEDOUT", errno: -110 },
    });
  });

  it("kills with the given killSignal, as the sync form does", async () => {
    const args = sh("exec sleep 5", { timeoutMs: 200, killSignal: "SIGKILL" });
    const a = await asyncSide().async("child.spawnSync", ...args);
    expect(a).toMatchObject({ status: null, signal: "SIGKILL", error: { code: "ETIMEDOUT" } });
    expect(a).toEqual(syncSide().sync("child.spawnSync", ...args));
  });

  it("kills the child past maxBuffer and reports ENOBUFS with the first maxBuffer bytes", async () => {
    const args = sh("exec yes", { maxBuffer: 1000 });
    const started = Date.now();
    const a = (await asyncSide().async("child.spawnSync", ...args)) as Reply;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(a).toMatchObject({ status: null, signal: "SIGTERM", error: { code: "ENOBUFS", errno: -105 } });
    expect(text(a.stdout)).toBe("y\n".repeat(500));
    expect(a).toEqual(syncSide().sync("child.spawnSync", ...args));
  });

  it("counts stdout and stderr together against maxBuffer, as Node does", async () => {
    const args = sh("printf %600s x; printf %600s y >&2", { maxBuffer: 1000 });
    const a = (await asyncSide().async("child.spawnSync", ...args)) as Reply;
    expect(a.error).toEqual({ code: "ENOBUFS", errno: -105 });
    expect(a.stdout.byteLength + a.stderr.byteLength).toBeLessThanOrEqual(1200);
  });

  it("reports a command that cannot start in `error`, like the sync form", async () => {
    const args = ["/nonexistent/command", [], {}, undefined] as const;
    const a = await asyncSide().async("child.spawnSync", ...args);
    expect(a).toEqual({ status: null, signal: null, stdout: new Uint8Array(0), stderr: new Uint8Array(0), error: { code: "ENOENT", errno: -2 } });
    expect(a).toEqual(syncSide().sync("child.spawnSync", ...args));
  });

  it("leaves the host's event loop free while the child runs", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      await asyncSide().async("child.spawnSync", ...sh("sleep 0.3"));
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(5);
  });

  it("kills the child when the exec ends", async () => {
    const h = asyncSide();
    const started = Date.now();
    const run = h.async("child.spawnSync", ...sh("exec sleep 5")) as Promise<Reply>;
    setTimeout(() => h.exec.end(), 100);
    expect(await run).toMatchObject({ status: null, signal: "SIGKILL" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("is what an async-only executor needs: its sync form fails, naming worker mode", async () => {
    expect(await outcome("child.spawnSync", () => asyncSide().sync("child.spawnSync", ...sh("true")))).toMatchObject({
      error: { code: "ERR_SANDBOX_SYNC_UNAVAILABLE", message: expect.stringContaining("worker mode") },
    });
  });
});

describe("the spawn permission builder's env filtering", () => {
  const ENV = { A: "1", SECRET: "hunter2", B: "2" };
  const envPolicy = (req: EnvAccessRequest) => req.key !== "SECRET";

  function withEnv(env: Permissions["env"], childProcess: Permissions["childProcess"] = () => true) {
    const h = harness(createNodeDriver({ commandExecutor: asyncOnly(), permissions: { env, childProcess } }), { env: ENV });
    const build = (mode: "sync" | "async", options: Record<string, unknown> = {}) =>
      op("child.spawnSync").permission!(["/bin/sh", ["-c", "true"], options, undefined], h.cx, mode);
    return { h, build };
  }
  const envOf = (requests: PermissionRequest[]) => (requests[0]!.request as ChildProcessAccessRequest).env;

  it("waits for an async env callback in async mode: the child gets the keys it allows", async () => {
    const { build } = withEnv(later(envPolicy));
    const requests = build("async");
    expect(requests).toBeInstanceOf(Promise);
    expect(envOf(await requests)).toEqual({ A: "1", B: "2" });
  });

  it("keeps the sync behaviour in sync mode: an async callback counts as a denial, a sync one filters", async () => {
    expect(envOf(withEnv(later(envPolicy)).build("sync") as PermissionRequest[])).toEqual({});
    expect(envOf(withEnv(envPolicy).build("sync") as PermissionRequest[])).toEqual({ A: "1", B: "2" });
  });

  it("asks no env callback when the guest names the child's env", async () => {
    let asked = 0;
    const { build } = withEnv(async () => (asked++, true));
    expect(envOf(await build("async", { env: { ONLY: "this" } }))).toEqual({ ONLY: "this" });
    expect(asked).toBe(0);
  });

  it("checks the command before asking any env callback", async () => {
    let asked = 0;
    const { h } = withEnv(async () => (asked++, true));
    await expect(h.async("child.spawnSync", "", [], {}, undefined)).rejects.toMatchObject({ record: { code: "ERR_INVALID_ARG_VALUE" } });
    expect(asked).toBe(0);
  });

  it("hands the childProcess callback and the child exactly the filtered env", async () => {
    const seen: Record<string, string>[] = [];
    const { h } = withEnv(later(envPolicy), (req) => (seen.push(req.env ?? {}), true));
    const r = (await h.async("child.spawnSync", ...sh('echo "$A$B$SECRET"'))) as Reply;
    expect(seen).toEqual([{ A: "1", B: "2" }]);
    expect(text(r.stdout)).toBe("12\n");
  });
});
