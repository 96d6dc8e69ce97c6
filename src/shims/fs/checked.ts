/**
 * Checked paths: the one way a guest path becomes a path quicksand touches, for the fs
 * ops and for module loading alike. A path is checked on its name and, where its symbolic
 * links lead elsewhere, on the place they lead, so the permission callback decides on
 * where the bytes are, not only on the name used; the real path that was checked is the
 * path then used.
 *
 * Two forms of the same check:
 * - `fsOp` builds an op whose requests name every path it touches and where its links
 *   lead: the gate checks them before the body runs, and a refusal is EACCES.
 * - `checkedPath` checks inside a body, for an op that asks about many paths in one call
 *   (module resolution's probes): the same requests, asked through `permit`.
 */
import type { FsOp, VirtualFileSystem } from "../../driver/types.js";
import type { Decoder } from "../../runtime/bridge/decoders.js";
import { defineOp, type Granted, type Op, type OpContext, type PermissionRequest } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import { resolveGuestPath } from "../_host/paths.js";
import { linkAware, permit, resolveLinks, syncCapable } from "./bodies.js";
import { runAsync, runSync, type Io } from "./io.js";

type DecodedArgs<D extends readonly Decoder<unknown>[]> = { [K in keyof D]: D[K] extends Decoder<infer T> ? T : never };

/** One guest path an op touches: what it does there, and whether it follows a link at the end. */
export interface PathUse {
  ops: FsOp[];
  path: string;
  follow: boolean;
}

export function use(ops: FsOp | FsOp[], path: string, follow: boolean): PathUse {
  return { ops: Array.isArray(ops) ? ops : [ops], path, follow };
}

/** The one place a guest path becomes a checked path: resolved against the guest cwd. */
export function at(cx: OpContext, path: string): string {
  return resolveGuestPath(cx.exec.cwd, path);
}

export function req(op: FsOp, path: string): PermissionRequest {
  return { kind: "fs", request: { op, path } };
}

/** The requests for a use's name. */
function nameRequests(u: PathUse): PermissionRequest[] {
  return u.ops.map((op) => req(op, u.path));
}

/** The requests for the place a use's links lead, when that is not the name itself. */
function targetRequests(u: PathUse, real: string): PermissionRequest[] {
  return real === u.path ? [] : u.ops.map((op) => req(op, real));
}

/** Where a use leads with its links resolved (the name itself on a filesystem without links). */
function* linksOf(fs: VirtualFileSystem, u: PathUse): Io<string> {
  return linkAware(fs) ? yield* resolveLinks(fs, u.path, u.follow) : u.path;
}

// ---------------------------------------------------------------------------
// Ops checked by the gate
// ---------------------------------------------------------------------------

export interface FsOpSpec<D extends readonly Decoder<unknown>[], R> {
  name: string;
  args: D;
  syscall: string;
  /** The paths this op touches (normalized absolute guest paths; see `at`). */
  paths?: (args: DecodedArgs<D>, cx: OpContext) => PathUse[];
  /** Does the work on `real` (each used path with its links resolved, as granted). */
  body: (cx: OpContext, args: DecodedArgs<D>, real: string[], asked: string[]) => Io<R>;
  /** The result is quicksand's own code or a module source (see OpSpec.ownCodeResult). */
  ownCodeResult?: boolean;
}

/**
 * What the permission phase learned for one call: each used path and where its links
 * lead (when the backend could tell synchronously). Keyed by the decoded-arguments array,
 * which the bridge hands to both the permission builder and the implementation.
 */
const resolutions = new WeakMap<object, { uses: PathUse[]; real: (string | undefined)[] }>();

/**
 * Where `path` really is, links resolved, if the filesystem can say synchronously; undefined
 * when it cannot (an async-only backend: the body resolves and checks then).
 */
function realNow(fs: VirtualFileSystem, u: PathUse): string | undefined {
  if (!linkAware(fs) || !syncCapable(fs)) return linkAware(fs) ? undefined : u.path;
  try {
    return runSync(resolveLinks(fs, u.path, u.follow));
  } catch {
    return u.path; // ELOOP and the like: the operation itself fails the same way
  }
}

/**
 * An op whose permission requests name every path it touches and, where a symbolic link
 * leads elsewhere, the place it leads too. Its sync and async forms run the same body;
 * over a backend with synchronous methods the body runs synchronously either way, so the
 * check of a link's target and the use of that target happen with no other guest
 * operation between.
 */
