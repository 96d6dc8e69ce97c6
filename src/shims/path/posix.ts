/**
 * POSIX path operations with Node's exact results (lib/path.js): the same
 * normalisation of `.`/`..`, trailing-slash and empty-string rules. `resolve` starts
 * from the sandbox's `process.cwd()`, never the host's.
 */
import { validateObject, validateString } from "../_lib/validators.js";

const SLASH = 47;
const DOT = 46;

/** Resolves `.` and `..` in a path with no leading slash handling (Node's normalizeString). */
export function normalizeString(path: string, allowAboveRoot: boolean, separator: string, isSep: (c: number) => boolean): string {
  let res = "";
  let lastSegmentLength = 0;
  let lastSlash = -1;
  let dots = 0;
  let code = 0;
  for (let i = 0; i <= path.length; ++i) {
    if (i < path.length) code = path.charCodeAt(i);
    else if (isSep(code)) break;
    else code = SLASH;
    if (isSep(code)) {
      if (lastSlash === i - 1 || dots === 1) {
        // NOOP
      } else if (dots === 2) {
        if (res.length < 2 || lastSegmentLength !== 2 || res.charCodeAt(res.length - 1) !== DOT || res.charCodeAt(res.length - 2) !== DOT) {
          if (res.length > 2) {
            const lastSlashIndex = res.lastIndexOf(separator);
            if (lastSlashIndex === -1) {
              res = "";
              lastSegmentLength = 0;
            } else {
              res = res.slice(0, lastSlashIndex);
              lastSegmentLength = res.length - 1 - res.lastIndexOf(separator);
            }
            lastSlash = i;
            dots = 0;
            continue;
          } else if (res.length !== 0) {
            res = "";
            lastSegmentLength = 0;
            lastSlash = i;
            dots = 0;
            continue;
          }
        }
        if (allowAboveRoot) {
          res += res.length > 0 ? `${separator}..` : "..";
          lastSegmentLength = 2;
        }
      } else {
        if (res.length > 0) res += `${separator}${path.slice(lastSlash + 1, i)}`;
        else res = path.slice(lastSlash + 1, i);
        lastSegmentLength = i - lastSlash - 1;
      }
      lastSlash = i;
      dots = 0;
    } else if (code === DOT && dots !== -1) {
      ++dots;
    } else {
      dots = -1;
    }
  }
  return res;
}

export interface ParsedPath {
  root: string;
  dir: string;
  base: string;
  ext: string;
  name: string;
}

export function formatPath(sep: string, pathObject: unknown): string {
  validateObject(pathObject, "pathObject");
  const p = pathObject as Partial<ParsedPath>;
  const dir = p.dir || p.root;
  const base = p.base || `${p.name || ""}${formatExt(p.ext)}`;
  if (!dir) return base;
  return dir === p.root ? `${dir}${base}` : `${dir}${sep}${base}`;
}

function formatExt(ext: string | undefined): string {
  return ext ? `${ext[0] === "." ? "" : "."}${ext}` : "";
}

const isPosixSep = (c: number) => c === SLASH;

