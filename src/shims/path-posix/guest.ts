/** The `path/posix` builtin: the same object as `require("path").posix`. */
import path from "node:path";

export default (path as unknown as { posix: unknown }).posix;
