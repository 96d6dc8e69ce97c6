/**
 * Shared parts of the attack suite: a sandbox over an in-memory filesystem with a
 * permission policy that only allows /sandbox, a way for guest code to call the raw
 * bridge (every op, any arguments), and a scanner for host details in guest-visible text.
 */
import { cwd as hostCwd } from "node:process";
import { tmpdir, homedir } from "node:os";
import { expect } from "vitest";
import {
  createInMemoryFileSystem,
  createNodeDriver,
  NodeRuntime,
  type ExecOptions,
  type FsAccessRequest,
  type EnvAccessRequest,
  type NodeRuntimeOptions,
  type InMemoryFileSystem,
} from "../../src/index.js";

/** Guest paths the policy allows; everything else on the filesystem is off limits. */
export const ALLOWED_DIR = "/sandbox";
/** A file the guest must never read. */
export const SECRET_FILE = "/secret/key.txt";
export const SECRET = "TOP-SECRET-4f1c";

/** An in-memory filesystem with an allowed area and a secret outside it. */
export function makeFs(): InMemoryFileSystem {
  const fs = createInMemoryFileSystem();
  fs.mkdirSync!("/sandbox/sub", { recursive: true });
  fs.mkdirSync!("/secret", { recursive: true });
  fs.writeFileSync!(SECRET_FILE, SECRET);
  fs.writeFileSync!("/sandbox/ok.txt", "fine");
  // A symlink inside the allowed area that points at the secret.
  fs.symlinkSync!(SECRET_FILE, "/sandbox/link-to-secret");
  fs.symlinkSync!("/secret", "/sandbox/dir-link");
  return fs;
}

export interface Policy {
  fsRequests: FsAccessRequest[];
  envRequests: EnvAccessRequest[];
}

/** fs allowed under /sandbox only; env reads of PUBLIC_* only; nothing else. */
export function restrictedDriver(fs = makeFs(), policy: Policy = { fsRequests: [], envRequests: [] }) {
  return createNodeDriver({
    filesystem: fs,
    permissions: {
      fs: (req) => {
        policy.fsRequests.push(req);
        const ok = req.path === ALLOWED_DIR || req.path.startsWith(ALLOWED_DIR + "/");
        return ok ? { allow: true } : { allow: false, reason: "outside /sandbox" };
      },
      env: (req) => {
        policy.envRequests.push(req);
        return { allow: req.op === "read" && req.key.startsWith("PUBLIC_") };
      },
    },
    processConfig: { cwd: ALLOWED_DIR, env: { PUBLIC_NAME: "visible", SECRET_TOKEN: SECRET } },
  });
}

/** Runs one exec on a fresh runtime (restricted driver unless given) and disposes it. */
export async function attack(code: string, options: NodeRuntimeOptions = {}, exec: ExecOptions = {}) {
  const runtime = new NodeRuntime({ cpuTimeLimitMs: 5_000, systemDriver: restrictedDriver(), ...options });
  try {
    return await runtime.exec(code, exec);
  } finally {
    runtime.dispose();
  }
}

/** As attack(), as an ES module with run(). */
export async function attackModule(code: string, options: NodeRuntimeOptions = {}, filePath?: string) {
  const runtime = new NodeRuntime({ cpuTimeLimitMs: 5_000, systemDriver: restrictedDriver(), ...options });
  try {
    return await runtime.run(code, filePath ?? `${ALLOWED_DIR}/main.mjs`);
  } finally {
    runtime.dispose();
  }
}

/**
 * Guest prelude giving `rawCall(name, ...args)` / `rawCallAsync(name, ...args)`: the
 * bridge functions, reached through quicksand's own fs unit (any guest can do this, so
 * the host must and does treat every op argument as hostile).
 */
export const RAW = `
void process;
const __fc = globalThis[Symbol.for("quicksand.requireBuiltin")]("quicksand:internal/fs/common");
const rawCall = (name, ...args) => __fc.op(name, [], ...args);
const rawCallAsync = (name, ...args) => __fc.opAsync(name, [], ...args);
`;

/** Host details that must never appear in anything the guest can see. */
export function hostSecrets(): string[] {
  const out = new Set<string>([hostCwd(), tmpdir(), homedir(), "/work/", "/home/", "/root/.npm", "node_modules/quickjs", "node_modules/.pnpm", "node_modules/vitest", "/usr/lib/node", SECRET]);
  for (const [k, v] of Object.entries(process.env)) {
    // Long-ish host env values are distinctive; short ones ("1", "C") would match by chance.
    if (v && v.length >= 12 && !/^(\/usr|\/bin|\/sbin|\/)$/.test(v) && !/^PUBLIC_/.test(k)) out.add(v);
  }
  // The sandbox's own conventional paths may equal the host's (a host running as root
  // has home /root); those are the sandbox's, not leaks.
  for (const own of ["/", "/root", "/tmp", "/usr/local/bin/node"]) out.delete(own);
  return [...out].filter((s) => s.length > 1);
}

/** Asserts that `text` (guest output, an error message…) carries no host detail. */
export function expectNoHostDetail(text: string): void {
  for (const s of hostSecrets()) {
    if (text.includes(s)) expect.fail(`host detail ${JSON.stringify(s)} leaked into: ${text.slice(0, 400)}`);
  }
}
