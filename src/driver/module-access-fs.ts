/**
 * ModuleAccessFileSystem: the default filesystem. The host's `node_modules` (found from
 * `moduleAccess.cwd`, default `process.cwd()`) appears read-only at `/root/node_modules`,
 * over a writable base filesystem (in memory unless one is given) for everything else.
 *
 * Host paths are confined by the host's own resolution: each one is passed through
 * `realpath` and must still lie inside that `node_modules` (links between packages, as
 * pnpm makes, are fine; a link to anywhere else on the host is refused with EACCES).
 * Guest paths arrive normalized, so `..` cannot climb out lexically, and a name is only
 * ever a name: `%2F` is three characters, and a backslash is refused outright.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync,
  accessSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { createInMemoryFileSystem } from "./in-memory-fs";
import { MODULE_OVERLAY_PATH } from "./permissions";
import { errorCode, fsError, normalizeGuestPath, rethrowAs, splitPath, statFromHost } from "./fs-util";
import type {
  ModuleAccessOptions,
  VirtualDirEntry,
  VirtualFileHandle,
  VirtualFileSystem,
  VirtualOpenFlags,
  VirtualStat,
} from "./types";

const OVERLAY_PARENTS = ["/", "/root"];

/** Every VirtualFileSystem method but lstat (which falls back to stat over a base without links). */
const MIRRORED_METHODS = [
  "readFile", "readTextFile", "readDir", "readDirWithTypes", "writeFile", "createDir", "mkdir", "exists", "stat",
  "removeFile", "removeDir", "rename", "symlink", "readlink", "realpath", "link", "chmod", "utimes", "truncate",
  "appendFile", "copyFile", "access", "open",
] as const;

/** The built-in base: in memory, with the directories a Node program takes for granted (home, the default cwd, and tmp). */
export function sandboxHomeFileSystem(): VirtualFileSystem {
  const memory = createInMemoryFileSystem();
  memory.mkdirSync("/root", { recursive: true });
  memory.mkdirSync("/tmp", { recursive: true });
  return memory;
}

type SyncName = `${string}Sync`;

/** The overlay's answer for a native addon: Node's own code for a refused addon load. */
function nativeAddonError(path: string): Error {
  return Object.assign(
    new Error(`Cannot load native addon because loading addons is disabled: '${path}' is a native addon (.node), which the sandbox cannot run`),
    { code: "ERR_DLOPEN_DISABLED" },
  );
}

function inOverlay(path: string): boolean {
  return path === MODULE_OVERLAY_PATH || path.startsWith(`${MODULE_OVERLAY_PATH}/`);
}

