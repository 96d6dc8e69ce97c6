import { describe, expect, it } from "vitest";
import { createInMemoryFileSystem } from "../../src/driver/in-memory-fs";

type CodedError = Error & { code?: string; syscall?: string; path?: string };

function syncError(action: () => unknown): CodedError {
  try {
    action();
  } catch (error) {
    return error as CodedError;
  }
  throw new Error("expected the call to throw");
}

async function asyncError(action: () => Promise<unknown>): Promise<CodedError> {
  try {
    await action();
  } catch (error) {
    return error as CodedError;
  }
  throw new Error("expected the promise to reject");
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

describe("createInMemoryFileSystem", () => {
  it("starts with an empty root directory", async () => {
    const fs = createInMemoryFileSystem();
    expect(await fs.readDir("/")).toEqual([]);
    expect((await fs.stat("/")).isDirectory).toBe(true);
  });

  it("returns a frozen object with every async and sync method", () => {
    const fs = createInMemoryFileSystem();
    expect(Object.isFrozen(fs)).toBe(true);
    expect(Object.keys(fs).sort()).toEqual(
      [
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
      ]
        .flatMap((name) => [name, `${name}Sync`])
        .sort(),
    );
  });

  it("keeps separate filesystems separate", async () => {
    const a = createInMemoryFileSystem();
    const b = createInMemoryFileSystem();
    await a.writeFile("/only-a.txt", "a");
    expect(await b.exists("/only-a.txt")).toBe(false);
  });

  it("shares one state between the async and sync methods", async () => {
    const fs = createInMemoryFileSystem();
    fs.writeFileSync("/sync.txt", "from sync");
    expect(await fs.readTextFile("/sync.txt")).toBe("from sync");
    await fs.writeFile("/async.txt", "from async");
    expect(fs.readTextFileSync("/async.txt")).toBe("from async");
  });

  describe("writeFile and readFile", () => {
    it("round-trips text", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/hello.txt", "héllo wörld ✓");
      expect(await fs.readTextFile("/hello.txt")).toBe("héllo wörld ✓");
      expect(Array.from(await fs.readFile("/hello.txt"))).toEqual(Array.from(Buffer.from("héllo wörld ✓")));
    });

    it("round-trips bytes", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/bytes.bin", new Uint8Array([0, 1, 254, 255]));
      expect(Array.from(await fs.readFile("/bytes.bin"))).toEqual([0, 1, 254, 255]);
      expect(Array.from(fs.readFileSync("/bytes.bin"))).toEqual([0, 1, 254, 255]);
    });

    it("creates missing parent directories, as the seed's example needs", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/app/data.json", '{"key": "value"}');
      expect(await fs.readTextFile("/app/data.json")).toBe('{"key": "value"}');
      fs.writeFileSync("/a/b/c/d.txt", "deep");
      expect(fs.readDirSync("/a/b/c")).toEqual(["d.txt"]);
      expect(fs.statSync("/a/b").isDirectory).toBe(true);
    });

    it("resolves '..' in the parent it creates", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/x/../y/z.txt", "z");
      expect(await fs.readDir("/")).toEqual(["y"]);
      expect(await fs.readTextFile("/y/z.txt")).toBe("z");
    });

    it("overwrites an existing file", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/f.txt", "first, longer");
      await fs.writeFile("/f.txt", "second");
      expect(await fs.readTextFile("/f.txt")).toBe("second");
    });

    it("fails with ENOTDIR when a parent is a file", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/file", "x");
      const error = await asyncError(() => fs.writeFile("/file/child.txt", "y"));
      expect(error.code).toBe("ENOTDIR");
    });

    it("fails with EISDIR when the path is a directory", async () => {
      const fs = createInMemoryFileSystem();
      await fs.mkdir("/dir");
      const error = await asyncError(() => fs.writeFile("/dir", "y"));
      expect(error.code).toBe("EISDIR");
      expect(error.message).toBe("EISDIR: illegal operation on a directory, open '/dir'");
    });

    it("fails with ENOENT naming the path when the file is missing", async () => {
      const fs = createInMemoryFileSystem();
      const error = await asyncError(() => fs.readFile("/missing.txt"));
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe("ENOENT");
      expect(error.syscall).toBe("open");
      expect(error.path).toBe("/missing.txt");
      expect(error.message).toBe("ENOENT: no such file or directory, open '/missing.txt'");
      expect(syncError(() => fs.readTextFileSync("/missing.txt")).code).toBe("ENOENT");
    });

    it("fails with EISDIR when reading a directory", async () => {
      const fs = createInMemoryFileSystem();
      await fs.mkdir("/dir");
      expect((await asyncError(() => fs.readFile("/dir"))).code).toBe("EISDIR");
      expect((await asyncError(() => fs.readTextFile("/dir"))).code).toBe("EISDIR");
    });

    it("returns a plain Uint8Array, not a Buffer", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/f", "abc");
      const bytes = await fs.readFile("/f");
      expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
      expect(Object.getPrototypeOf(fs.readFileSync("/f"))).toBe(Uint8Array.prototype);
    });

    it("returns a fresh copy on every read, so changing it does not change the file", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/f", new Uint8Array([1, 2, 3]));
      const first = await fs.readFile("/f");
      first[0] = 99;
      const second = await fs.readFile("/f");
      expect(second).not.toBe(first);
      expect(second.buffer).not.toBe(first.buffer);
      expect(Array.from(second)).toEqual([1, 2, 3]);
    });

    it("copies written bytes, so changing the source afterwards does not change the file", async () => {
      const fs = createInMemoryFileSystem();
      const source = new Uint8Array([1, 2, 3]);
      await fs.writeFile("/f", source);
      source[0] = 99;
      fs.writeFileSync("/g", source);
      source[1] = 98;
      expect(Array.from(await fs.readFile("/f"))).toEqual([1, 2, 3]);
      expect(Array.from(fs.readFileSync("/g"))).toEqual([99, 2, 3]);
    });

    it("rejects data that is neither a string nor a Uint8Array", async () => {
      const fs = createInMemoryFileSystem();
      const error = await asyncError(() => fs.writeFile("/f", 42 as unknown as string));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
      expect(error.message).toBe(
        'The "data" argument must be of type string or an instance of Uint8Array. Received number',
      );
    });
  });

  describe("paths", () => {
    it("rejects a relative path instead of resolving it against the host's cwd", async () => {
      const fs = createInMemoryFileSystem();
      const error = await asyncError(() => fs.writeFile("app/data.json", "x"));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.code).toBe("ERR_INVALID_ARG_VALUE");
      expect(error.message).toBe(
        "The argument 'path' must be an absolute POSIX path without null bytes. Received \"app/data.json\"",
      );
    });

    it("rejects a path with a null byte", () => {
      const fs = createInMemoryFileSystem();
      expect(syncError(() => fs.statSync("/a\0b")).code).toBe("ERR_INVALID_ARG_VALUE");
    });

    it("rejects a path that is not a string", () => {
      const fs = createInMemoryFileSystem();
      const error = syncError(() => fs.readDirSync(7 as unknown as string));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
      expect(error.message).toBe('The "path" argument must be of type string. Received number');
    });

    it("names the rename argument that is wrong", () => {
      const fs = createInMemoryFileSystem();
      expect(syncError(() => fs.renameSync("/a", "b")).message).toBe(
        "The argument 'newPath' must be an absolute POSIX path without null bytes. Received \"b\"",
      );
    });
  });

  describe("directories", () => {
    it("readDir lists names and readDirWithTypes tells files from directories", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/root/b.txt", "b");
      await fs.mkdir("/root/a");
      expect(await fs.readDir("/root")).toEqual(["a", "b.txt"]);
      expect(await fs.readDirWithTypes("/root")).toEqual([
        { name: "a", isDirectory: true, isFile: false, isSymbolicLink: false },
        { name: "b.txt", isDirectory: false, isFile: true, isSymbolicLink: false },
      ]);
      expect(fs.readDirWithTypesSync("/root")).toEqual(await fs.readDirWithTypes("/root"));
    });

    it("readDir fails with ENOENT for a missing directory and ENOTDIR for a file", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/f", "x");
      const missing = await asyncError(() => fs.readDir("/nope"));
      expect(missing.code).toBe("ENOENT");
      expect(missing.message).toBe("ENOENT: no such file or directory, scandir '/nope'");
      expect((await asyncError(() => fs.readDirWithTypes("/f"))).code).toBe("ENOTDIR");
    });

    it("createDir makes one level and fails with EEXIST or ENOENT like mkdir(2)", async () => {
      const fs = createInMemoryFileSystem();
      await fs.createDir("/one");
      expect((await fs.stat("/one")).isDirectory).toBe(true);
      const exists = await asyncError(() => fs.createDir("/one"));
      expect(exists.code).toBe("EEXIST");
      expect(exists.message).toBe("EEXIST: file already exists, mkdir '/one'");
      expect((await asyncError(() => fs.createDir("/two/three"))).code).toBe("ENOENT");
      expect(syncError(() => fs.createDirSync("/one")).code).toBe("EEXIST");
    });

    it("mkdir without recursive behaves like createDir", async () => {
      const fs = createInMemoryFileSystem();
      await fs.mkdir("/one");
      expect((await asyncError(() => fs.mkdir("/one"))).code).toBe("EEXIST");
      expect((await asyncError(() => fs.mkdir("/x/y", { recursive: false }))).code).toBe("ENOENT");
    });

    it("mkdir with recursive creates nested directories and accepts an existing one", async () => {
      const fs = createInMemoryFileSystem();
      await fs.mkdir("/a/b/c", { recursive: true });
      await fs.mkdir("/a/b/c", { recursive: true });
      fs.mkdirSync("/a/b/d", { recursive: true });
      expect(await fs.readDir("/a/b")).toEqual(["c", "d"]);
    });

    it("mkdir with recursive fails with EEXIST on a file and ENOTDIR through one, like Node", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/f", "x");
      const onFile = await asyncError(() => fs.mkdir("/f", { recursive: true }));
      expect(onFile.code).toBe("EEXIST");
      expect(onFile.message).toBe("EEXIST: file already exists, mkdir '/f'");
      expect((await asyncError(() => fs.mkdir("/f/g", { recursive: true }))).code).toBe("ENOTDIR");
    });

    it("mkdir rejects options of the wrong type", () => {
      const fs = createInMemoryFileSystem();
      const error = syncError(() => fs.mkdirSync("/a", { recursive: "yes" } as unknown as { recursive: boolean }));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('The "options.recursive" property must be of type boolean. Received string');
    });

    it("removeDir removes an empty directory", async () => {
      const fs = createInMemoryFileSystem();
      await fs.mkdir("/empty");
      await fs.removeDir("/empty");
      expect(await fs.exists("/empty")).toBe(false);
    });

    it("removeDir fails with ENOTEMPTY, ENOTDIR and ENOENT", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/full/f.txt", "x");
      const notEmpty = await asyncError(() => fs.removeDir("/full"));
      expect(notEmpty.code).toBe("ENOTEMPTY");
      expect(notEmpty.message).toBe("ENOTEMPTY: directory not empty, rmdir '/full'");
      expect((await asyncError(() => fs.removeDir("/full/f.txt"))).code).toBe("ENOTDIR");
      expect(syncError(() => fs.removeDirSync("/nope")).code).toBe("ENOENT");
      expect(await fs.readDir("/full")).toEqual(["f.txt"]);
    });
  });

  describe("exists", () => {
    it("tells whether a path exists", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/d/f", "x");
      expect(await fs.exists("/d/f")).toBe(true);
      expect(await fs.exists("/d")).toBe(true);
      expect(await fs.exists("/d/g")).toBe(false);
      expect(fs.existsSync("/d/f")).toBe(true);
    });

    it("answers false for an invalid path, as Node's existsSync does", async () => {
      const fs = createInMemoryFileSystem();
      expect(await fs.exists("d")).toBe(false);
      expect(fs.existsSync(5 as unknown as string)).toBe(false);
    });
  });

  describe("stat", () => {
    it("describes a file with numbers in a fresh plain object", async () => {
      const fs = createInMemoryFileSystem();
      const before = Date.now();
      await fs.writeFile("/f.txt", "12345");
      const stat = await fs.stat("/f.txt");
      expect(Object.getPrototypeOf(stat)).toBe(Object.prototype);
      expect(stat.size).toBe(5);
      expect(stat.isFile).toBe(true);
      expect(stat.isDirectory).toBe(false);
      expect(stat.isSymbolicLink).toBe(false);
      expect(stat.mode & S_IFMT).toBe(S_IFREG);
      expect(stat.nlink).toBe(1);
      expect(typeof stat.ino).toBe("number");
      for (const time of [stat.atimeMs, stat.mtimeMs, stat.ctimeMs, stat.birthtimeMs]) {
        expect(typeof time).toBe("number");
        expect(time).toBeGreaterThanOrEqual(before - 1);
      }
      expect(await fs.stat("/f.txt")).not.toBe(stat);
    });

    it("describes a directory", () => {
      const fs = createInMemoryFileSystem();
      fs.mkdirSync("/d");
      const stat = fs.statSync("/d");
      expect(stat.isDirectory).toBe(true);
      expect(stat.isFile).toBe(false);
      expect(stat.mode & S_IFMT).toBe(S_IFDIR);
    });

    it("does not report the host's uid or gid", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/f", "x");
      const stat = await fs.stat("/f");
      expect("uid" in stat).toBe(false);
      expect("gid" in stat).toBe(false);
    });

    it("fails with ENOENT for a missing path", async () => {
      const fs = createInMemoryFileSystem();
      const error = await asyncError(() => fs.stat("/nope"));
      expect(error.code).toBe("ENOENT");
      expect(error.message).toBe("ENOENT: no such file or directory, stat '/nope'");
    });
  });

  describe("removeFile", () => {
    it("removes a file", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/f", "x");
      await fs.removeFile("/f");
      expect(await fs.exists("/f")).toBe(false);
    });

    it("fails with ENOENT for a missing file", async () => {
      const fs = createInMemoryFileSystem();
      const error = await asyncError(() => fs.removeFile("/nope"));
      expect(error.code).toBe("ENOENT");
      expect(error.message).toBe("ENOENT: no such file or directory, unlink '/nope'");
    });

    it("fails with EISDIR for a directory, as Node on Linux does", async () => {
      const fs = createInMemoryFileSystem();
      await fs.mkdir("/d");
      const error = await asyncError(() => fs.removeFile("/d"));
      expect(error.code).toBe("EISDIR");
      expect(error.syscall).toBe("unlink");
      expect(error.path).toBe("/d");
      expect(error.message).toBe("EISDIR: illegal operation on a directory, unlink '/d'");
      expect(syncError(() => fs.removeFileSync("/d")).code).toBe("EISDIR");
      expect(await fs.exists("/d")).toBe(true);
    });
  });

  describe("rename", () => {
    it("moves a file", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/a.txt", "a");
      await fs.mkdir("/sub");
      await fs.rename("/a.txt", "/sub/b.txt");
      expect(await fs.exists("/a.txt")).toBe(false);
      expect(await fs.readTextFile("/sub/b.txt")).toBe("a");
    });

    it("moves a directory with its contents", () => {
      const fs = createInMemoryFileSystem();
      fs.writeFileSync("/old/inner/f.txt", "f");
      fs.renameSync("/old", "/new");
      expect(fs.existsSync("/old")).toBe(false);
      expect(fs.readTextFileSync("/new/inner/f.txt")).toBe("f");
    });

    it("fails with ENOENT when the source is missing", async () => {
      const fs = createInMemoryFileSystem();
      const error = await asyncError(() => fs.rename("/nope", "/x"));
      expect(error.code).toBe("ENOENT");
      expect(error.message).toBe("ENOENT: no such file or directory, rename '/nope' -> '/x'");
    });

    it("fails with ENOENT when the destination's parent is missing", async () => {
      const fs = createInMemoryFileSystem();
      await fs.writeFile("/a", "a");
      expect((await asyncError(() => fs.rename("/a", "/missing/b"))).code).toBe("ENOENT");
      expect(await fs.readTextFile("/a")).toBe("a");
    });
  });
});

