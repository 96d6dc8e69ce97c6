/**
 * `createNodeDriver`: validates the options a host passes and freezes them into the
 * SystemDriver that NodeRuntime consumes.
 */
import { isObjectLike, showValue, typeName } from "./describe-value";
import { createDefaultNetworkAdapter } from "./network/default-adapter";
import { ModuleAccessFileSystem, sandboxHomeFileSystem } from "./module-access-fs";
import { normalizePermissions } from "./permissions";
import type {
  CommandExecutor,
  ModuleAccessOptions,
  NetworkAdapter,
  NodeDriverOptions,
  OSConfig,
  Permissions,
  ProcessConfig,
  SystemDriver,
  VirtualFileSystem,
} from "./types";

const OPTION_NAMES = [
  "filesystem",
  "moduleAccess",
  "networkAdapter",
  "commandExecutor",
  "permissions",
  "useDefaultNetwork",
  "loopbackExemptPorts",
  "processConfig",
  "osConfig",
] as const;

const FS_METHODS = [
  "readFile",
  "readTextFile",
  "readDir",
  "readDirWithTypes",
  "writeFile",
  "createDir",
  "mkdir",
  "exists",
  "stat",
  "removeFile",
  "removeDir",
  "rename",
] as const;

/** What Node's fs needs beyond the specification's methods; each optional (see VirtualFileSystem). */
const OPTIONAL_FS_METHODS = [
  "lstat",
  "symlink",
  "readlink",
  "realpath",
  "link",
  "chmod",
  "utimes",
  "truncate",
  "appendFile",
  "copyFile",
  "access",
  "open",
] as const;

const MODULE_ACCESS_KEYS = ["cwd"] as const;
const PROCESS_STRING_KEYS = ["platform", "arch", "version", "execPath", "stdin"] as const;
const PROCESS_ID_KEYS = ["pid", "ppid", "uid", "gid"] as const;
const PROCESS_CONFIG_KEYS = [
  "cwd",
  "env",
  "argv",
  ...PROCESS_STRING_KEYS,
  ...PROCESS_ID_KEYS,
  "versions",
] as const;
const OS_CONFIG_KEYS = [
  "platform",
  "arch",
  "type",
  "release",
  "version",
  "homedir",
  "tmpdir",
  "hostname",
] as const;

function fail(message: string): never {
  throw new TypeError(`createNodeDriver: ${message}`);
}

/** `env.PORT` for plain keys, `env["my-key"]` for the rest. */
function member(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Reads each own key of `value` once, rejecting keys not in `valid`. */
function readKeys(
  value: Record<string, unknown>,
  valid: readonly string[],
  unknownKey: (key: string) => string,
): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) fail(unknownKey(key));
    const entry = value[key];
    if (entry !== undefined) entries.set(key, entry);
  }
  return entries;
}

function readConfigObject(value: unknown, name: string, valid: readonly string[]): Map<string, unknown> {
  if (!isObjectLike(value)) fail(`${name} must be an object, got ${typeName(value)}`);
  return readKeys(
    value,
    valid,
    (key) => `${name} has an unknown key ${JSON.stringify(key)}; valid keys are ${valid.join(", ")}`,
  );
}

function isPosixAbsolute(path: string): boolean {
  return path.startsWith("/") && !path.includes("\0");
}

/** Host paths: POSIX `/...`, Windows `C:\...` or UNC `\\server\...`. */
function isHostAbsolute(path: string): boolean {
  return !path.includes("\0") && (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\"));
}

function checkString(value: unknown, name: string): string {
  if (typeof value !== "string") fail(`${name} must be a string, got ${typeName(value)}`);
  return value;
}

function checkAbsolutePath(value: unknown, name: string, isAbsolute: (path: string) => boolean): string {
  if (typeof value !== "string") fail(`${name} must be an absolute path string, got ${typeName(value)}`);
  if (!isAbsolute(value)) fail(`${name} must be an absolute path string, got ${showValue(value)}`);
  return value;
}

function checkStringRecord(value: unknown, name: string): Readonly<Record<string, string>> {
  if (!isObjectLike(value)) fail(`${name} must be an object of string values, got ${typeName(value)}`);
  const entries = Object.keys(value).map((key) => [key, checkString(value[key], member(name, key))]);
  // fromEntries defines own properties, so a "__proto__" key stays an ordinary entry.
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
}

function checkStringArray(value: unknown, name: string): readonly string[] {
  if (!Array.isArray(value)) fail(`${name} must be an array of strings, got ${typeName(value)}`);
  return Object.freeze(Array.from(value, (item, index) => checkString(item, `${name}[${index}]`)));
}

function checkNonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== "number") fail(`${name} must be a non-negative integer, got ${typeName(value)}`);
  if (!Number.isSafeInteger(value) || value < 0) {
    fail(`${name} must be a non-negative integer, got ${showValue(value)}`);
  }
  return value;
}

