/**
 * child_process over the shipped executor (createNodeCommandExecutor): real host
 * commands (ls, cat, sh -c, node -e), stdio round trips, exit codes and signals,
 * callbacks and promisify, and the synchronous forms.
 */
import { spawn as hostSpawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { allowAll, createNodeCommandExecutor, createNodeDriver } from "../../../src/index.js";
import type { CommandExecutor } from "../../../src/index.js";
import { run, sandbox } from "./_helpers.js";

describe("spawn over the shipped executor", () => {
  it("runs ls and streams its stdout, then 'exit' and 'close' with code 0", async () => {
    const r = await run(`
      const { spawn } = require("child_process");
      const c = spawn("ls", ["-1", "/"]);
      let out = "";
      c.stdout.setEncoding("utf8");
      c.stdout.on("data", (d) => out += d);
      c.on("spawn", () => console.log("spawn"));
      c.on("exit", (code, sig) => console.log("exit", code, sig));
      c.on("close", (code, sig) => console.log("close", code, sig, out.split("\\n").includes("usr"), typeof c.pid));
    `);
    expect(r.stdout).toBe("spawn\nexit 0 null\nclose 0 null true number\n");
    expect(r.code).toBe(0);
  });

  it("round-trips stdin through cat", async () => {
    const r = await run(`
      const c = require("child_process").spawn("cat");
      const got = [];
      c.stdout.on("data", (d) => got.push(d));
      c.on("close", (code) => console.log(code, JSON.stringify(Buffer.concat(got).toString())));
      c.stdin.write("héllo ");
      c.stdin.write(Buffer.from([0xe2, 0x82, 0xac]));
      c.stdin.end("\\nbye");
    `);
    expect(r.stdout).toBe('0 "héllo €\\nbye"\n');
  });

  it("pipes a Readable into a child's stdin and the child's stdout into a Writable", async () => {
    const r = await run(`
      const { Readable, Writable, pipeline } = require("stream");
      const c = require("child_process").spawn("sh", ["-c", "tr a-z A-Z"]);
      let out = "";
      pipeline(Readable.from(["abc", "def"]), c.stdin, (e) => console.log("in", e));
      c.stdout.pipe(new Writable({ write(ch, enc, cb) { out += ch; cb(); } })).on("finish", () => console.log(out));
    `);
    expect(r.stdout).toBe("in undefined\nABCDEF\n");
  });

  it("reports exit codes and stderr from sh -c", async () => {
    const r = await run(`
      const c = require("child_process").spawn("sh", ["-c", "echo oops >&2; exit 3"]);
      c.stderr.on("data", (d) => process.stdout.write("stderr: " + d));
      c.on("exit", (code, signal) => console.log("exit", code, signal, c.exitCode, c.signalCode));
    `);
    expect(r.stdout).toBe("stderr: oops\nexit 3 null 3 null\n");
  });

  it("runs node -e with an explicit environment", async () => {
    const r = await run(
      `
      const c = require("child_process").spawn("node", ["-e", "console.log(process.env.GREETING, process.argv.length)"], { env: { GREETING: "hi", PATH: "/usr/bin:/bin" } });
      c.stdout.on("data", (d) => process.stdout.write(d));
      c.on("close", (code) => console.log("code", code));
    `,
    );
    expect(r.stdout).toBe("hi 1\ncode 0\n");
  });

  it("kill() ends a child with SIGTERM: code null, signal set, killed true", async () => {
    const r = await run(`
      const c = require("child_process").spawn("sleep", ["30"]);
      c.on("exit", (code, sig) => console.log("exit", code, sig, c.killed, c.signalCode));
      setTimeout(() => console.log("kill", c.kill()), 20);
    `);
    expect(r.stdout).toBe("kill true\nexit null SIGTERM true SIGTERM\n");
  });

  it("kill('SIGKILL') and an unknown signal name", async () => {
    const r = await run(`
      const c = require("child_process").spawn("sleep", ["30"]);
      try { c.kill("SIGNOPE") } catch (e) { console.log(e.name, e.code, e.message) }
      c.on("exit", (code, sig) => console.log("exit", code, sig, c.kill()));
      c.kill("SIGKILL");
    `);
    expect(r.stdout).toBe("TypeError ERR_UNKNOWN_SIGNAL Unknown signal: SIGNOPE\nexit null SIGKILL false\n");
  });

  it("a missing command emits Node's ENOENT 'error' and then 'close' with -2", async () => {
    const r = await run(`
      const c = require("child_process").spawn("no-such-command-xyz", ["a"]);
      c.on("error", (e) => console.log("error", e.message, e.code, e.errno, e.syscall, e.path, e.spawnargs));
      c.on("exit", () => console.log("exit?"));
      c.on("close", (code, sig) => console.log("close", code, sig));
    `);
    expect(r.stdout).toBe("error spawn no-such-command-xyz ENOENT ENOENT -2 spawn no-such-command-xyz no-such-command-xyz [ 'a' ]\nclose -2 null\n");
  });

  it("shell: true runs the line through /bin/sh", async () => {
    const r = await run(`
      const c = require("child_process").spawn("echo $((6 * 7)) | cat", { shell: true });
      c.stdout.on("data", (d) => process.stdout.write(d));
    `);
    expect(r.stdout).toBe("42\n");
  });

  it("stdio 'inherit' writes the child's output to the sandbox's stdout; 'ignore' drops it", async () => {
    const r = await run(`
      const cp = require("child_process");
      const a = cp.spawn("echo", ["inherited"], { stdio: "inherit" });
      a.on("close", () => {
        const b = cp.spawn("echo", ["ignored"], { stdio: ["pipe", "ignore", "inherit"] });
        b.on("close", (code) => console.log("done", code, a.stdout, b.stdout));
      });
    `);
    expect(r.stdout).toBe("inherited\ndone 0 null null\n");
  });

  it("the timeout option kills the child", async () => {
    const r = await run(`
      const c = require("child_process").spawn("sleep", ["30"], { timeout: 30 });
      c.on("exit", (code, sig) => console.log(code, sig));
    `);
    expect(r.stdout).toBe("null SIGTERM\n");
  });

  it("an AbortSignal kills the child and emits an AbortError", async () => {
    const r = await run(`
      const ac = new AbortController();
      const c = require("child_process").spawn("sleep", ["30"], { signal: ac.signal });
      c.on("error", (e) => console.log(e.name, e.code));
      c.on("exit", (code, sig) => console.log(code, sig));
      setTimeout(() => ac.abort(), 10);
    `);
    expect(r.stdout).toBe("AbortError ABORT_ERR\nnull SIGTERM\n");
  });

  it("fork and stream/web are honest not-supported errors", async () => {
    const r = await run(`try { require("child_process").fork("x.js") } catch (e) { console.log(e.code, e.message) } try { require("stream/web") } catch (e) { console.log(e.code) }`);
    expect(r.stdout).toBe("ERR_SANDBOX_NOT_SUPPORTED child_process.fork() is not supported in the quicksand sandbox\nERR_SANDBOX_NOT_SUPPORTED\n");
  });
});

describe("exec and execFile", () => {
  it("exec collects stdout and stderr and calls back with null on success", async () => {
    const r = await run(`
      require("child_process").exec("echo out; echo err >&2", (err, stdout, stderr) => console.log(err, JSON.stringify(stdout), JSON.stringify(stderr)));
    `);
    expect(r.stdout).toBe('null "out\\n" "err\\n"\n');
  });

  it("exec of a failing command calls back with Node's error", async () => {
    const r = await run(`
      require("child_process").exec("exit 3", (err, stdout, stderr) => console.log(JSON.stringify(err.message), err.code, err.killed, err.signal, err.cmd));
    `);
    expect(r.stdout).toBe('"Command failed: exit 3\\n" 3 false null exit 3\n');
  });

  it("util.promisify(exec) resolves { stdout, stderr } and rejects with them attached", async () => {
    const r = await run(`
      const exec = require("util").promisify(require("child_process").exec);
      (async () => {
        const ok = await exec("printf hi");
        console.log(ok);
        try { await exec("printf no; exit 2") } catch (e) { console.log(e.code, JSON.stringify(e.stdout)) }
      })();
    `);
    expect(r.stdout).toBe("{ stdout: 'hi', stderr: '' }\n2 \"no\"\n");
  });

  it("execFile with args, encoding 'buffer' and promisify", async () => {
    const r = await run(`
      const cp = require("child_process");
      cp.execFile("sh", ["-c", "printf '%s' \\"$1\\"", "sh", "a b"], { encoding: "buffer" }, (err, out) => {
        console.log(err, Buffer.isBuffer(out), out.toString());
        require("util").promisify(cp.execFile)("echo", ["x"]).then((v) => console.log(v));
      });
    `);
    expect(r.stdout).toBe("null true a b\n{ stdout: 'x\\n', stderr: '' }\n");
  });

  it("maxBuffer cuts the output and kills the child", async () => {
    const r = await run(`
      require("child_process").exec("yes", { maxBuffer: 1000 }, (err, stdout) => console.log(err.code, err.name, stdout.length));
    `);
    expect(r.stdout).toBe("ERR_CHILD_PROCESS_STDIO_MAXBUFFER RangeError 1000\n");
  });

  it("the exec timeout kills and reports killed/signal", async () => {
    const r = await run(`
      require("child_process").exec("sleep 30", { timeout: 30 }, (err) => console.log(err.killed, err.signal, err.code));
    `);
    expect(r.stdout).toBe("true SIGTERM null\n");
  });
});

describe("synchronous forms over the shipped executor's spawnSync", () => {
  it("execSync returns stdout and throws Node's error on failure", async () => {
    const r = await run(`
      const { execSync } = require("child_process");
      console.log(JSON.stringify(execSync("echo $((1 + 2))").toString()), JSON.stringify(execSync("printf x", { encoding: "utf8" })));
      try { execSync("echo out; echo err >&2; exit 2", { stdio: "pipe" }) } catch (e) { console.log(JSON.stringify(e.message), e.status, e.signal, String(e.stdout), Object.keys(e).join()) }
    `);
    expect(r.stdout).toBe('"3\\n" "x"\n"Command failed: echo out; echo err >&2; exit 2\\nerr\\n" 2 null out\n status,signal,output,pid,stdout,stderr\n');
  });

  it("execSync passes input and, by default, the child's stderr to the sandbox's stderr", async () => {
    const r = await run(`
      const out = require("child_process").execSync("cat; echo warn >&2", { input: "fed in" });
      console.log(out.toString());
    `);
    expect(r.stdout).toBe("fed in\n");
    expect(r.stderr).toBe("warn\n");
  });

  it("execFileSync and spawnSync results", async () => {
    const r = await run(`
      const cp = require("child_process");
      console.log(cp.execFileSync("node", ["-e", "process.stdout.write('n' + 1)"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } }));
      const s = cp.spawnSync("sh", ["-c", "echo a; exit 4"], { encoding: "utf8" });
      console.log(s.status, s.signal, JSON.stringify(s.stdout), s.output.length, s.error);
      const m = cp.spawnSync("no-such-command-xyz");
      console.log(m.error.code, m.error.syscall, m.status);
      const k = cp.spawnSync("sleep", ["5"], { timeout: 50 });
      console.log(k.status, k.signal, k.error && k.error.code);
    `);
    expect(r.stdout).toBe('n1\n4 null "a\\n" 3 undefined\nENOENT spawnSync no-such-command-xyz null\nnull SIGTERM ETIMEDOUT\n');
  });
});

describe("the environment children get", () => {
  it("does not inherit the host's environment", async () => {
    process.env.QUICKSAND_HOST_SECRET = "leak";
    try {
      const r = await run(`require("child_process").exec("echo [$QUICKSAND_HOST_SECRET]", (e, out) => console.log(out.trim()))`);
      expect(r.stdout).toBe("[]\n");
    } finally {
      delete process.env.QUICKSAND_HOST_SECRET;
    }
  });

  it("gets the guest's variables only as far as the env permission lets the guest read them", async () => {
    const code = `require("child_process").exec("echo [$A] [$B]", (e, out) => console.log(out.trim()))`;
    const base = { commandExecutor: createNodeCommandExecutor(), processConfig: { env: { A: "1", B: "2" } } };
    const only = await run(code, { systemDriver: createNodeDriver({ ...base, permissions: { childProcess: () => true, env: (r) => r.key === "A" } }) });
    expect(only.stdout).toBe("[1] []\n");
    const all = await run(code, { systemDriver: createNodeDriver({ ...base, permissions: allowAll }) });
    expect(all.stdout).toBe("[1] [2]\n");
  });

  it("createNodeCommandExecutor's env is the base the guest's variables are laid over", async () => {
    const r = await run(`require("child_process").exec("echo $BASE $OVER", { env: { OVER: "guest" } }, (e, out) => console.log(out.trim()))`, sandbox(createNodeCommandExecutor({ env: { BASE: "host", OVER: "host" } })));
    expect(r.stdout).toBe("host guest\n");
  });

  it("rejects bad executor options with a TypeError", () => {
    expect(() => createNodeCommandExecutor({ env: { A: 1 as unknown as string } })).toThrow(TypeError);
    expect(() => createNodeCommandExecutor({ timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});

describe("a custom executor (the seed's example)", () => {
  const seedExecutor: CommandExecutor = {
    spawn(command, args, options) {
      const proc = hostSpawn(command, args, { cwd: options.cwd, env: options.env });
      proc.stdout?.on("data", (chunk) => options.onStdout?.(chunk));
      proc.stderr?.on("data", (chunk) => options.onStderr?.(chunk));
      return {
        writeStdin: (data) => proc.stdin?.write(data),
        closeStdin: () => proc.stdin?.end(),
        kill: (signal) => proc.kill(signal),
        wait: () => new Promise((resolve) => proc.on("close", (code) => resolve(code ?? 1))),
      };
    },
  };

  it("spawns node -e and cat through it", async () => {
    const r = await run(
      `
      const { spawn, exec } = require("child_process");
      const c = spawn("node", ["-e", "console.log('hello from a child')"], { env: { PATH: "/usr/bin:/bin" } });
      c.stdout.on("data", (d) => process.stdout.write("child says: " + d));
      c.on("close", (code) => {
        console.log("child exited", code);
        const k = spawn("cat", [], { env: {} });
        k.stdout.on("data", (d) => console.log("cat:", String(d)));
        k.stdin.end("round trip");
      });
    `,
      sandbox(seedExecutor),
    );
    expect(r.stdout).toBe("child says: hello from a child\nchild exited 0\ncat: round trip\n");
  });

  it("the sync forms fail clearly over an async-only executor", async () => {
    const r = await run(`try { require("child_process").execSync("echo hi") } catch (e) { console.log(e.code, e.message) }`, sandbox(seedExecutor));
    expect(r.stdout).toBe(
      "ERR_SANDBOX_SYNC_UNAVAILABLE child_process sync APIs need a commandExecutor with spawnSync; the configured one is async-only. Use spawn/exec/execFile, or run the sandbox in worker mode\n",
    );
  });
});