describe("createInMemoryFileSystem byte budget", () => {
  it("refuses writes past maxBytes with ENOSPC and counts an overwritten file once", async () => {
    const { createInMemoryFileSystem: make } = await import("../../src/driver/in-memory-fs.js");
    const fs = make({ maxBytes: 10 });
    fs.writeFileSync("/a", "12345");
    fs.writeFileSync("/a", "1234567890");
    expect(() => fs.writeFileSync("/b", "x")).toThrow(expect.objectContaining({ code: "ENOSPC", errno: -28, syscall: "open", path: "/b" }));
    expect(() => fs.appendFileSync("/a", "y")).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    fs.truncateSync("/a", 4);
    fs.linkSync("/a", "/hard");
    fs.writeFileSync("/c", "123456");
    const h = fs.openSync("/c", "r+");
    expect(() => h.writeSync!(new Uint8Array(1), 6)).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    expect(h.writeSync!(new Uint8Array(2), 0)).toBe(2);
    h.closeSync!();
    fs.removeFileSync("/c");
    fs.writeFileSync("/d", "123456");
    expect(fs.readTextFileSync("/d")).toBe("123456");
  });

  it("validates maxBytes and accepts Infinity", async () => {
    const { createInMemoryFileSystem: make } = await import("../../src/driver/in-memory-fs.js");
    expect(() => make({ maxBytes: -1 })).toThrow(/maxBytes must be a positive number \(or Infinity\), got -1/);
    make({ maxBytes: Infinity }).writeFileSync("/big", new Uint8Array(1 << 20));
  });
});
