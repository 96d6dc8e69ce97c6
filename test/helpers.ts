/**
 * Shared test helpers: run code in a real sandbox, and run the same code under host Node
 * to compare (differential tests).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeRuntime } from "../src/index.js";
import type { ExecOptions, NodeRuntimeOptions } from "../src/index.js";

/** Runs `code` in a fresh runtime and disposes it. */
export async function execOnce(code: string, options: NodeRuntimeOptions = {}, execOptions: ExecOptions = {}) {
  const runtime = new NodeRuntime(options);
  try {
    return await runtime.exec(code, execOptions);
  } finally {
    runtime.dispose();
  }
}

/** Runs `code` as an ES module in a fresh runtime and disposes it. */
export async function runOnce<T = unknown>(code: string, options: NodeRuntimeOptions = {}, filePath?: string) {
  const runtime = new NodeRuntime(options);
  try {
    return await runtime.run<T>(code, filePath);
  } finally {
    runtime.dispose();
  }
}

/**
 * Runs `code` as a CommonJS script under the host's own Node (a child process in a temp
 * dir, or in `cwd` when given; empty environment) and returns its stdout, for comparison
 * with the sandbox.
 */
export function hostNode(
  code: string,
  options: { env?: Record<string, string>; input?: string; ext?: string; cwd?: string } = {},
): { stdout: string; stderr: string; code: number } {
  const dir = mkdtempSync(join(tmpdir(), "quicksand-host-"));
  const file = join(dir, `index${options.ext ?? ".js"}`);
  writeFileSync(file, code);
  try {
    const stdout = execFileSync(process.execPath, [file], {
      // With `cwd`, the script runs there (its own file stays in a separate temp dir).
      cwd: options.cwd ?? dir,
      env: { ...options.env, TZ: "UTC" },
      input: options.input ?? "",
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      timeout: 20_000,
    });
    return { stdout, stderr: "", code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    return { stdout: err.stdout ?? "", stderr: err.stderr ?? "", code: err.status ?? 1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A filesystem with only the async methods of `inner` (no `*Sync`): what a remote or
 * database-backed VirtualFileSystem looks like.
 */
export function asyncOnlyFs<T extends object>(inner: T): T {
  const only: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(inner), ...Object.getOwnPropertyNames(Object.getPrototypeOf(inner))]);
  for (const key of keys) {
    const v = (inner as Record<string, unknown>)[key];
    if (typeof v === "function" && key !== "constructor" && !key.endsWith("Sync")) only[key] = (v as (...a: unknown[]) => unknown).bind(inner);
  }
  return only as T;
}