function cwd(): string {
  return (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? "/";
}

/**
 * The last portion of `path` from `start` on (after a win32 drive, say), less `suffix`:
 * Node's basename scan, shared by posix and win32 with their separator test.
 */
export function basenameFrom(path: string, start: number, suffix: string | undefined, isSep: (c: number) => boolean): string {
  let end = -1;
  let matchedSlash = true;
  if (suffix !== undefined && suffix.length > 0 && suffix.length <= path.length) {
    if (suffix === path) return "";
    let extIdx = suffix.length - 1;
    let firstNonSlashEnd = -1;
    for (let i = path.length - 1; i >= start; --i) {
      const code = path.charCodeAt(i);
      if (isSep(code)) {
        if (!matchedSlash) {
          start = i + 1;
          break;
        }
      } else {
        if (firstNonSlashEnd === -1) {
          matchedSlash = false;
          firstNonSlashEnd = i + 1;
        }
        if (extIdx >= 0) {
          if (code === suffix.charCodeAt(extIdx)) {
            if (--extIdx === -1) end = i;
          } else {
            extIdx = -1;
            end = firstNonSlashEnd;
          }
        }
      }
    }
    if (start === end) end = firstNonSlashEnd;
    else if (end === -1) end = path.length;
    return path.slice(start, end);
  }
  for (let i = path.length - 1; i >= start; --i) {
    if (isSep(path.charCodeAt(i))) {
      if (!matchedSlash) {
        start = i + 1;
        break;
      }
    } else if (end === -1) {
      matchedSlash = false;
      end = i + 1;
    }
  }
  if (end === -1) return "";
  return path.slice(start, end);
}

/** Where the last portion of a path lies, and whether it has an extension (see lastPart). */
export interface LastPart {
  /** Index of the portion's first character. */
  startPart: number;
  /** Index of its last dot, or -1. */
  startDot: number;
  /** Index after its last character, or -1 when the path holds only separators. */
  end: number;
  /** The portion has an extension: a last dot that neither starts it nor makes it `..`. */
  hasExt: boolean;
}

/**
 * Node's backward scan for the last portion of `path` (from `start` on) and its last dot,
 * shared by extname and parse in posix and win32. `startPart` is where the portion starts
 * when no separator precedes it.
 */
export function lastPart(path: string, start: number, isSep: (c: number) => boolean, startPart = start): LastPart {
  let startDot = -1;
  let end = -1;
  let matchedSlash = true;
  let preDotState = 0;
  for (let i = path.length - 1; i >= start; --i) {
    const code = path.charCodeAt(i);
    if (isSep(code)) {
      if (!matchedSlash) {
        startPart = i + 1;
        break;
      }
      continue;
    }
    if (end === -1) {
      matchedSlash = false;
      end = i + 1;
    }
    if (code === DOT) {
      if (startDot === -1) startDot = i;
      else if (preDotState !== 1) preDotState = 1;
    } else if (startDot !== -1) {
      preDotState = -1;
    }
  }
  const hasExt = !(startDot === -1 || end === -1 || preDotState === 0 || (preDotState === 1 && startDot === end - 1 && startDot === startPart + 1));
  return { startPart, startDot, end, hasExt };
}

/** The extension of the last portion of `path` from `start` on. */
export function extnameFrom(path: string, start: number, isSep: (c: number) => boolean): string {
  const part = lastPart(path, start, isSep);
  return part.hasExt ? path.slice(part.startDot, part.end) : "";
}

export const posix = {
  sep: "/",
  delimiter: ":",

  resolve(...args: string[]): string {
    let resolvedPath = "";
    let resolvedAbsolute = false;
    for (let i = args.length - 1; i >= -1 && !resolvedAbsolute; i--) {
      const path = i >= 0 ? args[i]! : cwd();
      validateString(path, `paths[${i}]`);
      if (path.length === 0) continue;
      resolvedPath = `${path}/${resolvedPath}`;
      resolvedAbsolute = path.charCodeAt(0) === SLASH;
    }
    resolvedPath = normalizeString(resolvedPath, !resolvedAbsolute, "/", isPosixSep);
    if (resolvedAbsolute) return `/${resolvedPath}`;
    return resolvedPath.length > 0 ? resolvedPath : ".";
  },

  normalize(path: string): string {
    validateString(path, "path");
    if (path.length === 0) return ".";
    const isAbsolute = path.charCodeAt(0) === SLASH;
    const trailingSeparator = path.charCodeAt(path.length - 1) === SLASH;
    path = normalizeString(path, !isAbsolute, "/", isPosixSep);
    if (path.length === 0) {
      if (isAbsolute) return "/";
      return trailingSeparator ? "./" : ".";
    }
    if (trailingSeparator) path += "/";
    return isAbsolute ? `/${path}` : path;
  },

  isAbsolute(path: string): boolean {
    validateString(path, "path");
    return path.length > 0 && path.charCodeAt(0) === SLASH;
  },

  join(...args: string[]): string {
    if (args.length === 0) return ".";
    let joined: string | undefined;
    for (let i = 0; i < args.length; ++i) {
      const arg = args[i]!;
      validateString(arg, "path");
      if (arg.length > 0) joined = joined === undefined ? arg : `${joined}/${arg}`;
    }
    if (joined === undefined) return ".";
    return posix.normalize(joined);
  },

  relative(from: string, to: string): string {
    validateString(from, "from");
    validateString(to, "to");
    if (from === to) return "";
    from = posix.resolve(from);
    to = posix.resolve(to);
    if (from === to) return "";
    const fromStart = 1;
    const fromEnd = from.length;
    const fromLen = fromEnd - fromStart;
    const toStart = 1;
    const toLen = to.length - toStart;
    const length = fromLen < toLen ? fromLen : toLen;
    let lastCommonSep = -1;
    let i = 0;
    for (; i < length; i++) {
      const fromCode = from.charCodeAt(fromStart + i);
      if (fromCode !== to.charCodeAt(toStart + i)) break;
      else if (fromCode === SLASH) lastCommonSep = i;
    }
    if (i === length) {
      if (toLen > length) {
        if (to.charCodeAt(toStart + i) === SLASH) return to.slice(toStart + i + 1);
        if (i === 0) return to.slice(toStart + i);
      } else if (fromLen > length) {
        if (from.charCodeAt(fromStart + i) === SLASH) lastCommonSep = i;
        else if (i === 0) lastCommonSep = 0;
      }
    }
    let out = "";
    for (i = fromStart + lastCommonSep + 1; i <= fromEnd; ++i) {
      if (i === fromEnd || from.charCodeAt(i) === SLASH) out += out.length === 0 ? ".." : "/..";
    }
    return `${out}${to.slice(toStart + lastCommonSep)}`;
  },

  toNamespacedPath(path: string): string {
    return path;
  },

  dirname(path: string): string {
    validateString(path, "path");
    if (path.length === 0) return ".";
    const hasRoot = path.charCodeAt(0) === SLASH;
    let end = -1;
    let matchedSlash = true;
    for (let i = path.length - 1; i >= 1; --i) {
      if (path.charCodeAt(i) === SLASH) {
        if (!matchedSlash) {
          end = i;
          break;
        }
      } else {
        matchedSlash = false;
      }
    }
    if (end === -1) return hasRoot ? "/" : ".";
    if (hasRoot && end === 1) return "//";
    return path.slice(0, end);
  },

  basename(path: string, suffix?: string): string {
    if (suffix !== undefined) validateString(suffix, "suffix");
    validateString(path, "path");
    return basenameFrom(path, 0, suffix, isPosixSep);
  },

  extname(path: string): string {
    validateString(path, "path");
    return extnameFrom(path, 0, isPosixSep);
  },

  format: (pathObject: unknown) => formatPath("/", pathObject),

  parse(path: string): ParsedPath {
    validateString(path, "path");
    const ret: ParsedPath = { root: "", dir: "", base: "", ext: "", name: "" };
    if (path.length === 0) return ret;
    const isAbsolute = path.charCodeAt(0) === SLASH;
    let start: number;
    if (isAbsolute) {
      ret.root = "/";
      start = 1;
    } else {
      start = 0;
    }
    const { startPart, startDot, end, hasExt } = lastPart(path, start, isPosixSep, 0);
    if (end !== -1) {
      const start2 = startPart === 0 && isAbsolute ? 1 : startPart;
      if (!hasExt) {
        ret.base = ret.name = path.slice(start2, end);
      } else {
        ret.name = path.slice(start2, startDot);
        ret.base = path.slice(start2, end);
        ret.ext = path.slice(startDot, end);
      }
    }
    if (startPart > 0) ret.dir = path.slice(0, startPart - 1);
    else if (isAbsolute) ret.dir = "/";
    return ret;
  },
};
