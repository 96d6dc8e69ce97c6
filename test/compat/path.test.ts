import { compat } from "./harness.js";

/** Runs every path function over the same inputs and prints the results as JSON. */
const table = (mod: string, inputs: string[]) =>
  `const p = require("path").${mod}; for (const c of ${JSON.stringify(inputs)}) console.log(JSON.stringify([c, p.normalize(c), p.dirname(c), p.basename(c), p.basename(c, ".js"), p.extname(c), p.isAbsolute(c), p.parse(c)]))`;

compat("path", [
  ["posix normalize/dirname/basename/extname/parse on edge cases", table("posix", ["", ".", "..", "/", "//", "///a//b/", "a/b/../c", "/a/b/c/../../d", "a/../../b", "./a/./b/", "/.."])],
  ["posix extensions and dotfiles", table("posix", ["foo/bar.baz.js", ".bashrc", "a.", "/a/b.c/d", "a..b", "...", "x.js", "/dir/.js", "file.js/"])],
  ["win32 drive, UNC and mixed separators", table("win32", ["C:\\foo\\bar.txt", "\\\\server\\share\\x", "C:", "C:foo", "\\\\server\\share", "//server/share/dir/", "c:/a/../b", "\\a\\b\\..\\c", "C:\\", "\\"])],
  ["posix join", `const p = require("path"); console.log(p.join("/a", "b", "../c", "./d"), p.join("a", "", "b/"), p.join(), p.join("", ""), p.join("/", ".."), p.join("a", "/b"))`],
  ["posix resolve with absolute parts", `const p = require("path"); console.log(p.resolve("/foo/bar", "./baz"), p.resolve("/foo/bar", "/tmp/file/"), p.resolve("/a", "b", "..", "c/"), p.resolve("/"))`],
  ["posix relative", `const p = require("path"); console.log(p.relative("/data/orandea/test/aaa", "/data/orandea/impl/bbb"), p.relative("/a", "/a/b/c"), p.relative("/a/b/c", "/a"), JSON.stringify(p.relative("/a", "/a")), p.relative("/", "/x"), p.relative("/a/bc", "/a/b"))`],
  ["posix format", `const p = require("path"); console.log(p.format({ root: "/ignored", dir: "/home/user/dir", base: "file.txt" }), p.format({ root: "/", name: "file", ext: "txt" }), p.format({ name: "x", ext: ".e" }), p.format({ dir: "d", base: "b" }))`],
  ["win32 join", `const w = require("path").win32; console.log(w.join("C:\\\\a", "b", "..\\\\c"), w.join("//a", "b"), w.join("\\\\\\\\a", "b"), w.join("x", "C:\\\\foo"), w.join("x", "C:"), w.join("a", "C:b"))`],
  ["win32 resolve across drives", `const w = require("path").win32; console.log(w.resolve("C:\\\\a", "D:\\\\b", "c"), w.resolve("C:\\\\a", "\\\\b"), w.resolve("\\\\\\\\srv\\\\share\\\\x", "..\\\\y"), w.resolve("c:/ignore", "d:\\\\a/b\\\\c/d", "\\\\e.exe"))`],
  ["win32 relative", `const w = require("path").win32; console.log(w.relative("C:\\\\orandea\\\\test\\\\aaa", "C:\\\\orandea\\\\impl\\\\bbb"), w.relative("C:\\\\a", "D:\\\\b"), w.relative("c:\\\\A", "C:\\\\a\\\\b"), w.relative("\\\\\\\\foo\\\\bar", "\\\\\\\\foo\\\\bar\\\\baz"))`],
  ["win32 toNamespacedPath", `const w = require("path").win32; console.log(w.toNamespacedPath("C:\\\\a\\\\b"), w.toNamespacedPath("\\\\\\\\srv\\\\share\\\\f"), w.toNamespacedPath(""), w.toNamespacedPath(5))`],
  ["win32 format", `const w = require("path").win32; console.log(w.format({ root: "C:\\\\", name: "f", ext: "txt" }), w.format({ dir: "C:\\\\path\\\\dir", base: "file.txt" }))`],
  ["separators and module identity", `const p = require("path"); console.log(p.sep, p.delimiter, p.win32.sep, p.win32.delimiter, p.posix === p, p.win32.posix === p, p.posix.win32 === p.win32, require("path/posix") === p.posix, require("path/win32") === p.win32, require("node:path") === p)`],
  ["argument validation", `const p = require("path"); for (const f of [() => p.join(1), () => p.basename("/a", 1), () => p.resolve(null), () => p.parse({}), () => p.format("x"), () => p.win32.dirname(1)]) try { f() } catch (e) { console.log(e.name, e.code, e.message) }`],
  ["toNamespacedPath is identity on posix", `const p = require("path"); console.log(p.toNamespacedPath("/a/../b"), p._makeLong === p.toNamespacedPath)`],
]);
