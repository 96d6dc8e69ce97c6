/**
 * Attacks on the CLI's --mount filesystem (src/cli/mount-fs.ts): nothing outside the
 * mounted host directories can be reached — not with `..`, not through symbolic links a
 * host directory holds or the guest makes, not by renaming or linking across mounts — and
 * a read-only mount cannot be changed by any method.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NodeFileSystem } from "../../src/driver/node-fs.js";
import { MountFileSystem } from "../../src/cli/mount-fs.js";
import { tempDir } from "../cli/cli-helpers.js";

let dir: { path: string; remove(): void };
let fs: MountFileSystem;

beforeEach(() => {
  dir = tempDir("quicksand-mount-");
  for (const d of ["rw", "ro", "secret"]) mkdirSync(join(dir.path, d));
  writeFileSync(join(dir.path, "secret", "key.txt"), "SECRET");
  writeFileSync(join(dir.path, "ro", "file.txt"), "read only");
  writeFileSync(join(dir.path, "rw", "file.txt"), "writable");
  symlinkSync(join(dir.path, "secret", "key.txt"), join(dir.path, "rw", "abs-link"));
  symlinkSync("../secret/key.txt", join(dir.path, "rw", "rel-link"));
  fs = new MountFileSystem([
    { at: "/rw", fs: new NodeFileSystem({ root: join(dir.path, "rw") }), readOnly: false },
    { at: "/mnt/ro", fs: new NodeFileSystem({ root: join(dir.path, "ro") }), readOnly: true },
  ]);
});
afterEach(() => dir.remove());

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe("MountFileSystem confinement", () => {
  it("shows the mounts and the directories leading to them, nothing else", () => {
    expect(fs.readDirSync("/")).toEqual(["mnt", "rw"]);
    expect(fs.readDirSync("/mnt")).toEqual(["ro"]);
    expect(fs.statSync("/mnt").isDirectory).toBe(true);
    expect(codeOf(() => fs.readFileSync("/etc/passwd"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync(join(dir.path, "secret", "key.txt")))).toBe("ENOENT");
    expect(fs.existsSync("/secret")).toBe(false);
  });

  it("`..` stops at the sandbox root", () => {
    expect(codeOf(() => fs.readFileSync("/rw/../../../secret/key.txt"))).toBe("ENOENT");
    expect(fs.readTextFileSync("/rw/../rw/file.txt")).toBe("writable");
  });

  it("a host symbolic link in a mount cannot lead out of it, absolute or relative", () => {
    expect(codeOf(() => fs.readFileSync("/rw/abs-link"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/rw/rel-link"))).toBe("ENOENT");
  });

  it("a link the guest makes resolves inside its mount", () => {
    fs.symlinkSync("/", "/rw/to-root");
    fs.symlinkSync("../../..", "/rw/up");
    expect(fs.readTextFileSync("/rw/to-root/file.txt")).toBe("writable");
    expect(fs.readTextFileSync("/rw/up/file.txt")).toBe("writable");
    expect(codeOf(() => fs.readFileSync("/rw/to-root/rw/file.txt"))).toBe("ENOENT");
  });

  it("rename and link do not cross mounts, and mount points cannot be removed or replaced", () => {
    const two = new MountFileSystem([
      { at: "/a", fs: new NodeFileSystem({ root: join(dir.path, "rw") }), readOnly: false },
      { at: "/b", fs: new NodeFileSystem({ root: join(dir.path, "secret") }), readOnly: false },
    ]);
    expect(codeOf(() => two.renameSync("/a/file.txt", "/b/file.txt"))).toBe("EXDEV");
    expect(codeOf(() => two.linkSync("/b/key.txt", "/a/key.txt"))).toBe("EXDEV");
    expect(codeOf(() => two.renameSync("/a", "/c"))).toBe("EBUSY");
    expect(codeOf(() => two.renameSync("/a/file.txt", "/b"))).toBe("EBUSY");
    mkdirSync(join(dir.path, "empty"));
    const single = new MountFileSystem([{ at: "/e", fs: new NodeFileSystem({ root: join(dir.path, "empty") }), readOnly: false }]);
    expect(codeOf(() => single.removeDirSync("/e"))).toBe("EBUSY");
    expect(existsSync(join(dir.path, "empty"))).toBe(true);
  });

  it("a read-only mount refuses every change with EROFS and the host files stay as they were", async () => {
    const attempts: [string, () => unknown][] = [
      ["writeFile", () => fs.writeFileSync("/mnt/ro/new.txt", "x")],
      ["appendFile", () => fs.appendFileSync("/mnt/ro/file.txt", "x")],
      ["truncate", () => fs.truncateSync("/mnt/ro/file.txt", 0)],
      ["open a", () => fs.openSync("/mnt/ro/file.txt", "a")],
      ["open r+", () => fs.openSync("/mnt/ro/file.txt", "r+")],
      ["open w", () => fs.openSync("/mnt/ro/file.txt", "w")],
      ["mkdir", () => fs.mkdirSync("/mnt/ro/d", { recursive: true })],
      ["createDir", () => fs.createDirSync("/mnt/ro/d")],
      ["removeFile", () => fs.removeFileSync("/mnt/ro/file.txt")],
      ["rename", () => fs.renameSync("/mnt/ro/file.txt", "/mnt/ro/moved.txt")],
      ["rename out", () => fs.renameSync("/mnt/ro/file.txt", "/rw/moved.txt")],
      ["rename in", () => fs.renameSync("/rw/file.txt", "/mnt/ro/moved.txt")],
      ["copyFile in", () => fs.copyFileSync("/rw/file.txt", "/mnt/ro/copied.txt")],
      ["symlink", () => fs.symlinkSync("/x", "/mnt/ro/l")],
      ["link", () => fs.linkSync("/mnt/ro/file.txt", "/mnt/ro/l2")],
      ["chmod", () => fs.chmodSync("/mnt/ro/file.txt", 0o777)],
      ["utimes", () => fs.utimesSync("/mnt/ro/file.txt", 0, 0)],
      ["access W_OK", () => fs.accessSync("/mnt/ro/file.txt", 2)],
    ];
    for (const [name, attempt] of attempts) expect([name, codeOf(attempt)]).toEqual([name, "EROFS"]);
    await expect(fs.writeFile("/mnt/ro/async.txt", "x")).rejects.toMatchObject({ code: "EROFS", path: "/mnt/ro/async.txt" });
    expect(readFileSync(join(dir.path, "ro", "file.txt"), "utf8")).toBe("read only");
    expect(existsSync(join(dir.path, "ro", "new.txt"))).toBe(false);
    expect(fs.readTextFileSync("/mnt/ro/file.txt")).toBe("read only");
    expect(fs.openSync("/mnt/ro/file.txt", "r").readSync!(4, 0)).toEqual(new TextEncoder().encode("read"));
  });

  it("nothing can be created outside the mounts, and errors name sandbox paths", () => {
    expect(codeOf(() => fs.writeFileSync("/x.txt", "x"))).toBe("EROFS");
    expect(codeOf(() => fs.mkdirSync("/mnt/other"))).toBe("EROFS");
    expect(codeOf(() => fs.mkdirSync("/mnt"))).toBe("EEXIST");
    let message = "";
    try {
      fs.readFileSync("/rw/missing.txt");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe("ENOENT: no such file or directory, open '/rw/missing.txt'");
    expect(fs.realpathSync("/rw/file.txt")).toBe("/rw/file.txt");
  });
});