/** A read-only handle on an overlay file. */
class OverlayFileHandle implements Required<VirtualFileHandle> {
  #fd: number | undefined;
  constructor(
    fd: number,
    private readonly guestPath: string,
  ) {
    this.#fd = fd;
  }
  #live(syscall: string): number {
    if (this.#fd === undefined) throw Object.assign(new Error(`EBADF: bad file descriptor, ${syscall}`), { code: "EBADF", errno: -9, syscall });
    return this.#fd;
  }
  readSync(length: number, position: number): Uint8Array {
    const buffer = new Uint8Array(length);
    const n = readSync(this.#live("read"), buffer, 0, length, position);
    return n === length ? buffer : buffer.slice(0, n);
  }
  writeSync(): number {
    this.#live("write");
    throw fsError("EBADF", "write", this.guestPath);
  }
  statSync(): VirtualStat {
    return statFromHost(fstatSync(this.#live("fstat")));
  }
  truncateSync(): void {
    this.#live("ftruncate");
    throw fsError("EINVAL", "ftruncate", this.guestPath);
  }
  syncSync(): void {
    this.#live("fsync");
  }
  closeSync(): void {
    const fd = this.#live("close");
    this.#fd = undefined;
    closeSync(fd);
  }
  read = async (length: number, position: number) => this.readSync(length, position);
  write = async (): Promise<number> => this.writeSync();
  stat = async () => this.statSync();
  truncate = async () => this.truncateSync();
  sync = async () => this.syncSync();
  close = async () => this.closeSync();
}

/**
 * The default filesystem of `createNodeDriver()`: host `node_modules` read-only at
 * `/root/node_modules`, a writable in-memory filesystem (or `base`) everywhere else. The
 * default in-memory base starts with `/root` (home, the default cwd) and `/tmp`.
 * Writes into the overlay fail with EACCES, and native `.node` addons there cannot be
 * read (ERR_DLOPEN_DISABLED). Every method has its synchronous counterpart when the base
 * filesystem has it.
 * @example
 * const fs = new ModuleAccessFileSystem(undefined, { cwd: "/path/to/project" });
 * await fs.readTextFile("/root/node_modules/lodash/package.json");
 */
export class ModuleAccessFileSystem implements VirtualFileSystem {
  readonly #base: VirtualFileSystem;
  readonly #modulesDir: string | undefined;
  #modulesReal: string | undefined;

  constructor(base?: VirtualFileSystem, options: ModuleAccessOptions = {}) {
    const cwd = options.cwd ?? process.cwd();
    if (typeof cwd !== "string") throw new TypeError(`ModuleAccessFileSystem: moduleAccess.cwd must be a string, got ${typeof cwd}`);
    // A path absolute only on another OS (C:\... on Linux) finds no node_modules here.
    this.#modulesDir = isAbsolute(cwd) ? join(resolve(cwd), "node_modules") : undefined;
    this.#base = base ?? sandboxHomeFileSystem();
    this.#mirrorBase();
  }

  /**
   * Offers exactly the methods the base offers: a method the base lacks is absent here too
   * (an own `undefined` over the class's), so callers that choose a path by what a
   * filesystem can do (synchronous access, links) see the base's abilities, not ours.
   * lstat stays: over a base without links it answers with stat.
   */
  #mirrorBase(): void {
    const base = this.#base as unknown as Record<string, unknown>;
    for (const name of MIRRORED_METHODS) {
      for (const method of [name, `${name}Sync`]) {
        if (typeof base[method] !== "function") Object.defineProperty(this, method, { value: undefined, enumerable: false });
      }
    }
  }

  /** The real path of the host node_modules, or undefined when there is none. */
  #modulesRoot(): string | undefined {
    if (this.#modulesReal !== undefined) return this.#modulesReal;
    if (this.#modulesDir === undefined) return undefined;
    try {
      const real = realpathSync(this.#modulesDir);
      if (!statSync(real).isDirectory()) return undefined;
      // Only cache a directory that exists; one installed later is picked up then.
      this.#modulesReal = real;
      return real;
    } catch {
      return undefined;
    }
  }

  #inside(real: string, root: string): boolean {
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  }

  /**
   * The host path of an overlay path. With `followLast`, the real path (every link
   * resolved by the host) after checking it stays inside node_modules; without, the
   * real path of the parent joined with the last name, for lstat/readlink.
   */
  #hostPath(guest: string, followLast: boolean, syscall: string): string {
    const root = this.#modulesRoot();
    if (!root) throw fsError("ENOENT", syscall, guest);
    const names = splitPath(guest).slice(2);
    // A name is a name: a backslash (a separator on Windows hosts) is refused outright.
    if (names.some((name) => name.includes("\\") || name.includes("\0"))) throw fsError("ENOENT", syscall, guest);
    const joined = names.length === 0 ? root : join(root, ...names);
    const check = (host: string): string => {
      let real: string;
      try {
        real = realpathSync(host);
      } catch (error) {
        return rethrowAs(error, syscall, guest);
      }
      if (!this.#inside(real, root)) throw fsError("EACCES", syscall, guest);
      return real;
    };
    if (followLast || names.length === 0) return check(joined);
    return join(check(dirname(joined)), names[names.length - 1]!);
  }

  /** The guest path of a real host path inside node_modules. */
  #guestPath(real: string): string {
    const rel = relative(this.#modulesRoot()!, real);
    return rel === "" ? MODULE_OVERLAY_PATH : `${MODULE_OVERLAY_PATH}/${rel.split(sep).join("/")}`;
  }

  #readOnly(syscall: string, path: string, dest?: string): never {
    throw fsError("EACCES", syscall, path, dest);
  }

  #rejectAddon(guest: string, real: string): void {
    if (guest.endsWith(".node") || real.endsWith(".node")) throw nativeAddonError(guest);
  }

  /** Calls the base filesystem's sync method, or says clearly that it has none. */
  #baseSync<T>(name: SyncName, ...args: unknown[]): T {
    const fn = (this.#base as unknown as Record<string, unknown>)[name];
    if (typeof fn !== "function") {
      throw Object.assign(
        new Error(`the filesystem has no ${name}(), so this synchronous API cannot run in-process; use the callback or promise form, or run the sandbox in worker mode`),
        { code: "ERR_SANDBOX_SYNC_UNAVAILABLE" },
      );
    }
    return (fn as (...a: unknown[]) => T).apply(this.#base, args);
  }

  #baseAsync<T>(name: string, ...args: unknown[]): Promise<T> {
    const fn = (this.#base as unknown as Record<string, unknown>)[name];
    if (typeof fn !== "function") {
      return Promise.reject(Object.assign(new Error(`the base filesystem has no ${name}()`), { code: "ENOSYS" }));
    }
    return Promise.resolve((fn as (...a: unknown[]) => Promise<T>).apply(this.#base, args));
  }

  /** A directory stat for `/` or `/root` when the base filesystem lacks it. */
  #syntheticDir(): VirtualStat {
    return {
      size: 4096, mode: 0o40755, isFile: false, isDirectory: true, isSymbolicLink: false,
      atimeMs: 0, mtimeMs: 0, ctimeMs: 0, birthtimeMs: 0, nlink: 2,
    };
  }

  // -------------------------------------------------------------------------
  // Overlay reads (all synchronous: host fs calls)
  // -------------------------------------------------------------------------

  #overlayReadFile(path: string): Uint8Array {
    const real = this.#hostPath(path, true, "open");
    this.#rejectAddon(path, real);
    let fd: number;
    try {
      fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch (error) {
      return rethrowAs(error, "open", path);
    }
    try {
      const bytes = readFileSync(fd);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      return rethrowAs(error, "read", path);
    } finally {
      closeSync(fd);
    }
  }

  #overlayReadDir(path: string): VirtualDirEntry[] {
    const real = this.#hostPath(path, true, "scandir");
    try {
      return readdirSync(real, { withFileTypes: true, encoding: "utf8" }).map((entry) => ({
        name: entry.name,
        isDirectory: entry.isDirectory(),
        isFile: entry.isFile(),
        isSymbolicLink: entry.isSymbolicLink(),
      }));
    } catch (error) {
      return rethrowAs(error, "scandir", path);
    }
  }

  #overlayStat(path: string, followLast: boolean): VirtualStat {
    const syscall = followLast ? "stat" : "lstat";
    const host = this.#hostPath(path, followLast, syscall);
    try {
      return statFromHost(lstatSync(host));
    } catch (error) {
      return rethrowAs(error, syscall, path);
    }
  }

  /** A link's target, only when it points inside node_modules; absolute ones as guest paths. */
  #overlayReadlink(path: string): string {
    const host = this.#hostPath(path, false, "readlink");
    let target: string;
    try {
      target = readlinkSync(host, "utf8");
    } catch (error) {
      return rethrowAs(error, "readlink", path);
    }
    const root = this.#modulesRoot()!;
    const lexical = resolve(dirname(host), target);
    let real = lexical;
    try {
      real = realpathSync(lexical);
    } catch {
      // A dangling link: judge it by where it points.
    }
    if (!this.#inside(lexical, root) && !this.#inside(real, root)) throw fsError("EACCES", "readlink", path);
    return isAbsolute(target) ? this.#guestPath(lexical) : target.split(sep).join("/");
  }

  #overlayAccess(path: string, mode: number): void {
    const real = this.#hostPath(path, true, "access");
    if (mode & constants.W_OK) this.#readOnly("access", path);
    try {
      accessSync(real, mode & 7);
    } catch (error) {
      rethrowAs(error, "access", path);
    }
  }

