/**
 * Windows path operations with Node's exact results (lib/path.js `win32`): drive
 * letters, UNC roots (`\\server\share`), both separators. `resolve` falls back to the
 * sandbox's `process.cwd()` like Node does on a POSIX host.
 */
import { validateString } from "../_lib/validators.js";
import { basenameFrom, extnameFrom, formatPath, lastPart, normalizeString, type ParsedPath } from "./posix.js";

const SLASH = 47;
const BACKSLASH = 92;
const COLON = 58;
const DOT = 46;
const QUESTION = 63;

const isSep = (c: number) => c === SLASH || c === BACKSLASH;
const isDeviceRoot = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function cwd(): string {
  return (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? "/";
}

/** Length of a UNC root `\\server\share` at the start of `path` (0 when there is none). */
function uncRoot(path: string): { end: number; device: string; whole: boolean } | undefined {
  const len = path.length;
  let j = 2;
  let last = j;
  while (j < len && !isSep(path.charCodeAt(j))) j++;
  if (j < len && j !== last) {
    const firstPart = path.slice(last, j);
    last = j;
    while (j < len && isSep(path.charCodeAt(j))) j++;
    if (j < len && j !== last) {
      last = j;
      while (j < len && !isSep(path.charCodeAt(j))) j++;
      if (j === len || j !== last) return { end: j, device: `\\\\${firstPart}\\${path.slice(last, j)}`, whole: j === len };
    }
  }
  return undefined;
}


export const win32 = {
  sep: "\\",
  delimiter: ";",

  resolve(...args: string[]): string {
    let resolvedDevice = "";
    let resolvedTail = "";
    let resolvedAbsolute = false;
    for (let i = args.length - 1; i >= -1; i--) {
      let path: string;
      if (i >= 0) {
        path = args[i]!;
        validateString(path, `paths[${i}]`);
        if (path.length === 0) continue;
      } else if (resolvedDevice.length === 0) {
        path = cwd();
      } else {
        const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
        path = env?.[`=${resolvedDevice}`] || cwd();
        if (path.slice(0, 2).toLowerCase() !== resolvedDevice.toLowerCase() && path.charCodeAt(2) === BACKSLASH) {
          path = `${resolvedDevice}\\`;
        }
      }
      const len = path.length;
      let rootEnd = 0;
      let device = "";
      let isAbsolute = false;
      const code = path.charCodeAt(0);
      if (len === 1) {
        if (isSep(code)) {
          rootEnd = 1;
          isAbsolute = true;
        }
      } else if (isSep(code)) {
        isAbsolute = true;
        if (isSep(path.charCodeAt(1))) {
          const unc = uncRoot(path);
          if (unc) {
            device = unc.device;
            rootEnd = unc.end;
          }
        } else {
          rootEnd = 1;
        }
      } else if (isDeviceRoot(code) && path.charCodeAt(1) === COLON) {
        device = path.slice(0, 2);
        rootEnd = 2;
        if (len > 2 && isSep(path.charCodeAt(2))) {
          isAbsolute = true;
          rootEnd = 3;
        }
      }
      if (device.length > 0) {
        if (resolvedDevice.length > 0) {
          if (device.toLowerCase() !== resolvedDevice.toLowerCase()) continue;
        } else {
          resolvedDevice = device;
        }
      }
      if (resolvedAbsolute) {
        if (resolvedDevice.length > 0) break;
      } else {
        resolvedTail = `${path.slice(rootEnd)}\\${resolvedTail}`;
        resolvedAbsolute = isAbsolute;
        if (isAbsolute && resolvedDevice.length > 0) break;
      }
    }
    resolvedTail = normalizeString(resolvedTail, !resolvedAbsolute, "\\", isSep);
    return resolvedAbsolute ? `${resolvedDevice}\\${resolvedTail}` : `${resolvedDevice}${resolvedTail}` || ".";
  },

  normalize(path: string): string {
    validateString(path, "path");
    const len = path.length;
    if (len === 0) return ".";
    let rootEnd = 0;
    let device: string | undefined;
    let isAbsolute = false;
    const code = path.charCodeAt(0);
    if (len === 1) return code === SLASH ? "\\" : path;
    if (isSep(code)) {
      isAbsolute = true;
      if (isSep(path.charCodeAt(1))) {
        const unc = uncRoot(path);
        if (unc) {
          if (unc.whole) return `${unc.device}\\`;
          device = unc.device;
          rootEnd = unc.end;
        }
      } else {
        rootEnd = 1;
      }
    } else if (isDeviceRoot(code) && path.charCodeAt(1) === COLON) {
      device = path.slice(0, 2);
      rootEnd = 2;
      if (len > 2 && isSep(path.charCodeAt(2))) {
        isAbsolute = true;
        rootEnd = 3;
      }
    }
    let tail = rootEnd < len ? normalizeString(path.slice(rootEnd), !isAbsolute, "\\", isSep) : "";
    if (tail.length === 0 && !isAbsolute) tail = ".";
    if (tail.length > 0 && isSep(path.charCodeAt(len - 1))) tail += "\\";
    if (!isAbsolute && device === undefined && path.includes(":")) {
      // CVE-2024-36139: a relative result must not read as a drive path (`C:` or `x:\`).
      if (tail.length >= 2 && isDeviceRoot(tail.charCodeAt(0)) && tail.charCodeAt(1) === COLON) return `.\\${tail}`;
      let index = path.indexOf(":");
      do {
        if (index === len - 1 || isSep(path.charCodeAt(index + 1))) return `.\\${tail}`;
      } while ((index = path.indexOf(":", index + 1)) !== -1);
    }
    if (device === undefined) return isAbsolute ? `\\${tail}` : tail;
    return isAbsolute ? `${device}\\${tail}` : `${device}${tail}`;
  },

  isAbsolute(path: string): boolean {
    validateString(path, "path");
    const len = path.length;
    if (len === 0) return false;
    const code = path.charCodeAt(0);
    return isSep(code) || (len > 2 && isDeviceRoot(code) && path.charCodeAt(1) === COLON && isSep(path.charCodeAt(2)));
  },

  join(...args: string[]): string {
    if (args.length === 0) return ".";
    let joined: string | undefined;
    let firstPart = "";
    for (let i = 0; i < args.length; ++i) {
      const arg = args[i]!;
      validateString(arg, "path");
      if (arg.length > 0) {
        if (joined === undefined) joined = firstPart = arg;
        else joined += `\\${arg}`;
      }
    }
    if (joined === undefined) return ".";
    // Keep a UNC root only when the first part was one (`\\server`), not `\\\\x`.
    let needsReplace = true;
    let slashCount = 0;
    if (isSep(firstPart.charCodeAt(0))) {
      ++slashCount;
      const firstLen = firstPart.length;
      if (firstLen > 1 && isSep(firstPart.charCodeAt(1))) {
        ++slashCount;
        if (firstLen > 2) {
          if (isSep(firstPart.charCodeAt(2))) ++slashCount;
          else needsReplace = false;
        }
      }
    }
    if (needsReplace) {
      while (slashCount < joined.length && isSep(joined.charCodeAt(slashCount))) slashCount++;
      if (slashCount >= 2) joined = `\\${joined.slice(slashCount)}`;
    }
    return win32.normalize(joined);
  },

  relative(from: string, to: string): string {
    validateString(from, "from");
    validateString(to, "to");
    if (from === to) return "";
    const fromOrig = win32.resolve(from);
    const toOrig = win32.resolve(to);
    if (fromOrig === toOrig) return "";
    from = fromOrig.toLowerCase();
    to = toOrig.toLowerCase();
    if (from === to) return "";
    let fromStart = 0;
    while (fromStart < from.length && from.charCodeAt(fromStart) === BACKSLASH) fromStart++;
    let fromEnd = from.length;
    while (fromEnd - 1 > fromStart && from.charCodeAt(fromEnd - 1) === BACKSLASH) fromEnd--;
    const fromLen = fromEnd - fromStart;
    let toStart = 0;
    while (toStart < to.length && to.charCodeAt(toStart) === BACKSLASH) toStart++;
    let toEnd = to.length;
    while (toEnd - 1 > toStart && to.charCodeAt(toEnd - 1) === BACKSLASH) toEnd--;
    const toLen = toEnd - toStart;
    const length = fromLen < toLen ? fromLen : toLen;
    let lastCommonSep = -1;
    let i = 0;
    for (; i < length; i++) {
      const fromCode = from.charCodeAt(fromStart + i);
      if (fromCode !== to.charCodeAt(toStart + i)) break;
      else if (fromCode === BACKSLASH) lastCommonSep = i;
    }
    if (i !== length) {
      if (lastCommonSep === -1) return toOrig;
    } else {
      if (toLen > length) {
        if (to.charCodeAt(toStart + i) === BACKSLASH) return toOrig.slice(toStart + i + 1);
        if (i === 2) return toOrig.slice(toStart + i);
      }
      if (fromLen > length) {
        if (from.charCodeAt(fromStart + i) === BACKSLASH) lastCommonSep = i;
        else if (i === 2) lastCommonSep = 3;
      }
      if (lastCommonSep === -1) lastCommonSep = 0;
    }
    let out = "";
    for (i = fromStart + lastCommonSep + 1; i <= fromEnd; ++i) {
      if (i === fromEnd || from.charCodeAt(i) === BACKSLASH) out += out.length === 0 ? ".." : "\\..";
    }
    toStart += lastCommonSep;
    if (out.length > 0) return `${out}${toOrig.slice(toStart, toEnd)}`;
    if (toOrig.charCodeAt(toStart) === BACKSLASH) ++toStart;
    return toOrig.slice(toStart, toEnd);
  },

  toNamespacedPath(path: unknown): unknown {
    if (typeof path !== "string" || path.length === 0) return path;
    const resolvedPath = win32.resolve(path);
    if (resolvedPath.length <= 2) return path;
    if (resolvedPath.charCodeAt(0) === BACKSLASH) {
      if (resolvedPath.charCodeAt(1) === BACKSLASH) {
        const code = resolvedPath.charCodeAt(2);
        if (code !== QUESTION && code !== DOT) return `\\\\?\\UNC\\${resolvedPath.slice(2)}`;
      }
    } else if (isDeviceRoot(resolvedPath.charCodeAt(0)) && resolvedPath.charCodeAt(1) === COLON && resolvedPath.charCodeAt(2) === BACKSLASH) {
      return `\\\\?\\${resolvedPath}`;
    }
    return resolvedPath;
  },

  dirname(path: string): string {
    validateString(path, "path");
    const len = path.length;
    if (len === 0) return ".";
    let rootEnd = -1;
    let offset = 0;
    const code = path.charCodeAt(0);
    if (len === 1) return isSep(code) ? path : ".";
    if (isSep(code)) {
      rootEnd = offset = 1;
      if (isSep(path.charCodeAt(1))) {
        const unc = uncRoot(path);
        if (unc) {
          if (unc.whole) return path;
          rootEnd = offset = unc.end + 1;
        }
      }
    } else if (isDeviceRoot(code) && path.charCodeAt(1) === COLON) {
      rootEnd = len > 2 && isSep(path.charCodeAt(2)) ? 3 : 2;
      offset = rootEnd;
    }
    let end = -1;
    let matchedSlash = true;
    for (let i = len - 1; i >= offset; --i) {
      if (isSep(path.charCodeAt(i))) {
        if (!matchedSlash) {
          end = i;
          break;
        }
      } else {
        matchedSlash = false;
      }
    }
    if (end === -1) {
      if (rootEnd === -1) return ".";
      end = rootEnd;
    }
    return path.slice(0, end);
  },

  basename(path: string, suffix?: string): string {
    if (suffix !== undefined) validateString(suffix, "suffix");
    validateString(path, "path");
    const start = path.length >= 2 && isDeviceRoot(path.charCodeAt(0)) && path.charCodeAt(1) === COLON ? 2 : 0;
    return basenameFrom(path, start, suffix, isSep);
  },

  extname(path: string): string {
    validateString(path, "path");
    const start = path.length >= 2 && path.charCodeAt(1) === COLON && isDeviceRoot(path.charCodeAt(0)) ? 2 : 0;
    return extnameFrom(path, start, isSep);
  },

  format: (pathObject: unknown) => formatPath("\\", pathObject),

  parse(path: string): ParsedPath {
    validateString(path, "path");
    const ret: ParsedPath = { root: "", dir: "", base: "", ext: "", name: "" };
    if (path.length === 0) return ret;
    const len = path.length;
    let rootEnd = 0;
    const code = path.charCodeAt(0);
    if (len === 1) {
      if (isSep(code)) {
        ret.root = ret.dir = path;
        return ret;
      }
      ret.base = ret.name = path;
      return ret;
    }
    if (isSep(code)) {
      rootEnd = 1;
      if (isSep(path.charCodeAt(1))) {
        const unc = uncRoot(path);
        if (unc) rootEnd = unc.whole ? unc.end : unc.end + 1;
      }
    } else if (isDeviceRoot(code) && path.charCodeAt(1) === COLON) {
      if (len <= 2) {
        ret.root = ret.dir = path;
        return ret;
      }
      rootEnd = 2;
      if (isSep(path.charCodeAt(2))) {
        if (len === 3) {
          ret.root = ret.dir = path;
          return ret;
        }
        rootEnd = 3;
      }
    }
    if (rootEnd > 0) ret.root = path.slice(0, rootEnd);
    const { startPart, startDot, end, hasExt } = lastPart(path, rootEnd, isSep);
    if (end !== -1) {
      if (!hasExt) {
        ret.base = ret.name = path.slice(startPart, end);
      } else {
        ret.name = path.slice(startPart, startDot);
        ret.base = path.slice(startPart, end);
        ret.ext = path.slice(startDot, end);
      }
    }
    if (startPart > 0 && startPart !== rootEnd) ret.dir = path.slice(0, startPart - 1);
    else ret.dir = ret.root;
    return ret;
  },
};
