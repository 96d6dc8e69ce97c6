/**
 * The `path` builtin: POSIX rules (the sandbox is a POSIX world), with `path.win32`
 * and `path.posix` as in Node. Pure guest code; no ops.
 */
import { posix } from "./posix.js";
import { win32 } from "./win32.js";

type PathModule = typeof posix & { posix: PathModule; win32: Win32Module; _makeLong: (p: string) => string };
type Win32Module = typeof win32 & { posix: PathModule; win32: Win32Module; _makeLong: (p: unknown) => unknown };

const p = posix as PathModule;
const w = win32 as Win32Module;
p.posix = w.posix = p;
p.win32 = w.win32 = w;
p._makeLong = p.toNamespacedPath;
w._makeLong = w.toNamespacedPath;

export default p;
