/** The `path/posix` builtin: the same object as `require("path").posix`. */
import { requireBuiltin } from "../module/guest.js";

export default (requireBuiltin("path") as { posix: unknown }).posix;
