/**
 * Installs the peer sandboxes of bench/peers.mjs into bench/peers/node_modules, apart from
 * the library's own dependencies. Idempotent: when every pinned package is already there
 * at its pinned version and bench/peers/package.json and package-lock.json have not changed
 * since the last install (a stamp in node_modules records their hash), it does nothing.
 *
 * `npm install` installs what package-lock.json pins (not `npm ci`: the lock leaves out the
 * optional platform packages the registry here does not serve — @cbor-extract/* and the
 * non-linux-x64 @secure-exec/v8-* binaries — and `npm ci` calls that out of sync). npm 11 skips dependency install
 * scripts unless they are approved: package.json's "allowScripts" approves the three the
 * peers bring (better-sqlite3 and cbor-extract compile with node-gyp — their prebuilt
 * binaries would come from GitHub, which is out of reach here — and esbuild's postinstall
 * checks its platform binary). secure-exec runs without them (cbor-extract is an optional
 * accelerator, better-sqlite3 backs a filesystem the bench does not use), so a failed
 * native build is reported and the bench goes on.
 *
 * A failed install does not fail `npm run bench:peers`: the bench reports every peer it
 * cannot load as "n/a" with the reason, and measures the rest.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = dirname(fileURLToPath(import.meta.url));
const MODULES = join(DIR, "node_modules");
const STAMP = join(MODULES, ".quicksand-peers-stamp");

function manifestHash() {
  const h = createHash("sha256");
  for (const f of ["package.json", "package-lock.json"]) {
    const p = join(DIR, f);
    h.update(f).update(existsSync(p) ? readFileSync(p) : "");
  }
  return h.digest("hex");
}

/** Why the current node_modules does not match package.json, or undefined when it does. */
function staleReason() {
  const pkg = JSON.parse(readFileSync(join(DIR, "package.json"), "utf8"));
  for (const [name, version] of Object.entries(pkg.dependencies ?? {})) {
    const p = join(MODULES, name, "package.json");
    if (!existsSync(p)) return `${name} is not installed`;
    const have = JSON.parse(readFileSync(p, "utf8")).version;
    if (have !== version) return `${name} is ${have}, package.json pins ${version}`;
  }
  if (!existsSync(STAMP)) return "no install stamp";
  if (readFileSync(STAMP, "utf8").trim() !== manifestHash()) return "package.json or package-lock.json changed";
  return undefined;
}

function npm(args) {
  process.stderr.write(`bench/peers: npm ${args.join(" ")}\n`);
  const r = spawnSync("npm", args, { cwd: DIR, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false" } });
  return r.status === 0;
}

export function install({ force = false } = {}) {
  const reason = force ? "forced" : staleReason();
  if (!reason) {
    process.stderr.write("bench/peers: peers already installed (delete bench/peers/node_modules to reinstall)\n");
    return true;
  }
  process.stderr.write(`bench/peers: installing the peer sandboxes (${reason}); the native builds take about a minute\n`);
  const ok = npm(["install", "--no-audit", "--no-fund"]);
  if (!ok) {
    process.stderr.write("bench/peers: npm install failed; the bench will report the peers it cannot load as n/a\n");
    return false;
  }
  const natives = {
    "better-sqlite3": "build/Release/better_sqlite3.node",
    "cbor-extract": "build/Release/extract.node",
  };
  for (const [name, file] of Object.entries(natives)) {
    if (existsSync(join(MODULES, name)) && !existsSync(join(MODULES, name, file))) {
      process.stderr.write(`bench/peers: warning: ${name}'s native addon was not built (its install script did not run or failed); secure-exec falls back without it\n`);
    }
  }
  writeFileSync(STAMP, manifestHash() + "\n");
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  install({ force: process.argv.includes("--force") });
}
