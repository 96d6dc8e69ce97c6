/**
 * The `util` builtin (loaded lazily). inspect/format are the same code console uses.
 */
import { invalidArgType, nodeError } from "../_lib/errors.js";
import { format, formatWithOptions } from "../_lib/format.js";
import { customInspectSymbol, inspect as baseInspect, type InspectOptions } from "../_lib/inspect.js";
import types from "node:util/types";
import { parseArgs } from "./parse-args.js";
import { systemErrorMap } from "./system-errors.js";

type AnyFn = (...args: any[]) => any;

const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");

function inspect(value: unknown, opts?: InspectOptions | boolean, depth?: number): string {
  if (typeof opts === "boolean") return baseInspect(value, { showHidden: opts, ...(depth !== undefined ? { depth } : {}) });
  return baseInspect(value, opts ?? {});
}
inspect.custom = customInspectSymbol;
inspect.defaultOptions = { depth: 2, breakLength: 80, compact: 3, showHidden: false, maxArrayLength: 100, maxStringLength: 10000 };

function promisify(original: AnyFn): AnyFn {
  if (typeof original !== "function") throw invalidArgType("original", "of type function", original);
  const custom = (original as unknown as Record<symbol, AnyFn>)[kCustomPromisify];
  if (custom) {
    if (typeof custom !== "function") throw invalidArgType("util.promisify.custom", "of type function", custom);
    return custom;
  }
  function fn(this: unknown, ...args: unknown[]) {
    return new Promise((resolve, reject) => {
      original.call(this, ...args, (err: unknown, ...values: unknown[]) => {
        if (err) reject(err);
        else resolve(values[0]);
      });
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = kCustomPromisify;

function callbackify(original: AnyFn): AnyFn {
  if (typeof original !== "function") throw invalidArgType("original", "of type function", original);
  return function (this: unknown, ...args: unknown[]) {
    const cb = args.pop();
    if (typeof cb !== "function") throw invalidArgType("last argument", "of type function", cb);
    original.apply(this, args).then(
      (v: unknown) => (globalThis as any).process.nextTick(cb, null, v),
      (e: unknown) => {
        if (!e) {
          const wrapped = nodeError("ERR_FALSY_VALUE_REJECTION", "Promise was rejected with falsy value");
          (wrapped as Error & { reason?: unknown }).reason = e;
          e = wrapped;
        }
        (globalThis as any).process.nextTick(cb, e);
      },
    );
  };
}

function inherits(ctor: AnyFn, superCtor: AnyFn): void {
  if (typeof ctor !== "function") throw invalidArgType("ctor", "of type function", ctor);
  if (typeof superCtor !== "function") throw invalidArgType("superCtor", "of type function", superCtor);
  if (superCtor.prototype === undefined) throw invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
  Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warned = new Set<string>();
function deprecate<T extends AnyFn>(fn: T, msg: string, code?: string): T {
  let done = false;
  return function (this: unknown, ...args: unknown[]) {
    if (!done && !(code && warned.has(code))) {
      done = true;
      if (code) warned.add(code);
      (globalThis as any).process.emitWarning(msg, "DeprecationWarning", code);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
  } as T;
}

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  return deepEqual(a, b, new Map());
}

function deepEqual(a: unknown, b: unknown, memo: Map<object, object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Object.prototype.toString.call(a) !== Object.prototype.toString.call(b)) return false;
  if (memo.get(a) === b) return true;
  memo.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b) && a.lastIndex === (b as RegExp).lastIndex;
  if (a instanceof Error && (a.message !== (b as Error).message || a.name !== (b as Error).name)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  if (a instanceof Map) {
    const bm = b as Map<unknown, unknown>;
    if (a.size !== bm.size) return false;
    for (const [k, v] of a) if (!bm.has(k) || !deepEqual(v, bm.get(k), memo)) return false;
  } else if (a instanceof Set) {
    const bs = b as Set<unknown>;
    if (a.size !== bs.size) return false;
    outer: for (const v of a) {
      if (bs.has(v)) continue;
      if (typeof v === "object" && v !== null) {
        for (const w of bs) if (deepEqual(v, w, memo)) continue outer;
      }
      return false;
    }
  }
  const ka = Reflect.ownKeys(a).filter((k) => Object.prototype.propertyIsEnumerable.call(a, k));
  const kb = Reflect.ownKeys(b).filter((k) => Object.prototype.propertyIsEnumerable.call(b, k));
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.propertyIsEnumerable.call(b, k)) return false;
    if (!deepEqual((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], memo)) return false;
  }
  return true;
}

/** Node's style codes (inspect.colors); aliases are non-enumerable, as in Node. */
const colors: Record<string, [number, number]> = {
  reset: [0, 0], bold: [1, 22], dim: [2, 22], italic: [3, 23], underline: [4, 24], blink: [5, 25], inverse: [7, 27],
  hidden: [8, 28], strikethrough: [9, 29], doubleunderline: [21, 24], black: [30, 39], red: [31, 39], green: [32, 39],
  yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39], white: [37, 39], bgBlack: [40, 49], bgRed: [41, 49],
  bgGreen: [42, 49], bgYellow: [43, 49], bgBlue: [44, 49], bgMagenta: [45, 49], bgCyan: [46, 49], bgWhite: [47, 49],
  framed: [51, 54], overlined: [53, 55], gray: [90, 39], redBright: [91, 39], greenBright: [92, 39], yellowBright: [93, 39],
  blueBright: [94, 39], magentaBright: [95, 39], cyanBright: [96, 39], whiteBright: [97, 39], bgGray: [100, 49],
  bgRedBright: [101, 49], bgGreenBright: [102, 49], bgYellowBright: [103, 49], bgBlueBright: [104, 49],
  bgMagentaBright: [105, 49], bgCyanBright: [106, 49], bgWhiteBright: [107, 49],
};
for (const [alias, target] of [["grey", "gray"], ["blackBright", "gray"], ["bgGrey", "bgGray"], ["bgBlackBright", "bgGray"], ["faint", "dim"], ["crossedout", "strikethrough"], ["strikeThrough", "strikethrough"], ["crossedOut", "strikethrough"], ["conceal", "hidden"], ["swapColors", "inverse"], ["swapcolors", "inverse"], ["doubleUnderline", "doubleunderline"]] as const) {
  Object.defineProperty(colors, alias, { get: () => colors[target], set: (v) => { colors[target] = v; }, configurable: true, enumerable: false });
}
(inspect as unknown as Record<string, unknown>).colors = colors;
(inspect as unknown as Record<string, unknown>).styles = Object.assign(Object.create(null), {
  special: "cyan", number: "yellow", bigint: "yellow", boolean: "yellow", undefined: "grey", null: "bold",
  string: "green", symbol: "green", date: "magenta", regexp: "red", module: "underline",
});

/**
 * Node 20's styleText: validates, then returns the text unchanged when the stream is not
 * a colour terminal — always so in the sandbox, whose stdout is never a TTY. (Node 20
 * applies an array of formats without that check; so does this.)
 */
function styleText(format: string | string[], text: string, options?: { validateStream?: boolean; stream?: unknown }): string {
  if (typeof text !== "string") throw invalidArgType("text", "of type string", text);
  const validateStream = options?.validateStream ?? true;
  if (typeof validateStream !== "boolean") throw invalidArgType("options.validateStream", "of type boolean", validateStream);
  const check = (key: string) => {
    if (colors[key] == null) {
      const list = Object.keys(colors).map((k) => `'${k}'`).join(", ");
      throw nodeError("ERR_INVALID_ARG_VALUE", `The argument 'format' must be one of: ${list}. Received ${baseInspect(key)}`, TypeError);
    }
    return colors[key]!;
  };
  if (Array.isArray(format)) {
    let left = "";
    let right = "";
    for (const key of format) {
      const [open, close] = check(key);
      left += `\u001b[${open}m`;
      right = `\u001b[${close}m${right}`;
    }
    return `${left}${text}${right}`;
  }
  const [open, close] = check(format);
  if (validateStream) return text;
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

function getSystemErrorName(err: unknown): string {
  if (typeof err !== "number") throw invalidArgType("err", "of type number", err);
  if (err >= 0 || !Number.isSafeInteger(err)) {
    throw nodeError("ERR_OUT_OF_RANGE", `The value of "err" is out of range. It must be a negative integer. Received ${err}`, RangeError);
  }
  return systemErrorMap().get(err)?.[0] ?? `Unknown system error ${err}`;
}

type Signal = { aborted: boolean; addEventListener(t: string, fn: () => void, o: object): void };
async function aborted(signal: Signal, resource: unknown): Promise<void> {
  if (!(signal instanceof (globalThis as any).AbortSignal)) throw invalidArgType("signal", "an instance of AbortSignal", signal);
  if (resource === null || (typeof resource !== "object" && typeof resource !== "function")) throw invalidArgType("resource", "of type object", resource);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function debuglog(section: string, cb?: (fn: AnyFn) => void): AnyFn & { enabled: boolean } {
  const env = String(((globalThis as any).process?.env?.NODE_DEBUG as string | undefined) ?? "");
  const wanted = env.split(/[\s,]+/).filter(Boolean).map((s) => new RegExp(`^${s.replace(/[|\\{}()[\]^$+?.]/g, "\\$&").replace(/\*/g, ".*")}$`, "i"));
  const enabled = wanted.some((re) => re.test(section));
  const pid = (globalThis as any).process?.pid ?? 1;
  const logger = Object.assign((...args: unknown[]) => {
    if (enabled) (globalThis as any).process.stderr.write(`${section.toUpperCase()} ${pid}: ${format(...args)}\n`);
  }, { enabled });
  if (cb) cb(logger);
  return logger;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function log(...args: unknown[]): void {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = [pad(d.getHours()), pad(d.getMinutes()), pad(d.getSeconds())].join(":");
  (globalThis as any).console.log("%s - %s", `${d.getDate()} ${MONTHS[d.getMonth()]} ${time}`, format(...args));
}

const util = {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  isDeepStrictEqual,
  types,
  styleText,
  parseArgs,
  aborted,
  debuglog,
  debug: debuglog,
  log,
  getSystemErrorName,
  getSystemErrorMap: () => new Map(systemErrorMap()),
  _extend(target: Record<string, unknown>, source: unknown): unknown {
    if (source === null || typeof source !== "object") return target;
    for (const k of Object.keys(source)) target[k] = (source as Record<string, unknown>)[k];
    return target;
  },
  get TextEncoder() {
    return (globalThis as any).TextEncoder;
  },
  get TextDecoder() {
    return (globalThis as any).TextDecoder;
  },
  isArray: Array.isArray,
  isBoolean: (v: unknown) => typeof v === "boolean",
  isBuffer: (v: unknown) => (globalThis as any).Buffer.isBuffer(v),
  isNull: (v: unknown) => v === null,
  isNullOrUndefined: (v: unknown) => v === null || v === undefined,
  isSymbol: (v: unknown) => typeof v === "symbol",
  isUndefined: (v: unknown) => v === undefined,
  isError: (v: unknown) => types.isNativeError(v) || v instanceof Error,
  isFunction: (v: unknown) => typeof v === "function",
  isString: (v: unknown) => typeof v === "string",
  isNumber: (v: unknown) => typeof v === "number",
  isObject: (v: unknown) => v !== null && typeof v === "object",
  isPrimitive: (v: unknown) => v === null || (typeof v !== "object" && typeof v !== "function"),
  isRegExp: types.isRegExp,
  isDate: types.isDate,
  toUSVString: (s: unknown) => `${s}`.toWellFormed(),
  stripVTControlCharacters: (s: string) => String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ""),
};

export default util;
