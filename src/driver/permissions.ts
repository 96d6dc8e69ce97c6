/**
 * Permission helpers, normalization of the `permissions` option, and the one function
 * every capability check goes through. Everything is deny-by-default.
 */
import { isObjectLike, typeName } from "./describe-value";
import type {
  FsAccessRequest,
  FsOp,
  PermissionDecision,
  PermissionHelper,
  PermissionKind,
  PermissionRequestMap,
  Permissions,
} from "./types";

const PERMISSION_KINDS: readonly PermissionKind[] = ["fs", "network", "childProcess", "env"];

const HELPER_NAMES: Readonly<Record<PermissionKind, string>> = {
  fs: "allowAllFs",
  network: "allowAllNetwork",
  childProcess: "allowAllChildProcess",
  env: "allowAllEnv",
};

const ALLOWED: PermissionDecision = Object.freeze({ allow: true });

function allowEveryRequest(): PermissionDecision {
  return ALLOWED;
}

/**
 * Allows every filesystem request. Spread it or pass it as the `fs` value.
 * @example createNodeDriver({ permissions: { ...allowAllFs } })
 * @example createNodeDriver({ permissions: { fs: allowAllFs } })
 */
export const allowAllFs: PermissionHelper<"fs"> = Object.freeze({ fs: allowEveryRequest });

/**
 * Allows every network request (fetch, http, dns, listen).
 * @example createNodeDriver({ permissions: { ...allowAllFs, ...allowAllNetwork } })
 */
export const allowAllNetwork: PermissionHelper<"network"> = Object.freeze({
  network: allowEveryRequest,
});

/**
 * Allows spawning any command through the configured CommandExecutor.
 * @example createNodeDriver({ commandExecutor, permissions: { childProcess: allowAllChildProcess } })
 */
export const allowAllChildProcess: PermissionHelper<"childProcess"> = Object.freeze({
  childProcess: allowEveryRequest,
});

/**
 * Allows reading and writing every environment variable of the sandbox's process.env.
 * @example createNodeDriver({ permissions: { ...allowAllEnv } })
 */
export const allowAllEnv: PermissionHelper<"env"> = Object.freeze({ env: allowEveryRequest });

/**
 * Allows everything: filesystem, network, child processes and env.
 * @example createNodeDriver({ permissions: allowAll })
 */
export const allowAll: Readonly<Required<Permissions>> = Object.freeze({
  fs: allowEveryRequest,
  network: allowEveryRequest,
  childProcess: allowEveryRequest,
  env: allowEveryRequest,
});

function isPermissionKind(key: string): key is PermissionKind {
  return (PERMISSION_KINDS as readonly string[]).includes(key);
}

/**
 * Validates the `permissions` option and returns a frozen object holding only callbacks.
 * Each kind may be a callback or a helper object holding it under its own key.
 * `undefined` gives an empty object, which denies everything.
 * @throws TypeError naming the offending key.
 * @example
 * const perms = normalizePermissions({ fs: allowAllFs, network: (req) => req.hostname === "a.example" });
 * typeof perms.fs; // "function"
 */
export function normalizePermissions(input: unknown): Readonly<Permissions> {
  if (input === undefined) return Object.freeze({});
  if (!isObjectLike(input)) {
    throw new TypeError(`permissions must be an object of permission callbacks, got ${typeName(input)}`);
  }
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!isPermissionKind(key)) {
      throw new TypeError(
        `permissions has an unknown key ${JSON.stringify(key)}; valid keys are ${PERMISSION_KINDS.join(", ")}`,
      );
    }
    const value = input[key];
    if (value === undefined) continue;
    const callback = isObjectLike(value) ? value[key] : value;
    if (typeof callback !== "function") {
      const got = isObjectLike(value) ? `object with no ${key} function` : typeName(value);
      throw new TypeError(
        `permissions.${key} must be a function or a permission helper such as ${HELPER_NAMES[key]}, got ${got}`,
      );
    }
    result[key] = callback;
  }
  return Object.freeze(result) as Readonly<Permissions>;
}

function deny(reason: string): PermissionDecision {
  return Object.freeze({ allow: false, reason });
}

function errorText(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return "an unprintable value";
  }
}

/** A deep frozen copy of a JSON-like request (plain objects, arrays, primitives). */
function frozenCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  if (isObjectLike(value)) {
    // fromEntries defines own properties, so a key such as "__proto__" stays plain data.
    return Object.freeze(
      Object.fromEntries(Object.keys(value).map((key) => [key, frozenCopy(value[key])])),
    );
  }
  return value;
}

