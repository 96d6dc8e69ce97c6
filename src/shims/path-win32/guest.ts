/** The `path/win32` builtin: the same object as `require("path").win32`. */
import { requireBuiltin } from "../module/guest.js";

export default (requireBuiltin("path") as { win32: unknown }).win32;