export function fsOp<const D extends readonly Decoder<unknown>[], R>(spec: FsOpSpec<D, R>): Op {
  const permission = (args: DecodedArgs<D>, cx: OpContext): PermissionRequest[] => {
    const uses = spec.paths?.(args, cx) ?? [];
    const fs = cx.driver.filesystem;
    const real = uses.map((u) => realNow(fs, u));
    resolutions.set(args as unknown as object, { uses, real });
    return uses.flatMap((u, i) => [...nameRequests(u), ...(real[i] === undefined ? [] : targetRequests(u, real[i]!))]);
  };
  /**
   * `recheck`: resolve the links again before use. A synchronous call runs permission,
   * gate and body with nothing in between, so what was checked is what is there; an
   * asynchronous call awaited the gate, and another guest call may have run meanwhile.
   */
  const run = function* (cx: OpContext, args: DecodedArgs<D>, granted: Granted, recheck: boolean): Io<R> {
    const known = resolutions.get(args as unknown as object);
    const uses = known?.uses ?? [];
    const fs = cx.driver.filesystem;
    const allowed = new Set(granted.requests.map((r) => (r.kind === "fs" ? r.request.path : "")));
    const real: string[] = [];
    for (let i = 0; i < uses.length; i++) {
      const u = uses[i]!;
      const checked = known!.real[i];
      if (checked !== undefined && !recheck) {
        real.push(checked);
        continue;
      }
      // Resolve again, now, in the same synchronous run as the operation itself.
      const now = yield* linksOf(fs, u);
      if (checked !== undefined) {
        if (now !== checked || !allowed.has(now)) throw linkDenied(spec.syscall, u.path, "changed while its permission was checked");
      } else {
        // An async-only backend: its links are checked here, with the callback awaited.
        for (const r of targetRequests(u, now)) {
          yield* permit(cx, r, (reason) => linkDenied(spec.syscall, u.path, "leads through a symbolic link to a path that is not allowed", reason));
        }
      }
      real.push(now);
    }
    return yield* respelled(spec.body(cx, args, real, uses.map((u) => u.path)), uses, real);
  };
  return defineOp({
    name: spec.name,
    args: spec.args,
    syscall: spec.syscall,
    ...(spec.ownCodeResult ? { ownCodeResult: true } : {}),
    ...(spec.paths ? { permission } : {}),
    sync: (cx, args, granted) => runSync(run(cx, args, granted, false)),
    async: async (cx, args, granted) => (syncCapable(cx.driver.filesystem) ? runSync(run(cx, args, granted, true)) : runAsync(run(cx, args, granted, true))),
  });
}

// ---------------------------------------------------------------------------
// Paths checked inside a body
// ---------------------------------------------------------------------------

/**
 * Checks one use from inside a body and returns its real path: the requests `fsOp` would
 * make for it (the name, and where its links lead when that is elsewhere), each asked
 * with `permit`; a refusal is EACCES with the callback's reason. `recheck`: the checks
 * may have waited for a callback, so the links are resolved once more and must still
 * lead where they did (a body run with `runSyncAwaitingChecks` over a backend with
 * synchronous methods then uses the path with nothing in between).
 */
export function* checkedPath(cx: OpContext, syscall: string, u: PathUse, recheck: boolean): Io<string> {
  const fs = cx.driver.filesystem;
  const real = yield* linksOf(fs, u);
  for (const r of nameRequests(u)) yield* permit(cx, r, (reason) => nameDenied(syscall, u.path, reason));
  for (const r of targetRequests(u, real)) {
    yield* permit(cx, r, (reason) => linkDenied(syscall, u.path, "leads through a symbolic link to a path that is not allowed", reason));
  }
  if (recheck && (yield* linksOf(fs, u)) !== real) throw linkDenied(syscall, u.path, "changed while its permission was checked");
  return real;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

function nameDenied(syscall: string, path: string, reason?: string): OpError {
  const e = OpError.system("EACCES", "permission denied", syscall, path);
  return reason ? new OpError({ ...e.record, message: `${e.record.message} (${reason})` }) : e;
}

function linkDenied(syscall: string, path: string, why: string, reason?: string): OpError {
  const e = OpError.system("EACCES", "permission denied", syscall, path);
  return new OpError({ ...e.record, message: `${e.record.message} (it ${why}${reason ? `: ${reason}` : ""})` });
}

/** Errors name the path the guest used, not where its links led. */
function* respelled<R>(io: Io<R>, uses: PathUse[], real: string[]): Io<R> {
  try {
    return yield* io;
  } catch (error) {
    if (!(error instanceof OpError)) throw error;
    const r = { ...error.record };
    uses.forEach((u, i) => {
      const to = real[i]!;
      if (to === u.path) return;
      if (r.path === to) {
        r.message = r.message.replace(`'${to}'`, `'${u.path}'`);
        r.path = u.path;
      }
      if (r.dest === to) {
        r.message = r.message.replace(`'${to}'`, `'${u.path}'`);
        r.dest = u.path;
      }
    });
    throw new OpError(r);
  }
}
