/**
 * `util.format` / `util.formatWithOptions`: printf-like specifiers (%s %d %i %f %j %o
 * %O %c %%), then remaining arguments joined with spaces — strings as they are,
 * everything else through inspect.
 */
import type { InspectOptions } from "./inspect.js";
import { lazy } from "../module/guest.js";

const inspectUnit = lazy<typeof import("./inspect.js")>("quicksand:internal/inspect");

/** Primitives print without loading inspect; everything else goes through it. */
function inspect(value: unknown, opts: InspectOptions): string {
  switch (typeof value) {
    case "number":
      return Object.is(value, -0) ? "-0" : `${value}`;
    case "boolean":
    case "undefined":
      return `${value}`;
    case "bigint":
      return `${value}n`;
  }
  if (value === null) return "null";
  return inspectUnit().inspect(value, opts);
}

export function format(...args: unknown[]): string {
  return formatWithOptions({}, ...args);
}

export function formatWithOptions(opts: InspectOptions, ...args: unknown[]): string {
  const first = args[0];
  let a = 0;
  let str = "";
  let join = "";
  if (typeof first === "string") {
    if (args.length === 1) return first;
    let tempStr: string | undefined;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue; // '%'
      const next = first.charCodeAt(++i);
      if (a + 1 !== args.length) {
        switch (next) {
          case 115: { // 's'
            const arg = args[++a];
            if (typeof arg === "number") tempStr = Object.is(arg, -0) ? "-0" : `${arg}`;
            else if (typeof arg === "bigint") tempStr = `${arg}n`;
            else if (typeof arg !== "object" || arg === null || !hasBuiltInToString(arg)) tempStr = String(arg);
            else tempStr = inspect(arg, { ...opts, depth: 0, compact: 3 });
            break;
          }
          case 106: // 'j'
            tempStr = tryStringify(args[++a]);
            break;
          case 100: { // 'd'
            const n = args[++a];
            if (typeof n === "bigint") tempStr = `${n}n`;
            else if (typeof n === "symbol") tempStr = "NaN";
            else tempStr = formatNum(Number(n));
            break;
          }
          case 79: // 'O'
            tempStr = inspect(args[++a], opts);
            break;
          case 111: // 'o'
            tempStr = inspect(args[++a], { ...opts, showHidden: true, depth: 4 });
            break;
          case 105: { // 'i'
            const n = args[++a];
            if (typeof n === "bigint") tempStr = `${n}n`;
            else if (typeof n === "symbol") tempStr = "NaN";
            else tempStr = formatNum(Number.parseInt(String(n)));
            break;
          }
          case 102: { // 'f'
            const n = args[++a];
            tempStr = typeof n === "symbol" ? "NaN" : formatNum(Number.parseFloat(String(n)));
            break;
          }
          case 99: // 'c'
            a += 1;
            tempStr = "";
            break;
          case 37: // '%'
            str += first.slice(lastPos, i);
            lastPos = i + 1;
            continue;
          default:
            continue;
        }
        if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
        str += tempStr;
        lastPos = i + 1;
      } else if (next === 37) {
        str += first.slice(lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      a++;
      join = " ";
      if (lastPos < first.length) str += first.slice(lastPos);
    }
  }
  while (a < args.length) {
    const value = args[a];
    str += join;
    str += typeof value !== "string" ? inspect(value, opts) : value;
    join = " ";
    a++;
  }
  return str;
}

function formatNum(n: number): string {
  return Object.is(n, -0) ? "-0" : `${n}`;
}

function tryStringify(v: unknown): string {
  try {
    return JSON.stringify(v) as string;
  } catch (err) {
    if ((err as Error).name === "TypeError" && /circular/i.test((err as Error).message)) return "[Circular]";
    throw err;
  }
}

function hasBuiltInToString(value: object): boolean {
  // An object whose toString is its own (user-defined) is printed with String().
  let proto: object | null = value;
  while (proto !== null) {
    if (Object.prototype.hasOwnProperty.call(proto, "toString")) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor;
      return proto === Object.prototype || proto === Error.prototype || ctor?.name === "Object" ||
        proto === Array.prototype || proto === Date.prototype || proto === RegExp.prototype || proto === Function.prototype;
    }
    proto = Object.getPrototypeOf(proto);
  }
  return true;
}
