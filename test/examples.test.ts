import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every example in examples/ runs as a user would run it (`node examples/x.mjs`, importing
 * the built package by name), so the README and the seed's examples cannot rot.
 */
const root = join(import.meta.dirname, "..");
function run(name: string): string {
  return execFileSync(process.execPath, [join(root, "examples", name)], { cwd: root, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
}

const expected: Record<string, (out: string) => void> = {
  "quickstart.mjs": (out) => {
    expect(out).toContain("[sandbox stdout] fib(25) = 75025\n");
    expect(out).toContain("[sandbox stdout] running on linux v22.12.0\n");
    expect(out).toContain("[sandbox stdout] HOME is not visible to the sandbox\n");
    expect(out).toContain("[sandbox stdout] timers work too\n");
    expect(out).toContain("exit code 0\n");
    expect(out).toContain("infinite loop: exit code 124 (CPU time limit of 100 ms exceeded)\n");
    expect(out).toContain("module exported 42\n");
  },
  "seed-basic-setup.mjs": (out) => expect(out).toBe("write: EACCES\nenv: {}\n"),
  "seed-configuring-capabilities.mjs": (out) => expect(out).toBe("/app undefined written by the sandbox\n"),
  "seed-function-permissions.mjs": (out) =>
    expect(out).toBe("tmp: fine\netc: EACCES: permission denied, open '/etc/passwd' (Only /tmp is writable)\nenv: NODE_ENV,PATH undefined\n"),
  "seed-allow-all.mjs": (out) => expect(out).toBe("spread ok undefined\nallowAll ok hello\n"),
  "seed-filesystem.mjs": (out) =>
    expect(out).toBe("a package from the host: function\nwrite into it: EACCES\nexit 0 host reads: key=value\n"),
  "seed-module-access.mjs": (out) => expect(out).toBe("memfs package visible: true\nwrite: EACCES\n"),
  "seed-child-processes.mjs": (out) => expect(out).toBe("rm: EACCES\nchild says: hello from a child\nchild exited 0\n"),
  "seed-process-os-config.mjs": (out) => expect(out).toBe("/app production sk-...\nlinux x64\n"),
  "bindings.mjs": (out) =>
    expect(out).toBe("Hello, ada! Hello, grace!\nhost error reached the guest: Error unknown query: DROP TABLE users\nfrozen: true\nsession value: [ 'Hello, grace!' ]\n"),
  "worker-mode.mjs": (out) => expect(out).toBe("hello, worker\nspin: exit code 124, host timer ticked meanwhile\n"),
};

describe("examples", () => {
  it("has an expectation for every example file", () => {
    expect(readdirSync(join(root, "examples")).filter((f) => f.endsWith(".mjs")).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [file, check] of Object.entries(expected)) {
    it(`runs examples/${file}`, () => check(run(file)));
  }
});
