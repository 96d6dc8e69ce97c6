/**
 * One suite for every VirtualFileSystem (in-memory, host, module overlay): what the
 * sandbox relies on, through both the async methods and their sync counterparts. Each
 * implementation's test file calls `describeVfsConformance` with a factory.
 */
import { describe, expect, it } from "vitest";
import type { VirtualFileSystem } from "../../src/driver/types.js";

export interface VfsUnderTest {
  fs: VirtualFileSystem;
  /** A writable directory to work in ("/" for a fresh filesystem). */
  base: string;
  cleanup?: () => void;
}

type Mode = "async" | "sync";

/** Calls `fs[method]` or `fs[method + "Sync"]`, always returning a promise. */
function caller(fs: VirtualFileSystem, mode: Mode) {
  return async <T = unknown>(method: string, ...args: unknown[]): Promise<T> => {
    const name = mode === "sync" ? `${method}Sync` : method;
    const fn = (fs as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    if (typeof fn !== "function") throw new Error(`missing ${name}`);
    return (await fn.apply(fs, args)) as T;
  };
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

export function describeVfsConformance(name: string, make: () => VfsUnderTest): void {
  describe.each<Mode>(["async", "sync"])(`${name} (%s methods)`, (mode) => {
    const setup = () => {
      const t = make();
      const at = (p: string) => (t.base === "/" ? p : `${t.base}${p}`);
      return { ...t, call: caller(t.fs, mode), at };
    };

    it("writes and reads text and bytes", async () => {
      const { call, at, cleanup } = setup();
      await call("mkdir", at("/d"), { recursive: true });
      await call("writeFile", at("/d/a.txt"), "héllo");
      expect(await call("readTextFile", at("/d/a.txt"))).toBe("héllo");
      await call("writeFile", at("/d/b.bin"), new Uint8Array([0, 255, 7]));
      expect(Array.from(await call<Uint8Array>("readFile", at("/d/b.bin")))).toEqual([0, 255, 7]);
      expect(await code(call("readFile", at("/d/missing")))).toBe("ENOENT");
      cleanup?.();
    });

    it("lists directories with types and removes entries", async () => {
      const { call, at, cleanup } = setup();
      await call("mkdir", at("/d/e"), { recursive: true });
      await call("writeFile", at("/d/f"), "f");
      expect((await call<string[]>("readDir", at("/d"))).sort()).toEqual(["e", "f"]);
      const typed = (await call<{ name: string; isDirectory: boolean }[]>("readDirWithTypes", at("/d"))).sort((a, b) => a.name.localeCompare(b.name));
      expect(typed.map((e) => [e.name, e.isDirectory])).toEqual([["e", true], ["f", false]]);
      expect(await code(call("removeDir", at("/d")))).toBe("ENOTEMPTY");
      expect(await code(call("removeFile", at("/d/e")))).toBe("EISDIR");
      expect(await code(call("removeDir", at("/d/f")))).toBe("ENOTDIR");
      await call("removeFile", at("/d/f"));
      await call("removeDir", at("/d/e"));
      expect(await call("readDir", at("/d"))).toEqual([]);
      expect(await code(call("readDir", at("/nope")))).toBe("ENOENT");
      cleanup?.();
    });

    it("creates directories like mkdir(2) and mkdir -p", async () => {
      const { call, at, cleanup } = setup();
      await call("createDir", at("/c"));
      expect(await code(call("createDir", at("/c")))).toBe("EEXIST");
      expect(await code(call("createDir", at("/x/y")))).toBe("ENOENT");
      await call("mkdir", at("/c/d/e"), { recursive: true });
      await call("mkdir", at("/c/d/e"), { recursive: true });
      await call("writeFile", at("/c/file"), "");
      expect(await code(call("mkdir", at("/c/file"), { recursive: true }))).toBe("EEXIST");
      expect(await code(call("mkdir", at("/c/file/z"), { recursive: true }))).toBe("ENOTDIR");
      expect((await call<{ isDirectory: boolean }>("stat", at("/c/d/e"))).isDirectory).toBe(true);
      cleanup?.();
    });

    it("stats files and tells existence", async () => {
      const { call, at, cleanup } = setup();
      await call("writeFile", at("/s.txt"), "12345");
      const s = await call<{ size: number; isFile: boolean; isDirectory: boolean; mode: number; mtimeMs: number }>("stat", at("/s.txt"));
      expect([s.size, s.isFile, s.isDirectory, s.mode & 0o170000]).toEqual([5, true, false, 0o100000]);
      expect(typeof s.mtimeMs).toBe("number");
      expect(await call("exists", at("/s.txt"))).toBe(true);
      expect(await call("exists", at("/nope"))).toBe(false);
      expect(await code(call("stat", at("/nope")))).toBe("ENOENT");
      cleanup?.();
    });

    it("renames like rename(2)", async () => {
      const { call, at, cleanup } = setup();
      await call("mkdir", at("/r/a"), { recursive: true });
      await call("mkdir", at("/r/b"), { recursive: true });
      await call("writeFile", at("/r/b/x"), "x");
      await call("writeFile", at("/r/f"), "f");
      expect(await code(call("rename", at("/r/a"), at("/r/b")))).toBe("ENOTEMPTY");
      expect(await code(call("rename", at("/r/f"), at("/r/a")))).toBe("EISDIR");
      expect(await code(call("rename", at("/r/a"), at("/r/f")))).toBe("ENOTDIR");
      expect(await code(call("rename", at("/r/a"), at("/r/a/in")))).toBe("EINVAL");
      expect(await code(call("rename", at("/r/none"), at("/r/z")))).toBe("ENOENT");
      await call("rename", at("/r/f"), at("/r/g"));
      expect(await call("readTextFile", at("/r/g"))).toBe("f");
      await call("rename", at("/r/b"), at("/r/a"));
      expect(await call("readDir", at("/r/a"))).toEqual(["x"]);
      cleanup?.();
    });

    it("makes and follows symbolic links", async () => {
      const { call, at, cleanup } = setup();
      await call("writeFile", at("/l/t.txt"), "target");
      await call("symlink", "t.txt", at("/l/rel"));
      expect(await call("readlink", at("/l/rel"))).toBe("t.txt");
      expect(await call("readTextFile", at("/l/rel"))).toBe("target");
      expect((await call<{ isSymbolicLink: boolean }>("lstat", at("/l/rel"))).isSymbolicLink).toBe(true);
      expect((await call<{ isFile: boolean }>("stat", at("/l/rel"))).isFile).toBe(true);
      expect(await call("realpath", at("/l/rel"))).toBe(at("/l/t.txt"));
      expect(await code(call("symlink", "t.txt", at("/l/rel")))).toBe("EEXIST");
      expect(await code(call("readlink", at("/l/t.txt")))).toBe("EINVAL");
      await call("symlink", "gone", at("/l/dangling"));
      expect(await call("exists", at("/l/dangling"))).toBe(false);
      expect(await code(call("stat", at("/l/dangling")))).toBe("ENOENT");
      await call("mkdir", at("/l/sub"), { recursive: true });
      await call("rename", at("/l/rel"), at("/l/sub/moved"));
      expect(await call("readlink", at("/l/sub/moved"))).toBe("t.txt");
      expect(await call("exists", at("/l/rel"))).toBe(false);
      expect(await code(call("readTextFile", at("/l/sub/moved")))).toBe("ENOENT");
      await call("rename", at("/l/sub"), at("/l/sub2"));
      expect(await call("readlink", at("/l/sub2/moved"))).toBe("t.txt");
      await call("removeFile", at("/l/sub2/moved"));
      expect(await call("exists", at("/l/t.txt"))).toBe(true);
      cleanup?.();
    });

    it("makes hard links, changes modes and times, truncates, appends, copies", async () => {
      const { call, at, cleanup } = setup();
      await call("writeFile", at("/m/a"), "abc");
      await call("link", at("/m/a"), at("/m/b"));
      expect((await call<{ nlink: number }>("stat", at("/m/a"))).nlink).toBe(2);
      await call("chmod", at("/m/a"), 0o640);
      expect((await call<{ mode: number }>("stat", at("/m/b"))).mode & 0o777).toBe(0o640);
      await call("utimes", at("/m/a"), 1000, 2000);
      expect((await call<{ mtimeMs: number }>("stat", at("/m/a"))).mtimeMs).toBe(2000000);
      await call("truncate", at("/m/a"), 1);
      expect(await call("readTextFile", at("/m/b"))).toBe("a");
      await call("appendFile", at("/m/a"), "zz");
      expect(await call("readTextFile", at("/m/a"))).toBe("azz");
      await call("copyFile", at("/m/a"), at("/m/c"));
      expect(await call("readTextFile", at("/m/c"))).toBe("azz");
      expect(await code(call("copyFile", at("/m/a"), at("/m/c"), { exclusive: true }))).toBe("EEXIST");
      await call("access", at("/m/c"));
      expect(await code(call("access", at("/m/none")))).toBe("ENOENT");
      cleanup?.();
    });

    it("opens files and reads and writes at positions", async () => {
      const { fs, call, at, cleanup } = setup();
      await call("writeFile", at("/h/f"), "0123456789");
      const h = await call<Record<string, (...a: unknown[]) => unknown>>("open", at("/h/f"), "r+");
      const hc = caller(h as unknown as VirtualFileSystem, mode);
      expect(new TextDecoder().decode(await hc<Uint8Array>("read", 3, 2))).toBe("234");
      expect((await hc<Uint8Array>("read", 5, 8)).length).toBe(2);
      expect(await hc("write", new TextEncoder().encode("ab"), 0)).toBe(2);
      expect((await hc<{ size: number }>("stat")).size).toBe(10);
      await hc("truncate", 4);
      await hc("close");
      expect(await call("readTextFile", at("/h/f"))).toBe("ab23");
      const a = await call<Record<string, unknown>>("open", at("/h/f"), "a");
      await caller(a as unknown as VirtualFileSystem, mode)("write", new TextEncoder().encode("!"), 0);
      await caller(a as unknown as VirtualFileSystem, mode)("close");
      expect(await call("readTextFile", at("/h/f"))).toBe("ab23!");
      expect(await code(call("open", at("/h/f"), "wx"))).toBe("EEXIST");
      expect(await code(call("open", at("/h/none"), "r"))).toBe("ENOENT");
      const w = await call<Record<string, unknown>>("open", at("/h/new"), "w");
      await caller(w as unknown as VirtualFileSystem, mode)("close");
      expect(await call("readTextFile", at("/h/new"))).toBe("");
      void fs;
      cleanup?.();
    });
  });
}
