/**
 * MountFileSystem: what `--mount hostdir:sandboxdir[:ro]` shows the sandbox. Each mount is
 * a filesystem (a NodeFileSystem confined to its host directory) seen at a sandbox path;
 * the directories above the mount points exist, empty but for the way to them, and
 * nothing else does. A read-only mount refuses every change with EROFS, as a read-only
 * Linux mount does, and so does everything outside the mounts. Mount points never nest
 * (args.ts refuses that), so a path belongs to at most one mount.
 *
 * Every method works synchronously (the async ones wrap the sync ones), like the
 * filesystems it delegates to.
 */
import { errorCode, fsError, normalizeGuestPath } from "../driver/fs-util.js";
import type { VirtualDirEntry, VirtualFileHandle, VirtualFileSystem, VirtualOpenFlags, VirtualStat } from "../driver/types.js";
import { isWithin } from "./args.js";

export interface Mount {
  /** Normalized absolute sandbox path. */
  at: string;
  fs: Required<VirtualFileSystem>;
  readOnly: boolean;
}

type Place = { kind: "mount"; mount: Mount; inner: string } | { kind: "dir"; children: string[] } | { kind: "none" };

const W_OK = 2;

/** An error the inner filesystem raised, naming the sandbox path instead of the inner one. */
function respelled(error: unknown, inner: string, outer: string): unknown {
  const code = errorCode(error);
  if (!code || !(error instanceof Error)) return error;
  const e = error as Error & { path?: string; dest?: string };
  const swap = (p: string | undefined) => (p === inner ? outer : p);
  if (e.path !== inner && e.dest !== inner) return error;
  e.message = e.message.replaceAll(`'${inner}'`, `'${outer}'`);
  e.path = swap(e.path);
  if (e.dest !== undefined) e.dest = swap(e.dest);
  return e;
}

function virtualDirStat(): VirtualStat {
  return { size: 0, mode: 0o40555, isFile: false, isDirectory: true, isSymbolicLink: false, atimeMs: 0, mtimeMs: 0, ctimeMs: 0, birthtimeMs: 0, nlink: 2 };
}

export class MountFileSystem implements Required<VirtualFileSystem> {
  readonly #mounts: readonly Mount[];

  constructor(mounts: readonly Mount[]) {
    this.#mounts = mounts;
  }