function checkFilesystem(value: unknown): VirtualFileSystem {
  if (!isObjectLike(value)) fail(`filesystem must be a VirtualFileSystem object, got ${typeName(value)}`);
  const missing = FS_METHODS.filter((method) => typeof value[method] !== "function");
  if (missing.length > 0) {
    fail(`filesystem must implement VirtualFileSystem; missing methods: ${missing.join(", ")}`);
  }
  for (const method of OPTIONAL_FS_METHODS) {
    if (value[method] !== undefined && typeof value[method] !== "function") {
      fail(`filesystem.${method} must be a function when present, got ${typeName(value[method])}`);
    }
  }
  for (const method of [...FS_METHODS, ...OPTIONAL_FS_METHODS]) {
    const sync = value[`${method}Sync`];
    if (sync !== undefined && typeof sync !== "function") {
      fail(`filesystem.${method}Sync must be a function when present, got ${typeName(sync)}`);
    }
  }
  return value as unknown as VirtualFileSystem;
}

function checkNetworkAdapter(value: unknown): NetworkAdapter {
  if (!isObjectLike(value)) fail(`networkAdapter must be an object with a fetch method, got ${typeName(value)}`);
  if (typeof value.fetch !== "function") fail(`networkAdapter.fetch must be a function, got ${typeName(value.fetch)}`);
  for (const method of ["dnsLookup", "httpRequest", "listen"] as const) {
    if (value[method] !== undefined && typeof value[method] !== "function") {
      fail(`networkAdapter.${method} must be a function when present, got ${typeName(value[method])}`);
    }
  }
  return value as unknown as NetworkAdapter;
}

function checkCommandExecutor(value: unknown): CommandExecutor {
  if (!isObjectLike(value)) fail(`commandExecutor must be an object with a spawn method, got ${typeName(value)}`);
  if (typeof value.spawn !== "function") fail(`commandExecutor.spawn must be a function, got ${typeName(value.spawn)}`);
  return value as unknown as CommandExecutor;
}

function checkPermissions(value: unknown): Readonly<Permissions> {
  try {
    return normalizePermissions(value);
  } catch (error) {
    if (error instanceof TypeError) fail(error.message);
    throw error;
  }
}

function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") fail(`${name} must be a boolean, got ${typeName(value)}`);
  return value;
}

function checkPorts(value: unknown): readonly number[] {
  if (!Array.isArray(value)) fail(`loopbackExemptPorts must be an array of port numbers, got ${typeName(value)}`);
  return Object.freeze(
    Array.from(value, (port: unknown, index) => {
      const name = `loopbackExemptPorts[${index}]`;
      if (typeof port !== "number") fail(`${name} must be an integer from 1 to 65535, got ${typeName(port)}`);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        fail(`${name} must be an integer from 1 to 65535, got ${showValue(port)}`);
      }
      return port;
    }),
  );
}

function checkModuleAccess(value: unknown): Readonly<ModuleAccessOptions> | false {
  if (value === false) return false;
  const fields = readConfigObject(value, "moduleAccess", MODULE_ACCESS_KEYS);
  const result: ModuleAccessOptions = {};
  if (fields.has("cwd")) result.cwd = checkAbsolutePath(fields.get("cwd"), "moduleAccess.cwd", isHostAbsolute);
  return Object.freeze(result);
}

function checkProcessConfig(value: unknown): Readonly<ProcessConfig> {
  const fields = readConfigObject(value, "processConfig", PROCESS_CONFIG_KEYS);
  const result: Record<string, unknown> = {};
  for (const [key, field] of fields) {
    const name = `processConfig.${key}`;
    if (key === "cwd") result[key] = checkAbsolutePath(field, name, isPosixAbsolute);
    else if (key === "env" || key === "versions") result[key] = checkStringRecord(field, name);
    else if (key === "argv") result[key] = checkStringArray(field, name);
    else if ((PROCESS_ID_KEYS as readonly string[]).includes(key)) result[key] = checkNonNegativeInteger(field, name);
    else result[key] = checkString(field, name);
  }
  return Object.freeze(result) as Readonly<ProcessConfig>;
}

