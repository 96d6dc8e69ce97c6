/**
 * NodeFileSystem confinement: whatever path or link the sandbox uses, it reads and writes
 * only under its root. Each test puts a secret file next to (outside) the root.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NodeFileSystem } from "../../src/driver/node-fs.js";

let outer: string;
let root: string;
let secret: string;
let fs: NodeFileSystem;

beforeEach(() => {
  outer = mkdtempSync(join(tmpdir(), "quicksand-nodefs-"));
  root = join(outer, "root");
  mkdirSync(root);
  secret = join(outer, "secret.txt");
  writeFileSync(secret, "SECRET");
  fs = new NodeFileSystem({ root });
});
afterEach(() => rmSync(outer, { recursive: true, force: true }));

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe("NodeFileSystem", () => {
  it("maps / to the root", () => {
    writeFileSync(join(root, "a.txt"), "A");
    expect(fs.readTextFileSync("/a.txt")).toBe("A");
    expect(fs.readDirSync("/")).toEqual(["a.txt"]);
    fs.writeFileSync("/new/b.txt", "B");
    expect(readFileSync(join(root, "new", "b.txt"), "utf8")).toBe("B");
  });

  it("stops '..' at the root", () => {
    expect(codeOf(() => fs.readFileSync("/../secret.txt"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/a/../../secret.txt"))).toBe("ENOENT");
    fs.writeFileSync("/../../escape.txt", "x");
    expect(existsSync(join(outer, "escape.txt"))).toBe(false);
    expect(existsSync(join(root, "escape.txt"))).toBe(true);
  });

  it("reads an absolute link target from the root, as under chroot", () => {
    symlinkSync(secret, join(root, "abs"));
    expect(codeOf(() => fs.readFileSync("/abs"))).toBe("ENOENT");
    // The link names <root><secret>, which does not exist.
    expect(codeOf(() => fs.realpathSync("/abs"))).toBe("ENOENT");
    expect(fs.existsSync("/abs")).toBe(false);
    mkdirSync(join(root, outer), { recursive: true });
    writeFileSync(join(root, outer, "secret.txt"), "decoy inside the root");
    expect(fs.readTextFileSync("/abs")).toBe("decoy inside the root");
    expect(fs.realpathSync("/abs")).toBe(secret);
  });

  it("never follows a relative link out of the root", () => {
    symlinkSync("../secret.txt", join(root, "rel"));
    symlinkSync("../../../../../../secret.txt", join(root, "deep"));
    expect(codeOf(() => fs.readFileSync("/rel"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/deep"))).toBe("ENOENT");
    expect(fs.readlinkSync("/rel")).toBe("../secret.txt");
  });

  it("never follows a linked directory out of the root", () => {
    symlinkSync(outer, join(root, "up"));
    expect(codeOf(() => fs.readFileSync("/up/secret.txt"))).toBe("ENOENT");
    expect(codeOf(() => fs.readDirSync("/up/root"))).toBe("ENOENT");
    expect(codeOf(() => fs.writeFileSync("/up/planted.txt", "x"))).toBe("ENOENT");
    expect(existsSync(join(outer, "planted.txt"))).toBe(false);
  });

  it("never writes through a link to a file outside the root", () => {
    symlinkSync(secret, join(root, "w"));
    expect(codeOf(() => fs.writeFileSync("/w", "overwritten"))).toBe("ENOENT");
    expect(codeOf(() => fs.appendFileSync("/w", "more"))).toBe("ENOENT");
    expect(codeOf(() => fs.openSync("/w", "a"))).toBe("ENOENT");
    expect(codeOf(() => fs.truncateSync("/w", 0))).toBe("ENOENT");
    expect(codeOf(() => fs.chmodSync("/w", 0o777))).toBe("ENOENT");
    expect(readFileSync(secret, "utf8")).toBe("SECRET");
  });

  it("keeps links the sandbox makes inside the root", () => {
    fs.symlinkSync(secret, "/mine");
    fs.symlinkSync("../../secret.txt", "/mine2");
    expect(codeOf(() => fs.readFileSync("/mine"))).toBe("ENOENT");
    expect(codeOf(() => fs.readFileSync("/mine2"))).toBe("ENOENT");
    fs.linkSync("/mine", "/hard");
    expect(codeOf(() => fs.readFileSync("/hard"))).toBe("ENOENT");
  });

  it("does not rename, copy or link across the root", () => {
    fs.writeFileSync("/in.txt", "in");
    fs.renameSync("/in.txt", "/../../moved.txt");
    expect(existsSync(join(outer, "moved.txt"))).toBe(false);
    expect(fs.readTextFileSync("/moved.txt")).toBe("in");
    symlinkSync(outer, join(root, "out"));
    expect(codeOf(() => fs.copyFileSync("/out/secret.txt", "/copy.txt"))).toBe("ENOENT");
    expect(codeOf(() => fs.linkSync("/out/secret.txt", "/l.txt"))).toBe("ENOENT");
  });

  it("fails with ELOOP on a link cycle", () => {
    symlinkSync("b", join(root, "a"));
    symlinkSync("a", join(root, "b"));
    expect(codeOf(() => fs.readFileSync("/a"))).toBe("ELOOP");
  });

  it("names guest paths, never host paths, in its errors", () => {
    try {
      fs.readFileSync("/missing.txt");
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe("ENOENT: no such file or directory, open '/missing.txt'");
      expect((e as Error).message).not.toContain(root);
    }
  });

  it("rejects a root that is missing, relative or not a directory", () => {
    expect(() => new NodeFileSystem({ root: join(outer, "none") })).toThrow(/does not exist/);
    expect(() => new NodeFileSystem({ root: "relative" })).toThrow(TypeError);
    expect(() => new NodeFileSystem({ root: secret })).toThrow(/not a directory/);
  });
});
