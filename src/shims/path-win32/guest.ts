/** The `path/win32` builtin: the same object as `require("path").win32`. */
import path from "node:path";

export default (path as unknown as { win32: unknown }).win32;