  #overlayOpen(path: string, flags: VirtualOpenFlags): VirtualFileHandle {
    if (flags !== "r") this.#readOnly("open", path);
    const real = this.#hostPath(path, true, "open");
    this.#rejectAddon(path, real);
    try {
      return new OverlayFileHandle(openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)), path);
    } catch (error) {
      return rethrowAs(error, "open", path);
    }
  }

  #hasOverlay(): boolean {
    return this.#modulesRoot() !== undefined;
  }

  /** The base listing of `/` or `/root`, with the overlay's entry added. */
  #mergeEntries(path: string, entries: VirtualDirEntry[] | undefined): VirtualDirEntry[] {
    const name = path === "/" ? "root" : "node_modules";
    const list = entries ?? [];
    if ((path === "/root" && !this.#hasOverlay()) || list.some((e) => e.name === name)) return list;
    return [...list, { name, isDirectory: true, isFile: false, isSymbolicLink: false }];
  }

  // -------------------------------------------------------------------------
  // Shared bodies: each method checks the overlay, then defers to the base
  // -------------------------------------------------------------------------

  /** Fails with EACCES if a write touches the overlay or moves one of its parents. */
  #guardWrite(syscall: string, path: string, dest?: string): void {
    if (inOverlay(path) || (dest !== undefined && inOverlay(dest))) this.#readOnly(syscall, path, dest);
  }

  #guardMove(path: string, dest: string): void {
    this.#guardWrite("rename", path, dest);
    if (OVERLAY_PARENTS.includes(path)) throw fsError("EBUSY", "rename", path, dest);
  }

  readFileSync(path: string): Uint8Array {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? this.#overlayReadFile(p) : this.#baseSync("readFileSync", p);
  }
  async readFile(path: string): Promise<Uint8Array> {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? this.#overlayReadFile(p) : this.#baseAsync("readFile", p);
  }

  readTextFileSync(path: string): string {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? new TextDecoder().decode(this.#overlayReadFile(p)) : this.#baseSync("readTextFileSync", p);
  }
  async readTextFile(path: string): Promise<string> {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? new TextDecoder().decode(this.#overlayReadFile(p)) : this.#baseAsync("readTextFile", p);
  }

  readDirWithTypesSync(path: string): VirtualDirEntry[] {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayReadDir(p);
    if (!OVERLAY_PARENTS.includes(p)) return this.#baseSync("readDirWithTypesSync", p);
    return this.#mergeEntries(p, this.#baseParentListing(() => this.#baseSync("readDirWithTypesSync", p)));
  }
  async readDirWithTypes(path: string): Promise<VirtualDirEntry[]> {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayReadDir(p);
    if (!OVERLAY_PARENTS.includes(p)) return this.#baseAsync("readDirWithTypes", p);
    let entries: VirtualDirEntry[] | undefined;
    try {
      entries = await this.#baseAsync<VirtualDirEntry[]>("readDirWithTypes", p);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    }
    return this.#mergeEntries(p, entries);
  }

  #baseParentListing(list: () => VirtualDirEntry[]): VirtualDirEntry[] | undefined {
    try {
      return list();
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      return undefined;
    }
  }

  readDirSync(path: string): string[] {
    const p = normalizeGuestPath(path);
    if (!inOverlay(p) && !OVERLAY_PARENTS.includes(p)) return this.#baseSync("readDirSync", p);
    return this.readDirWithTypesSync(p).map((entry) => entry.name);
  }
  async readDir(path: string): Promise<string[]> {
    const p = normalizeGuestPath(path);
    if (!inOverlay(p) && !OVERLAY_PARENTS.includes(p)) return this.#baseAsync("readDir", p);
    return (await this.readDirWithTypes(p)).map((entry) => entry.name);
  }

  writeFileSync(path: string, data: Uint8Array | string): void {
    const p = normalizeGuestPath(path);
    this.#guardWrite("open", p);
    this.#baseSync("writeFileSync", p, data);
  }
  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardWrite("open", p);
    return this.#baseAsync("writeFile", p, data);
  }

  createDirSync(path: string): void {
    const p = normalizeGuestPath(path);
    this.#guardWrite("mkdir", p);
    this.#baseSync("createDirSync", p);
  }
  async createDir(path: string): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardWrite("mkdir", p);
    return this.#baseAsync("createDir", p);
  }

  /** A recursive mkdir of an existing overlay directory succeeds, as it would on a read-only mount. */
  #overlayMkdir(p: string, options?: { recursive?: boolean }): boolean {
    if (!inOverlay(p)) return false;
    if (options?.recursive === true) {
      try {
        if (this.#overlayStat(p, true).isDirectory) return true;
      } catch {
        // Missing: creating it is a write.
      }
    }
    return this.#readOnly("mkdir", p);
  }
  mkdirSync(path: string, options?: { recursive?: boolean }): void {
    const p = normalizeGuestPath(path);
    if (this.#overlayMkdir(p, options)) return;
    this.#baseSync("mkdirSync", p, options);
  }
  async mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    const p = normalizeGuestPath(path);
    if (this.#overlayMkdir(p, options)) return;
    return this.#baseAsync("mkdir", p, options);
  }

  #overlayExists(p: string): boolean {
    try {
      this.#hostPath(p, true, "access");
      return true;
    } catch {
      return false;
    }
  }
  existsSync(path: string): boolean {
    let p: string;
    try {
      p = normalizeGuestPath(path);
    } catch {
      return false;
    }
    if (inOverlay(p)) return this.#overlayExists(p);
    if (OVERLAY_PARENTS.includes(p) && this.#hasOverlay()) return true;
    return this.#baseSync("existsSync", p);
  }
  async exists(path: string): Promise<boolean> {
    let p: string;
    try {
      p = normalizeGuestPath(path);
    } catch {
      return false;
    }
    if (inOverlay(p)) return this.#overlayExists(p);
    if (OVERLAY_PARENTS.includes(p) && this.#hasOverlay()) return true;
    return this.#baseAsync("exists", p);
  }

  #parentStat(p: string, get: () => VirtualStat): VirtualStat {
    try {
      return get();
    } catch (error) {
      if (OVERLAY_PARENTS.includes(p) && errorCode(error) === "ENOENT" && this.#hasOverlay()) return this.#syntheticDir();
      throw error;
    }
  }
  async #parentStatAsync(p: string, get: () => Promise<VirtualStat>): Promise<VirtualStat> {
    try {
      return await get();
    } catch (error) {
      if (OVERLAY_PARENTS.includes(p) && errorCode(error) === "ENOENT" && this.#hasOverlay()) return this.#syntheticDir();
      throw error;
    }
  }

  statSync(path: string): VirtualStat {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayStat(p, true);
    return this.#parentStat(p, () => this.#baseSync("statSync", p));
  }
  async stat(path: string): Promise<VirtualStat> {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayStat(p, true);
    return this.#parentStatAsync(p, () => this.#baseAsync("stat", p));
  }

  lstatSync(path: string): VirtualStat {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayStat(p, false);
    // A base without lstat has no links, so stat answers the same.
    return this.#parentStat(p, () => this.#baseSync(typeof this.#base.lstat === "function" ? "lstatSync" : "statSync", p));
  }
  async lstat(path: string): Promise<VirtualStat> {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayStat(p, false);
    return this.#parentStatAsync(p, () => this.#baseAsync(typeof this.#base.lstat === "function" ? "lstat" : "stat", p));
  }

  removeFileSync(path: string): void {
    const p = normalizeGuestPath(path);
    this.#guardWrite("unlink", p);
    this.#baseSync("removeFileSync", p);
  }
  async removeFile(path: string): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardWrite("unlink", p);
    return this.#baseAsync("removeFile", p);
  }

  #guardRemoveDir(p: string): void {
    this.#guardWrite("rmdir", p);
    if (p === "/root" && this.#hasOverlay()) throw fsError("ENOTEMPTY", "rmdir", p);
    if (p === "/") throw fsError("EBUSY", "rmdir", p);
  }
  removeDirSync(path: string): void {
    const p = normalizeGuestPath(path);
    this.#guardRemoveDir(p);
    this.#baseSync("removeDirSync", p);
  }
  async removeDir(path: string): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardRemoveDir(p);
    return this.#baseAsync("removeDir", p);
  }

  renameSync(oldPath: string, newPath: string): void {
    const from = normalizeGuestPath(oldPath, "oldPath");
    const to = normalizeGuestPath(newPath, "newPath");
    this.#guardMove(from, to);
    this.#baseSync("renameSync", from, to);
  }
  async rename(oldPath: string, newPath: string): Promise<void> {
    const from = normalizeGuestPath(oldPath, "oldPath");
    const to = normalizeGuestPath(newPath, "newPath");
    this.#guardMove(from, to);
    return this.#baseAsync("rename", from, to);
  }

  symlinkSync(target: string, linkPath: string): void {
    const link = normalizeGuestPath(linkPath, "linkPath");
    this.#guardWrite("symlink", link);
    this.#baseSync("symlinkSync", target, link);
  }
  async symlink(target: string, linkPath: string): Promise<void> {
    const link = normalizeGuestPath(linkPath, "linkPath");
    this.#guardWrite("symlink", link);
    return this.#baseAsync("symlink", target, link);
  }

  readlinkSync(path: string): string {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? this.#overlayReadlink(p) : this.#baseSync("readlinkSync", p);
  }
  async readlink(path: string): Promise<string> {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? this.#overlayReadlink(p) : this.#baseAsync("readlink", p);
  }

  realpathSync(path: string): string {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? this.#guestPath(this.#hostPath(p, true, "realpath")) : this.#baseSync("realpathSync", p);
  }
  async realpath(path: string): Promise<string> {
    const p = normalizeGuestPath(path);
    return inOverlay(p) ? this.#guestPath(this.#hostPath(p, true, "realpath")) : this.#baseAsync("realpath", p);
  }

  linkSync(existingPath: string, newPath: string): void {
    const from = normalizeGuestPath(existingPath, "existingPath");
    const to = normalizeGuestPath(newPath, "newPath");
    // A hard link cannot cross from the host mount into memory (EXDEV), nor be made in it.
    this.#guardWrite("link", to);
    if (inOverlay(from)) throw fsError("EXDEV", "link", from, to);
    this.#baseSync("linkSync", from, to);
  }
  async link(existingPath: string, newPath: string): Promise<void> {
    const from = normalizeGuestPath(existingPath, "existingPath");
    const to = normalizeGuestPath(newPath, "newPath");
    this.#guardWrite("link", to);
    if (inOverlay(from)) throw fsError("EXDEV", "link", from, to);
    return this.#baseAsync("link", from, to);
  }

  chmodSync(path: string, mode: number): void {
    const p = normalizeGuestPath(path);
    this.#guardWrite("chmod", p);
    this.#baseSync("chmodSync", p, mode);
  }
  async chmod(path: string, mode: number): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardWrite("chmod", p);
    return this.#baseAsync("chmod", p, mode);
  }

  utimesSync(path: string, atime: number, mtime: number): void {
    const p = normalizeGuestPath(path);
    this.#guardWrite("utime", p);
    this.#baseSync("utimesSync", p, atime, mtime);
  }
  async utimes(path: string, atime: number, mtime: number): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardWrite("utime", p);
    return this.#baseAsync("utimes", p, atime, mtime);
  }

  truncateSync(path: string, length: number): void {
    const p = normalizeGuestPath(path);
    this.#guardWrite("open", p);
    this.#baseSync("truncateSync", p, length);
  }
  async truncate(path: string, length: number): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardWrite("open", p);
    return this.#baseAsync("truncate", p, length);
  }

  appendFileSync(path: string, data: Uint8Array | string): void {
    const p = normalizeGuestPath(path);
    this.#guardWrite("open", p);
    this.#baseSync("appendFileSync", p, data);
  }
  async appendFile(path: string, data: Uint8Array | string): Promise<void> {
    const p = normalizeGuestPath(path);
    this.#guardWrite("open", p);
    return this.#baseAsync("appendFile", p, data);
  }

  /** Copying out of the overlay reads the host file and writes the copy into the base. */
  copyFileSync(src: string, dest: string, options?: { exclusive?: boolean }): void {
    const from = normalizeGuestPath(src, "src");
    const to = normalizeGuestPath(dest, "dest");
    this.#guardWrite("copyfile", to);
    if (!inOverlay(from)) return this.#baseSync("copyFileSync", from, to, options);
    const bytes = this.#overlayReadFile(from);
    if (options?.exclusive === true && this.#baseSync<boolean>("existsSync", to)) throw fsError("EEXIST", "copyfile", from, to);
    this.#baseSync("writeFileSync", to, bytes);
  }
  async copyFile(src: string, dest: string, options?: { exclusive?: boolean }): Promise<void> {
    const from = normalizeGuestPath(src, "src");
    const to = normalizeGuestPath(dest, "dest");
    this.#guardWrite("copyfile", to);
    if (!inOverlay(from)) return this.#baseAsync("copyFile", from, to, options);
    const bytes = this.#overlayReadFile(from);
    if (options?.exclusive === true && (await this.#baseAsync<boolean>("exists", to))) throw fsError("EEXIST", "copyfile", from, to);
    return this.#baseAsync("writeFile", to, bytes);
  }

  accessSync(path: string, mode = 0): void {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayAccess(p, mode);
    if (OVERLAY_PARENTS.includes(p) && this.#hasOverlay() && !this.#baseSync<boolean>("existsSync", p)) return;
    this.#baseSync("accessSync", p, mode);
  }
  async access(path: string, mode = 0): Promise<void> {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayAccess(p, mode);
    if (OVERLAY_PARENTS.includes(p) && this.#hasOverlay() && !(await this.#baseAsync<boolean>("exists", p))) return;
    return this.#baseAsync("access", p, mode);
  }

  openSync(path: string, flags: VirtualOpenFlags, mode?: number): VirtualFileHandle {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayOpen(p, flags);
    return this.#baseSync("openSync", p, flags, mode);
  }
  async open(path: string, flags: VirtualOpenFlags, mode?: number): Promise<VirtualFileHandle> {
    const p = normalizeGuestPath(path);
    if (inOverlay(p)) return this.#overlayOpen(p, flags);
    return this.#baseAsync("open", p, flags, mode);
  }
}
