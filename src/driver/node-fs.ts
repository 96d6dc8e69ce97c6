/**
 * NodeFileSystem: a VirtualFileSystem on the host's real filesystem, confined to one root
 * directory. The guest's `/` is the root; nothing it names can reach outside:
 *  - paths are normalized lexically first, so `..` stops at the root;
 *  - symbolic links are resolved here, one component at a time, with the root as `/`
 *    (a link to `/etc` means `<root>/etc`, as under chroot), so no link leads out;
 *  - the resolved host path has no link left in it, and files are opened with O_NOFOLLOW,
 *    so the kernel never follows a link on our behalf.
 * Every method does its work synchronously, the async ones included: path resolution
 * and the system call that uses it then happen with no other guest operation in
 * between, so a concurrent guest call cannot swap a directory for a link mid-way.
 */
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  accessSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
  type Stats,
} from "node:fs";
import { isAbsolute, join } from "node:path";
import { dataBytes, errorCode, fsError, normalizeGuestPath, openFlags, rethrowAs, splitPath, statFromHost } from "./fs-util";
import type { VirtualDirEntry, VirtualFileHandle, VirtualFileSystem, VirtualOpenFlags, VirtualStat } from "./types";

/** Links followed in one lookup before ELOOP, as Linux's MAXSYMLINKS. */
const MAX_LINK_HOPS = 40;
const ON_WINDOWS = process.platform === "win32";

export interface NodeFileSystemOptions {
  /** The host directory the sandbox sees as `/`. It must exist. */
  root: string;
}