function toDecision(kind: PermissionKind, result: unknown): PermissionDecision {
  try {
    return readDecision(kind, result);
  } catch (error) {
    // Only exotic values (a revoked Proxy, say) get here.
    return invalidDecision(kind, `inspecting it threw: ${errorText(error)}`);
  }
}

function invalidDecision(kind: PermissionKind, detail: string): PermissionDecision {
  return deny(
    `${kind} permission callback returned an invalid decision (expected a boolean or { allow: boolean, reason?: string }): ${detail}`,
  );
}

function readDecision(kind: PermissionKind, result: unknown): PermissionDecision {
  const invalid = (detail: string): PermissionDecision => invalidDecision(kind, detail);
  if (typeof result === "boolean") return result ? ALLOWED : Object.freeze({ allow: false });
  if (!isObjectLike(result)) return invalid(`got ${typeName(result)}`);
  const allow = result.allow;
  const reason = result.reason;
  if (typeof allow !== "boolean") return invalid(`allow is ${typeName(allow)}`);
  if (reason !== undefined && typeof reason !== "string") return invalid(`reason is ${typeName(reason)}`);
  return Object.freeze(reason === undefined ? { allow } : { allow, reason });
}

/** Where the read-only module overlay (ModuleAccessFileSystem) appears inside the sandbox. */
export const MODULE_OVERLAY_PATH = "/root/node_modules";

/** The fs operations that only look: what the default policy allows in the module overlay. */
const READ_ONLY_FS_OPS: ReadonlySet<FsOp> = new Set<FsOp>(["read", "stat", "readdir", "exists", "realpath", "access", "readlink"]);

/**
 * With no `fs` callback, the sandbox may still read the read-only module overlay, so
 * `require` of installed packages works by default (the specification's "Basic setup").
 * Paths reach here normalized (absolute, `.`/`..` resolved), so a prefix test is exact.
 */
function isModuleOverlayRead(request: FsAccessRequest): boolean {
  const path = request.path;
  const inOverlay = path === MODULE_OVERLAY_PATH || (typeof path === "string" && path.startsWith(`${MODULE_OVERLAY_PATH}/`));
  return inOverlay && READ_ONLY_FS_OPS.has(request.op) && !path.split("/").includes("..");
}

/**
 * Asks the callback for `kind` about `request` and returns a normalized, frozen decision.
 * Never throws: a missing callback (except for reads of the module overlay at
 * /root/node_modules, which a missing `fs` callback allows), a throwing callback, a rejected promise or an
 * invalid answer all deny, with a `reason` saying which. The callback receives a frozen
 * copy of the request. When the callback returns a promise (or any thenable), the result
 * is a `Promise<PermissionDecision>`, so synchronous callers can detect async callbacks
 * with `instanceof Promise`.
 * @example
 * const decision = checkPermission(driver.permissions, "fs", { op: "read", path: "/tmp/a" });
 * if (decision instanceof Promise) throw new Error("async permission callback in a sync op");
 * if (!decision.allow) throw eacces(decision.reason);
 */
export function checkPermission<K extends PermissionKind>(
  permissions: Readonly<Permissions>,
  kind: K,
  request: PermissionRequestMap[K],
): PermissionDecision | Promise<PermissionDecision> {
  let result: unknown;
  try {
    const callback: unknown = permissions[kind];
    if (typeof callback !== "function") {
      if (kind === "fs" && isModuleOverlayRead(request as FsAccessRequest)) return ALLOWED;
      return deny(`no ${kind} permission callback configured`);
    }
    result = callback.call(undefined, frozenCopy(request));
  } catch (error) {
    return deny(`${kind} permission callback threw: ${errorText(error)}`);
  }
  let then: unknown;
  try {
    then = isObjectLike(result) ? result.then : undefined;
  } catch (error) {
    return deny(`${kind} permission callback threw: ${errorText(error)}`);
  }
  if (typeof then !== "function") return toDecision(kind, result);
  return new Promise<PermissionDecision>((resolve) => {
    try {
      then.call(
        result,
        (value: unknown) => resolve(toDecision(kind, value)),
        (error: unknown) => resolve(deny(`${kind} permission callback rejected: ${errorText(error)}`)),
      );
    } catch (error) {
      resolve(deny(`${kind} permission callback threw: ${errorText(error)}`));
    }
  });
}