function checkOsConfig(value: unknown): Readonly<OSConfig> {
  const fields = readConfigObject(value, "osConfig", OS_CONFIG_KEYS);
  const result: Record<string, string> = {};
  for (const [key, field] of fields) result[key] = checkString(field, `osConfig.${key}`);
  return Object.freeze(result) as Readonly<OSConfig>;
}

/**
 * The host's node_modules read-only at /root/node_modules over the given filesystem (or,
 * with none given, over a writable in-memory one), as secure-exec's driver does: code that
 * passes its own filesystem still finds its packages. `moduleAccess: false` uses the
 * filesystem as given; a filesystem that already is an overlay is not wrapped twice.
 */
function withOverlay(given: VirtualFileSystem | undefined, moduleAccess: Readonly<ModuleAccessOptions> | false): VirtualFileSystem {
  if (moduleAccess === false) return given ?? sandboxHomeFileSystem();
  if (given instanceof ModuleAccessFileSystem) return given;
  return new ModuleAccessFileSystem(given, moduleAccess);
}

/**
 * Creates the system driver for NodeRuntime: the sandbox's filesystem, network adapter,
 * command executor, permission callbacks, and process/os values. Every option is
 * validated here, so a wrong option throws a TypeError naming it now rather than failing
 * inside a run. Config objects are copied and frozen: changing the options object later
 * does not change the driver. With no options the sandbox gets the ModuleAccessFileSystem
 * (host node_modules read-only at /root/node_modules over an in-memory filesystem), no
 * network, no child processes, and every permission denied except reading that overlay.
 * @example
 * const driver = createNodeDriver({
 *   permissions: { fs: allowAllFs, network: allowAllNetwork },
 *   processConfig: { cwd: "/app", env: { NODE_ENV: "production" } },
 * });
 */
export function createNodeDriver(options?: NodeDriverOptions): SystemDriver {
  const given: unknown = options;
  if (given !== undefined && !isObjectLike(given)) fail(`options must be an object, got ${typeName(given)}`);
  const fields = readKeys(
    given ?? {},
    OPTION_NAMES,
    (key) => `unknown option ${JSON.stringify(key)}; valid options are ${OPTION_NAMES.join(", ")}`,
  );

  const useDefaultNetwork = fields.has("useDefaultNetwork")
    ? checkBoolean(fields.get("useDefaultNetwork"), "useDefaultNetwork")
    : false;
  const loopbackExemptPorts = fields.has("loopbackExemptPorts")
    ? checkPorts(fields.get("loopbackExemptPorts"))
    : Object.freeze([]);
  // A given networkAdapter wins; useDefaultNetwork installs the built-in one (undici + SSRF defence).
  const networkAdapter = fields.has("networkAdapter")
    ? checkNetworkAdapter(fields.get("networkAdapter"))
    : useDefaultNetwork
      ? createDefaultNetworkAdapter({ loopbackExemptPorts })
      : undefined;
  const commandExecutor = fields.has("commandExecutor")
    ? checkCommandExecutor(fields.get("commandExecutor"))
    : undefined;
  const moduleAccess = fields.has("moduleAccess") ? checkModuleAccess(fields.get("moduleAccess")) : Object.freeze({});
  const filesystem = fields.has("filesystem") ? checkFilesystem(fields.get("filesystem")) : undefined;
  const driver: SystemDriver = {
    kind: "node",
    filesystem: withOverlay(filesystem, moduleAccess),
    ...(networkAdapter ? { networkAdapter } : {}),
    ...(commandExecutor ? { commandExecutor } : {}),
    permissions: checkPermissions(fields.get("permissions")),
    useDefaultNetwork,
    moduleAccess,
    loopbackExemptPorts,
    processConfig: fields.has("processConfig") ? checkProcessConfig(fields.get("processConfig")) : Object.freeze({}),
    osConfig: fields.has("osConfig") ? checkOsConfig(fields.get("osConfig")) : Object.freeze({}),
  };
  return Object.freeze(driver);
}