/** An open host file descriptor. */
class NodeFileHandle implements Required<VirtualFileHandle> {
  #fd: number | undefined;
  constructor(fd: number) {
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
  writeSync(data: Uint8Array, position: number): number {
    const fd = this.#live("write");
    let written = 0;
    while (written < data.length) {
      written += writeSync(fd, data, written, data.length - written, position + written);
    }
    return written;
  }
  statSync(): VirtualStat {
    return statFromHost(fstatSync(this.#live("fstat")));
  }
  truncateSync(length: number): void {
    ftruncateSync(this.#live("ftruncate"), length);
  }
  syncSync(): void {
    fsyncSync(this.#live("fsync"));
  }
  closeSync(): void {
    const fd = this.#live("close");
    this.#fd = undefined;
    closeSync(fd);
  }
  read = async (length: number, position: number) => this.readSync(length, position);
  write = async (data: Uint8Array, position: number) => this.writeSync(data, position);
  stat = async () => this.statSync();
  truncate = async (length: number) => this.truncateSync(length);
  sync = async () => this.syncSync();
  close = async () => this.closeSync();
}

/**
 * The host's filesystem under `root`, seen by the sandbox as `/`. Implements every
 * VirtualFileSystem method and its synchronous counterpart.
 * @example
 * const fs = new NodeFileSystem({ root: "/srv/sandbox-data" });
 * const driver = createNodeDriver({ filesystem: fs, permissions: allowAllFs });
 */
export class NodeFileSystem implements Required<VirtualFileSystem> {
  readonly #root: string;

  constructor(options: NodeFileSystemOptions) {
    const root: unknown = (options as Partial<NodeFileSystemOptions> | undefined)?.root;
    if (typeof root !== "string" || !isAbsolute(root) || root.includes("\0")) {
      throw new TypeError(`NodeFileSystem: root must be an absolute host path, got ${typeof root === "string" ? JSON.stringify(root) : typeof root}`);
    }
    let real: string;
    try {
      real = realpathSync(root);
    } catch {
      throw new TypeError(`NodeFileSystem: root ${JSON.stringify(root)} does not exist`);
    }
    if (!statSync(real).isDirectory()) throw new TypeError(`NodeFileSystem: root ${JSON.stringify(root)} is not a directory`);
    this.#root = real;
  }

  #host(segments: readonly string[]): string {
    return segments.length === 0 ? this.#root : join(this.#root, ...segments);
  }

  /**
   * The segments of `path` under the root with every symbolic link resolved (the last
   * one only when `followLast`). The last component may be missing; a missing or
   * non-directory component before it fails like the system call would.
   */
  #resolve(path: string, followLast: boolean, syscall: string): string[] {
    const pending = splitPath(path);
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === "" || name === ".") continue;
      if (name === "..") {
        done.pop();
        continue;
      }
      // On Windows a backslash is a separator the lexical pass did not see.
      if (ON_WINDOWS && (name.includes("\\") || name.includes(":"))) throw fsError("ENOENT", syscall, path);
      const isLast = pending.length === 0;
      let stats: Stats | undefined;
      try {
        stats = lstatSync(this.#host([...done, name]));
      } catch (error) {
        const code = errorCode(error);
        if (code !== "ENOENT" && code !== "ENOTDIR") rethrowAs(error, syscall, path);
      }
      if (!stats) {
        if (!isLast) throw fsError("ENOENT", syscall, path);
        done.push(name);
        break;
      }
      if (stats.isSymbolicLink() && (followLast || !isLast)) {
        if (++hops > MAX_LINK_HOPS) throw fsError("ELOOP", syscall, path);
        const target = readlinkSync(this.#host([...done, name]), "utf8");
        // Inside the root an absolute target starts from the root, as under chroot.
        if (target.startsWith("/")) done.length = 0;
        pending.unshift(...target.split("/"));
        continue;
      }
      if (!isLast && !stats.isDirectory()) throw fsError("ENOTDIR", syscall, path);
      done.push(name);
    }
    return done;
  }

  #path(path: string, followLast: boolean, syscall: string): string {
    return this.#host(this.#resolve(normalizeGuestPath(path), followLast, syscall));
  }

  /** Runs `fn` on the resolved host path; host errors come back naming the guest path. */
  #at<T>(path: string, followLast: boolean, syscall: string, fn: (host: string) => T): T {
    const guest = normalizeGuestPath(path);
    const host = this.#path(guest, followLast, syscall);
    try {
      return fn(host);
    } catch (error) {
      return rethrowAs(error, syscall, guest);
    }
  }

  #withFd<T>(path: string, flags: number, syscall: string, fn: (fd: number) => T, mode = 0o666): T {
    return this.#at(path, true, syscall, (host) => {
      const fd = openSync(host, flags | (constants.O_NOFOLLOW ?? 0), mode);
      try {
        return fn(fd);
      } finally {
        closeSync(fd);
      }
    });
  }

  readFileSync(path: string): Uint8Array {
    return this.#withFd(path, constants.O_RDONLY, "open", (fd) => {
      const bytes = readFileSync(fd);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  readTextFileSync(path: string): string {
    return new TextDecoder().decode(this.readFileSync(path));
  }

  readDirSync(path: string): string[] {
    return this.#at(path, true, "scandir", (host) => readdirSync(host, "utf8"));
  }

  readDirWithTypesSync(path: string): VirtualDirEntry[] {
    return this.#at(path, true, "scandir", (host) =>
      readdirSync(host, { withFileTypes: true, encoding: "utf8" }).map((entry) => ({
        name: entry.name,
        isDirectory: entry.isDirectory(),
        isFile: entry.isFile(),
        isSymbolicLink: entry.isSymbolicLink(),
      })),
    );
  }

  /** Creates missing parent directories first, as the in-memory filesystem does. */
  writeFileSync(path: string, data: Uint8Array | string): void {
    const guest = normalizeGuestPath(path);
    const bytes = dataBytes(data);
    const parent = `/${splitPath(guest).slice(0, -1).join("/")}`;
    this.mkdirSync(parent, { recursive: true });
    const { O_WRONLY, O_CREAT, O_TRUNC } = constants;
    this.#withFd(guest, O_WRONLY | O_CREAT | O_TRUNC, "open", (fd) => {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    });
  }

  createDirSync(path: string): void {
    this.#at(path, false, "mkdir", (host) => mkdirSync(host));
  }

  mkdirSync(path: string, options?: { recursive?: boolean }): void {
    if (options?.recursive !== true) return this.createDirSync(path);
    const guest = normalizeGuestPath(path);
    const segments = splitPath(guest);
    // One level at a time, each resolved afresh, so a link met on the way stays inside.
    for (let i = 1; i <= segments.length; i++) {
      const prefix = `/${segments.slice(0, i).join("/")}`;
      this.#at(prefix, true, "mkdir", (host) => {
        let stats: Stats | undefined;
        try {
          stats = lstatSync(host);
        } catch {
          mkdirSync(host);
          return;
        }
        if (!stats.isDirectory()) throw fsError(i === segments.length ? "EEXIST" : "ENOTDIR", "mkdir", guest);
      });
    }
  }

  existsSync(path: string): boolean {
    try {
      this.#at(path, true, "access", (host) => lstatSync(host));
      return true;
    } catch {
      return false;
    }
  }

  statSync(path: string): VirtualStat {
    return this.#at(path, true, "stat", (host) => {
      const stats = lstatSync(host);
      // A link here means one appeared after resolution; do not follow it.
      if (stats.isSymbolicLink()) throw fsError("ELOOP", "stat", path);
      return statFromHost(stats);
    });
  }

  removeFileSync(path: string): void {
    this.#at(path, false, "unlink", (host) => unlinkSync(host));
  }

  removeDirSync(path: string): void {
    this.#at(path, false, "rmdir", (host) => rmdirSync(host));
  }

  renameSync(oldPath: string, newPath: string): void {
    const from = normalizeGuestPath(oldPath, "oldPath");
    const to = normalizeGuestPath(newPath, "newPath");
    const hostFrom = this.#path(from, false, "rename");
    const hostTo = this.#path(to, false, "rename");
    try {
      renameSync(hostFrom, hostTo);
    } catch (error) {
      rethrowAs(error, "rename", from, to);
    }
  }

  lstatSync(path: string): VirtualStat {
    return this.#at(path, false, "lstat", (host) => statFromHost(lstatSync(host)));
  }

  /** The target is stored as given; this filesystem reads an absolute one from its root. */
  symlinkSync(target: string, linkPath: string): void {
    if (typeof target !== "string" || target === "" || target.includes("\0")) {
      throw Object.assign(new TypeError("The argument 'target' must be a non-empty string without null bytes"), { code: "ERR_INVALID_ARG_VALUE" });
    }
    const link = normalizeGuestPath(linkPath, "linkPath");
    const host = this.#path(link, false, "symlink");
    try {
      symlinkSync(target, host);
    } catch (error) {
      rethrowAs(error, "symlink", target, link);
    }
  }

  readlinkSync(path: string): string {
    return this.#at(path, false, "readlink", (host) => readlinkSync(host, "utf8"));
  }

  realpathSync(path: string): string {
    const guest = normalizeGuestPath(path);
    const segments = this.#resolve(guest, true, "realpath");
    try {
      lstatSync(this.#host(segments));
    } catch (error) {
      rethrowAs(error, "realpath", guest);
    }
    return `/${segments.join("/")}`;
  }

  linkSync(existingPath: string, newPath: string): void {
    const from = normalizeGuestPath(existingPath, "existingPath");
    const to = normalizeGuestPath(newPath, "newPath");
    const hostFrom = this.#path(from, false, "link");
    const hostTo = this.#path(to, false, "link");
    try {
      linkSync(hostFrom, hostTo);
    } catch (error) {
      rethrowAs(error, "link", from, to);
    }
  }

  chmodSync(path: string, mode: number): void {
    this.#at(path, true, "chmod", (host) => chmodSync(host, mode & 0o7777));
  }

  utimesSync(path: string, atime: number, mtime: number): void {
    this.#at(path, true, "utime", (host) => utimesSync(host, atime, mtime));
  }

  truncateSync(path: string, length: number): void {
    this.#withFd(path, constants.O_WRONLY, "open", (fd) => ftruncateSync(fd, length));
  }

  appendFileSync(path: string, data: Uint8Array | string): void {
    const bytes = dataBytes(data);
    const { O_WRONLY, O_CREAT, O_APPEND } = constants;
    this.#withFd(path, O_WRONLY | O_CREAT | O_APPEND, "open", (fd) => {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    });
  }

  copyFileSync(src: string, dest: string, options?: { exclusive?: boolean }): void {
    const from = normalizeGuestPath(src, "src");
    const to = normalizeGuestPath(dest, "dest");
    const hostFrom = this.#path(from, true, "copyfile");
    const hostTo = this.#path(to, true, "copyfile");
    try {
      copyFileSync(hostFrom, hostTo, options?.exclusive === true ? constants.COPYFILE_EXCL : 0);
    } catch (error) {
      rethrowAs(error, "copyfile", from, to);
    }
  }

  accessSync(path: string, mode = 0): void {
    this.#at(path, true, "access", (host) => accessSync(host, mode & 7));
  }

  openSync(path: string, flags: VirtualOpenFlags, mode = 0o666): VirtualFileHandle {
    const bits = openFlags(flags);
    return this.#at(path, true, "open", (host) => new NodeFileHandle(openSync(host, bits, mode & 0o7777)));
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