  #place(path: string): Place {
    const p = normalizeGuestPath(path);
    const mount = this.#mounts.find((m) => isWithin(p, m.at));
    if (mount) return { kind: "mount", mount, inner: mount.at === "/" ? p : p.slice(mount.at.length) || "/" };
    const children = new Set<string>();
    for (const m of this.#mounts) {
      if (!isWithin(m.at, p)) continue;
      const rest = p === "/" ? m.at.slice(1) : m.at.slice(p.length + 1);
      children.add(rest.split("/")[0]!);
    }
    return children.size > 0 ? { kind: "dir", children: [...children].sort() } : { kind: "none" };
  }

  /**
   * Runs `fn` on the mount holding `path`. `write`: the call changes something, refused on a
   * read-only mount and outside the mounts. `onDir` answers for a directory above the mounts.
   */
  #on<R>(path: string, syscall: string, write: boolean, fn: (fs: Required<VirtualFileSystem>, inner: string) => R, onDir?: () => R): R {
    const place = this.#place(path);
    if (place.kind === "dir") {
      if (onDir) return onDir();
      throw fsError(write ? "EROFS" : "EISDIR", syscall, path);
    }
    if (place.kind === "none") throw fsError(write ? "EROFS" : "ENOENT", syscall, path);
    if (write && place.mount.readOnly) throw fsError("EROFS", syscall, path);
    try {
      return fn(place.mount.fs, place.inner);
    } catch (error) {
      throw respelled(error, place.inner, path);
    }
  }

  /** A change that would remove or replace a mount point itself: refused, as with a busy mount. */
  #notMountPoint(path: string, syscall: string): void {
    const place = this.#place(path);
    if (place.kind === "mount" && place.inner === "/") throw fsError("EBUSY", syscall, path);
  }

  /** Two paths in one call: both must be on the same mount (EXDEV otherwise, as across devices). */
  #pair<R>(from: string, to: string, syscall: string, fn: (fs: Required<VirtualFileSystem>, a: string, b: string) => R): R {
    this.#notMountPoint(from, syscall);
    this.#notMountPoint(to, syscall);
    const a = this.#place(from);
    const b = this.#place(to);
    if (a.kind !== "mount") throw fsError(a.kind === "dir" ? "EROFS" : "ENOENT", syscall, from, to);
    if (b.kind !== "mount" || b.mount.readOnly || a.mount.readOnly) throw fsError("EROFS", syscall, from, to);
    if (a.mount !== b.mount) throw fsError("EXDEV", syscall, from, to);
    try {
      return fn(a.mount.fs, a.inner, b.inner);
    } catch (error) {
      throw respelled(respelled(error, a.inner, from), b.inner, to);
    }
  }

  readFileSync(path: string): Uint8Array {
    return this.#on(path, "open", false, (fs, p) => fs.readFileSync(p));
  }
  readTextFileSync(path: string): string {
    return new TextDecoder().decode(this.readFileSync(path));
  }
  readDirSync(path: string): string[] {
    return this.#on(path, "scandir", false, (fs, p) => fs.readDirSync(p), () => (this.#place(path) as { children: string[] }).children);
  }
  readDirWithTypesSync(path: string): VirtualDirEntry[] {
    return this.#on(path, "scandir", false, (fs, p) => fs.readDirWithTypesSync(p), () =>
      (this.#place(path) as { children: string[] }).children.map((name) => ({ name, isDirectory: true, isFile: false, isSymbolicLink: false })),
    );
  }
  writeFileSync(path: string, data: Uint8Array | string): void {
    this.#on(path, "open", true, (fs, p) => fs.writeFileSync(p, data));
  }
  createDirSync(path: string): void {
    this.#on(path, "mkdir", true, (fs, p) => fs.createDirSync(p), () => {
      throw fsError("EEXIST", "mkdir", path);
    });
  }
  mkdirSync(path: string, options?: { recursive?: boolean }): void {
    this.#on(path, "mkdir", true, (fs, p) => fs.mkdirSync(p, options), () => {
      if (options?.recursive !== true) throw fsError("EEXIST", "mkdir", path);
    });
  }
  existsSync(path: string): boolean {
    const place = this.#place(path);
    if (place.kind === "none") return false;
    return place.kind === "dir" || place.mount.fs.existsSync(place.inner);
  }
  statSync(path: string): VirtualStat {
    return this.#on(path, "stat", false, (fs, p) => fs.statSync(p), virtualDirStat);
  }
  lstatSync(path: string): VirtualStat {
    return this.#on(path, "lstat", false, (fs, p) => fs.lstatSync(p), virtualDirStat);
  }
  removeFileSync(path: string): void {
    this.#notMountPoint(path, "unlink");
    this.#on(path, "unlink", true, (fs, p) => fs.removeFileSync(p));
  }
  removeDirSync(path: string): void {
    this.#notMountPoint(path, "rmdir");
    this.#on(path, "rmdir", true, (fs, p) => fs.removeDirSync(p));
  }
  renameSync(oldPath: string, newPath: string): void {
    this.#pair(oldPath, newPath, "rename", (fs, a, b) => fs.renameSync(a, b));
  }
  symlinkSync(target: string, linkPath: string): void {
    this.#notMountPoint(linkPath, "symlink");
    this.#on(linkPath, "symlink", true, (fs, p) => fs.symlinkSync(target, p));
  }
  readlinkSync(path: string): string {
    return this.#on(path, "readlink", false, (fs, p) => fs.readlinkSync(p), () => {
      throw fsError("EINVAL", "readlink", path);
    });
  }
  realpathSync(path: string): string {
    const place = this.#place(path);
    if (place.kind === "mount") {
      const inner = this.#on(path, "realpath", false, (fs, p) => fs.realpathSync(p));
      const at = place.mount.at;
      return at === "/" ? inner : inner === "/" ? at : `${at}${inner}`;
    }
    if (place.kind === "dir") return normalizeGuestPath(path);
    throw fsError("ENOENT", "realpath", path);
  }
  linkSync(existingPath: string, newPath: string): void {
    this.#pair(existingPath, newPath, "link", (fs, a, b) => fs.linkSync(a, b));
  }
  chmodSync(path: string, mode: number): void {
    this.#on(path, "chmod", true, (fs, p) => fs.chmodSync(p, mode));
  }
  utimesSync(path: string, atime: number, mtime: number): void {
    this.#on(path, "utime", true, (fs, p) => fs.utimesSync(p, atime, mtime));
  }
  truncateSync(path: string, length: number): void {
    this.#on(path, "open", true, (fs, p) => fs.truncateSync(p, length));
  }
  appendFileSync(path: string, data: Uint8Array | string): void {
    this.#on(path, "open", true, (fs, p) => fs.appendFileSync(p, data));
  }
  copyFileSync(src: string, dest: string, options?: { exclusive?: boolean }): void {
    const a = this.#place(src);
    const b = this.#place(dest);
    if (a.kind === "mount" && b.kind === "mount" && a.mount === b.mount) {
      this.#pair(src, dest, "copyfile", (fs, x, y) => fs.copyFileSync(x, y, options));
      return;
    }
    // Across mounts: the bytes are read from one and written to the other.
    const bytes = this.readFileSync(src);
    if (options?.exclusive === true && this.existsSync(dest)) throw fsError("EEXIST", "copyfile", src, dest);
    this.writeFileSync(dest, bytes);
  }
  accessSync(path: string, mode = 0): void {
    this.#on(path, "access", (mode & W_OK) !== 0, (fs, p) => fs.accessSync(p, mode), () => undefined);
  }
  openSync(path: string, flags: VirtualOpenFlags, mode?: number): VirtualFileHandle {
    return this.#on(path, "open", flags !== "r", (fs, p) => fs.openSync(p, flags, mode));
  }

  readFile = async (path: string) => this.readFileSync(path);
  readTextFile = async (path: string) => this.readTextFileSync(path);
  readDir = async (path: string) => this.readDirSync(path);
  readDirWithTypes = async (path: string) => this.readDirWithTypesSync(path);
  writeFile = async (path: string, data: Uint8Array | string) => this.writeFileSync(path, data);
  createDir = async (path: string) => this.createDirSync(path);
  mkdir = async (path: string, options?: { recursive?: boolean }) => this.mkdirSync(path, options);
  exists = async (path: string) => this.existsSync(path);
  stat = async (path: string) => this.statSync(path);
  removeFile = async (path: string) => this.removeFileSync(path);
  removeDir = async (path: string) => this.removeDirSync(path);
  rename = async (oldPath: string, newPath: string) => this.renameSync(oldPath, newPath);
  lstat = async (path: string) => this.lstatSync(path);
  symlink = async (target: string, linkPath: string) => this.symlinkSync(target, linkPath);
  readlink = async (path: string) => this.readlinkSync(path);
  realpath = async (path: string) => this.realpathSync(path);
  link = async (existingPath: string, newPath: string) => this.linkSync(existingPath, newPath);
  chmod = async (path: string, mode: number) => this.chmodSync(path, mode);
  utimes = async (path: string, atime: number, mtime: number) => this.utimesSync(path, atime, mtime);
  truncate = async (path: string, length: number) => this.truncateSync(path, length);
  appendFile = async (path: string, data: Uint8Array | string) => this.appendFileSync(path, data);
  copyFile = async (src: string, dest: string, options?: { exclusive?: boolean }) => this.copyFileSync(src, dest, options);
  access = async (path: string, mode?: number) => this.accessSync(path, mode);
  open = async (path: string, flags: VirtualOpenFlags, mode?: number) => this.openSync(path, flags, mode);
}
