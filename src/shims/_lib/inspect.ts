/**
 * `util.inspect` for the guest, following Node's layout rules (breakLength 80,
 * compact 3, depth 2, array grouping, `<ref *1>` markers) so that console output
 * matches what host Node prints for the same values. Colors are never emitted.
 */

export interface InspectOptions {
  depth?: number | null;
  breakLength?: number;
  compact?: number | boolean;
  showHidden?: boolean;
  maxArrayLength?: number;
  maxStringLength?: number;
  sorted?: boolean;
  getters?: boolean | "get" | "set";
  colors?: boolean;
  customInspect?: boolean;
  numericSeparator?: boolean;
  showProxy?: boolean;
}

interface Ctx {
  depth: number;
  breakLength: number;
  compact: number | boolean;
  showHidden: boolean;
  maxArrayLength: number;
  maxStringLength: number;
  sorted: boolean;
  getters: boolean | "get" | "set";
  customInspect: boolean;
  numericSeparator: boolean;
  showProxy: boolean;
  seen: unknown[];
  circular: Map<unknown, number>;
  indentationLvl: number;
  currentDepth: number;
}

const kObjectType = 0;
const kArrayType = 1;
const kArrayExtrasType = 2;

export const customInspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/** [target, handler] of a proxy made by the global Proxy, null once revoked, undefined otherwise. */
function proxyDetails(v: object): [unknown, unknown] | null | undefined {
  const reg = (globalThis as Record<symbol, ((v: unknown) => [unknown, unknown] | null | undefined) | undefined>)[Symbol.for("quicksand.proxyDetails")];
  return reg ? reg(v) : undefined;
}

export function inspect(value: unknown, opts: InspectOptions = {}): string {
  const ctx: Ctx = {
    depth: opts.depth === null ? Infinity : opts.depth ?? 2,
    breakLength: opts.breakLength ?? 80,
    compact: opts.compact ?? 3,
    showHidden: opts.showHidden ?? false,
    maxArrayLength: opts.maxArrayLength ?? 100,
    maxStringLength: opts.maxStringLength ?? 10000,
    sorted: opts.sorted ?? false,
    getters: opts.getters ?? false,
    customInspect: opts.customInspect ?? true,
    numericSeparator: opts.numericSeparator ?? false,
    showProxy: opts.showProxy ?? false,
    seen: [],
    circular: new Map(),
    indentationLvl: 0,
    currentDepth: 0,
  };
  return formatValue(ctx, value, 0, true);
}

// ---------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------

const META: Record<string, string> = {
  "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\v": "\\v", "\\": "\\\\",
};

export function quoteString(str: string): string {
  let quote = "'";
  if (str.includes("'")) {
    if (!str.includes('"')) quote = '"';
    else if (!str.includes("`") && !str.includes("${")) quote = "`";
  }
  let out = "";
  for (let i = 0; i < str.length; i++) {
    const ch = str[i]!;
    const code = ch.charCodeAt(0);
    if (ch === quote) out += "\\" + ch;
    else if (META[ch] !== undefined) out += META[ch];
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0").toUpperCase();
    else out += ch;
  }
  return quote + out + quote;
}

function formatNumber(n: number): string {
  return Object.is(n, -0) ? "-0" : `${n}`;
}

/** `numericSeparator: true`: underscores every three digits, both sides of the point (as Node). */
function withSeparators(n: number): string {
  const integer = Math.trunc(n);
  const str = String(integer);
  if (integer === n) return !Number.isFinite(n) || str.includes("e") ? str : addSeparator(str);
  if (Number.isNaN(n)) return str;
  return `${addSeparator(str)}.${addSeparatorEnd(String(n).slice(str.length + 1))}`;
}
function addSeparator(s: string): string {
  let result = "";
  let i = s.length;
  const start = s.startsWith("-") ? 1 : 0;
  for (; i >= start + 4; i -= 3) result = `_${s.slice(i - 3, i)}${result}`;
  return i === s.length ? s : `${s.slice(0, i)}${result}`;
}
function addSeparatorEnd(s: string): string {
  let result = "";
  let i = 0;
  for (; i < s.length - 3; i += 3) result += `${s.slice(i, i + 3)}_`;
  return i === 0 ? s : `${result}${s.slice(i)}`;
}

function formatPrimitive(ctx: Ctx, value: unknown): string {
  switch (typeof value) {
    case "string": {
      let s = value;
      let trailer = "";
      if (s.length > ctx.maxStringLength) {
        const remaining = s.length - ctx.maxStringLength;
        s = s.slice(0, ctx.maxStringLength);
        trailer = `... ${remaining} more character${remaining > 1 ? "s" : ""}`;
      }
      return quoteString(s) + trailer;
    }
    case "number":
      return ctx.numericSeparator ? withSeparators(value) : formatNumber(value);
    case "bigint":
      return ctx.numericSeparator ? `${addSeparator(`${value}`)}n` : `${value}n`;
    case "boolean":
      return `${value}`;
    case "undefined":
      return "undefined";
    case "symbol":
      return value.toString();
    default:
      return String(value);
  }
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

function formatValue(ctx: Ctx, value: unknown, recurseTimes: number, typedArray = false): string {
  if (value === null) return "null";
  if (typeof value !== "object" && typeof value !== "function") return formatPrimitive(ctx, value);

  // Proxies made through the global Proxy are known (proxy-registry.ts): inspect their
  // target without running traps, or show both halves under `showProxy`.
  const proxy = proxyDetails(value);
  if (proxy !== undefined) {
    if (proxy === null) return "<Revoked Proxy>";
    if (ctx.showProxy) {
      if (recurseTimes > ctx.depth) return "Proxy [Array]";
      ctx.indentationLvl += 2;
      const res = [formatValue(ctx, proxy[0], recurseTimes + 1), formatValue(ctx, proxy[1], recurseTimes + 1)];
      ctx.indentationLvl -= 2;
      return reduceToSingleString(ctx, res, "", ["Proxy [", "]"], kArrayExtrasType, recurseTimes + 1, undefined);
    }
    value = proxy[0];
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return formatPrimitive(ctx, value);
  }

  const custom = ctx.customInspect ? (value as Record<symbol, unknown>)[customInspectSymbol] : undefined;
  if (typeof custom === "function" && custom !== inspect) {
    const depth = ctx.depth - recurseTimes;
    // As Node: the first argument is the depth left, the options carry the caller's depth.
    const options = {
      depth: ctx.depth, breakLength: ctx.breakLength, compact: ctx.compact, showHidden: ctx.showHidden,
      maxArrayLength: ctx.maxArrayLength, maxStringLength: ctx.maxStringLength, sorted: ctx.sorted,
      getters: ctx.getters, customInspect: ctx.customInspect, colors: false,
    };
    const ret = custom.call(value, depth, options, inspect);
    if (ret !== value) {
      if (typeof ret !== "string") return formatValue(ctx, ret, recurseTimes);
      return ret.replaceAll("\n", `\n${" ".repeat(ctx.indentationLvl)}`);
    }
  }

  if (ctx.seen.includes(value)) {
    let index = ctx.circular.get(value);
    if (index === undefined) {
      index = ctx.circular.size + 1;
      ctx.circular.set(value, index);
    }
    return `[Circular *${index}]`;
  }
  void typedArray;
  return formatRaw(ctx, value as object, recurseTimes);
}

function getConstructorName(obj: object): string | null {
  let o: object | null = obj;
  while (o !== null) {
    const desc = Object.getOwnPropertyDescriptor(o, "constructor");
    if (desc !== undefined && typeof desc.value === "function" && desc.value.name !== "") {
      return String(desc.value.name);
    }
    o = Object.getPrototypeOf(o);
  }
  return null;
}

function getPrefix(constructor: string | null, tag: string, fallback: string, size = ""): string {
  if (constructor === null) {
    if (tag !== "" && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== "" && constructor !== tag) return `${constructor}${size} [${tag}] `;
  return `${constructor}${size} `;
}

function isError(v: object): v is Error {
  return v instanceof Error || Object.prototype.toString.call(v) === "[object Error]";
}

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag)!.get!;

function isTypedArray(v: object): boolean {
  return typedArrayTag.call(v) !== undefined;
}

function keysOf(ctx: Ctx, value: object): (string | symbol)[] {
  const symbols = Object.getOwnPropertySymbols(value);
  if (ctx.showHidden) return [...Object.getOwnPropertyNames(value), ...symbols];
  const keys: (string | symbol)[] = Object.keys(value);
  for (const s of symbols) if (Object.prototype.propertyIsEnumerable.call(value, s)) keys.push(s);
  return keys;
}

function formatRaw(ctx: Ctx, value: object, recurseTimes: number): string {
  let keys: (string | symbol)[] = [];
  const constructor = getConstructorName(value);
  let tag = (value as Record<symbol, unknown>)[Symbol.toStringTag];
  // An own tag is printed as a key already; only an inherited (or hidden) one is shown in brackets.
  const ownTag = ctx.showHidden ? Object.prototype.hasOwnProperty : Object.prototype.propertyIsEnumerable;
  if (typeof tag !== "string" || (tag !== "" && ownTag.call(value, Symbol.toStringTag))) tag = "";
  let base = "";
  let formatter: (ctx: Ctx, v: any, r: number) => string[] = formatObjectEntries;
  let braces: [string, string];
  let noIterator = true;
  let extrasType = kObjectType;

  const protoTag = tag as string;
  // Iterable collections first, as Node does.
  if (Symbol.iterator in value || constructor === null) {
    noIterator = false;
    if (Array.isArray(value)) {
      const prefix = constructor !== "Array" || protoTag !== "" ? getPrefix(constructor, protoTag, "Array", `(${value.length})`) : "";
      keys = keysOf(ctx, value).filter((k) => typeof k === "symbol" || !isIndex(k, value.length));
      braces = [`${prefix}[`, "]"];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
    } else if (value instanceof Set) {
      keys = keysOf(ctx, value);
      const prefix = getPrefix(constructor, protoTag, "Set", `(${value.size})`);
      formatter = formatSet;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, "}"];
    } else if (value instanceof Map) {
      keys = keysOf(ctx, value);
      const prefix = getPrefix(constructor, protoTag, "Map", `(${value.size})`);
      formatter = formatMap;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, "}"];
    } else if (isTypedArray(value)) {
      const ta = value as unknown as ArrayLike<number | bigint> & { length: number };
      keys = keysOf(ctx, value).filter((k) => typeof k === "symbol" || !isIndex(k, ta.length));
      const fallback = typedArrayTag.call(value) as string;
      const prefix = getPrefix(constructor, protoTag === fallback ? "" : protoTag, fallback, `(${ta.length})`);
      braces = [`${prefix}[`, "]"];
      if (ta.length === 0 && keys.length === 0) return `${braces[0]}]`;
      formatter = formatTypedArray;
      extrasType = kArrayExtrasType;
    } else if (value instanceof Map || value instanceof Set) {
      braces = ["{", "}"];
    } else {
      noIterator = true;
    }
  }
  if (noIterator) {
    keys = keysOf(ctx, value);
    braces = ["{", "}"];
    if (constructor === "Object") {
      if (protoTag !== "") braces[0] = `${getPrefix(constructor, protoTag, "Object")}{`;
      if (keys.length === 0) return `${braces[0]}}`;
    } else if (typeof value === "function") {
      base = formatFunctionBase(value as (...a: unknown[]) => unknown, constructor, protoTag);
      keys = keys.filter((k) => k !== "prototype");
      if (keys.length === 0) return base;
    } else if (value instanceof RegExp) {
      base = RegExp.prototype.toString.call(value);
      const prefix = getPrefix(constructor, protoTag, "RegExp");
      if (prefix !== "RegExp ") base = `${prefix}${base}`;
      if (keys.length === 0) return base;
    } else if (value instanceof Date) {
      base = Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
      const prefix = getPrefix(constructor, protoTag, "Date");
      if (prefix !== "Date ") base = `${prefix}${base}`;
      if (keys.length === 0) return base;
    } else if (isError(value)) {
      base = formatError(value, constructor, protoTag, ctx, keys);
      keys = keys.filter((k) => k !== "stack" && k !== "message");
      if (keys.length === 0) return base;
    } else if (value instanceof ArrayBuffer) {
      const prefix = getPrefix(constructor, protoTag, "ArrayBuffer");
      const bytes = new Uint8Array(value);
      let contents = Array.from(bytes.subarray(0, Math.min(ctx.maxArrayLength, 50)), (b) => b.toString(16).padStart(2, "0")).join(" ");
      const rest = bytes.length - Math.min(ctx.maxArrayLength, 50);
      if (rest > 0) contents += ` ... ${rest} more byte${rest > 1 ? "s" : ""}`;
      const output = [`[Uint8Contents]: <${contents}>`, `byteLength: ${formatNumber(value.byteLength)}`];
      for (const k of keys) output.push(formatProperty(ctx, value, recurseTimes, k, kObjectType));
      braces = [`${prefix}{`, "}"];
      return reduceToSingleString(ctx, output, "", braces, kObjectType, recurseTimes, value);
    } else if (value instanceof Promise) {
      braces[0] = `${getPrefix(constructor, protoTag, "Promise")}{`;
      const output = ["<pending>"];
      for (const k of keys) output.push(formatProperty(ctx, value, recurseTimes, k, kObjectType));
      return reduceToSingleString(ctx, output, "", braces, kObjectType, recurseTimes, value);
    } else if (value instanceof WeakMap || value instanceof WeakSet) {
      return `${getPrefix(constructor, protoTag, value instanceof WeakMap ? "WeakMap" : "WeakSet")}{ <items unknown> }`;
    } else if (isBoxed(value)) {
      const [type, inner] = boxedInfo(value);
      base = `[${type}`;
      if (type !== constructor) base += constructor === null ? " (null prototype)" : ` (${constructor})`;
      base += `: ${formatPrimitive({ ...ctx, maxStringLength: Infinity } as Ctx, inner)}]`;
      if (type === "String") keys = keys.filter((k) => typeof k === "symbol" || !isIndex(k, (inner as string).length));
      if (keys.length === 0) return base;
    } else {
      if (constructor === null) braces[0] = `${getPrefix(constructor, protoTag, "Object")}{`;
      else braces[0] = `${getPrefix(constructor, protoTag, "Object")}{`;
      if (keys.length === 0) return `${braces[0]}}`;
    }
  }

  if (recurseTimes > ctx.depth && ctx.depth !== null) {
    const name = (constructor ?? protoTag) || "Object";
    return `[${Array.isArray(value) ? "Array" : name.replace(/ \[.*$/, "")}]`;
  }
  recurseTimes += 1;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  let output: string[];
  try {
    output = formatter(ctx, value, recurseTimes);
    for (const k of ctx.sorted ? keys.slice().sort() : keys) {
      output.push(formatProperty(ctx, value, recurseTimes, k, extrasType));
    }
  } finally {
    ctx.seen.pop();
  }
  const ref = ctx.circular.get(value);
  if (ref !== undefined) {
    const marker = `<ref *${ref}>`;
    base = base === "" ? marker : `${marker} ${base}`;
  }
  return reduceToSingleString(ctx, output, base, braces!, extrasType, recurseTimes, value);
}

function isIndex(k: string | symbol, length: number): boolean {
  if (typeof k !== "string") return false;
  if (!/^(0|[1-9][0-9]*)$/.test(k)) return false;
  return Number(k) < length;
}

function isBoxed(v: object): boolean {
  return v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt || v instanceof Symbol;
}

function boxedInfo(v: object): [string, unknown] {
  if (v instanceof Number) return ["Number", Number.prototype.valueOf.call(v)];
  if (v instanceof String) return ["String", String.prototype.valueOf.call(v)];
  if (v instanceof Boolean) return ["Boolean", Boolean.prototype.valueOf.call(v)];
  if (v instanceof BigInt) return ["BigInt", BigInt.prototype.valueOf.call(v)];
  return ["Symbol", Symbol.prototype.valueOf.call(v)];
}

function formatFunctionBase(fn: (...a: unknown[]) => unknown, constructor: string | null, tag: string): string {
  const src = Function.prototype.toString.call(fn);
  if (src.startsWith("class") && /^class(\s|\{)/.test(src)) {
    let base = `[class ${fn.name || "(anonymous)"}`;
    const superName = Object.getPrototypeOf(fn)?.name;
    if (superName) base += ` extends ${superName}`;
    return base + "]";
  }
  let type = "Function";
  if (tag === "AsyncFunction" || tag === "GeneratorFunction" || tag === "AsyncGeneratorFunction") type = tag;
  let base = `[${type}`;
  if (constructor === null) base += " (null prototype)";
  base += fn.name === "" ? " (anonymous)" : `: ${fn.name}`;
  base += "]";
  if (constructor !== type && constructor !== null && constructor !== "Function") base += ` ${constructor}`;
  return base;
}

function formatError(err: Error, constructor: string | null, tag: string, ctx: Ctx, keys: (string | symbol)[]): string {
  void tag;
  void ctx;
  void keys;
  const stack = errorStack(err);
  let out = stack;
  const name = err.name != null ? String(err.name) : "Error";
  if (constructor !== null && constructor !== name && out.startsWith(name) && !out.startsWith(constructor)) {
    out = `${constructor} [${name}]` + out.slice(name.length);
  }
  return out;
}

/** The error's stack as Node prints it: the `Name: message` line, then the frames. */
export function errorStack(err: Error): string {
  const stack = typeof err.stack === "string" ? err.stack : "";
  const header = errorHeader(err);
  if (stack === "") return `[${header}]`;
  if (/^\s+at /.test(stack)) return `${header}\n${stack.replace(/\n$/, "")}`;
  return stack.replace(/\n$/, "");
}

function errorHeader(err: Error): string {
  let name: string;
  let message: string;
  try {
    name = err.name != null ? String(err.name) : "Error";
    message = err.message != null ? String(err.message) : "";
  } catch {
    return "Error";
  }
  return message === "" ? name : `${name}: ${message}`;
}

// ---------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------

function formatObjectEntries(): string[] {
  return [];
}

function formatArray(ctx: Ctx, value: unknown[], recurseTimes: number): string[] {
  const len = value.length;
  const max = Math.min(Math.max(0, ctx.maxArrayLength), len);
  const output: string[] = [];
  let i = 0;
  for (; i < max; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) {
      let j = i;
      while (j < len && !Object.prototype.hasOwnProperty.call(value, j)) j++;
      const holes = j - i;
      output.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
      i = j - 1;
      if (output.length >= max) { i = j; break; }
      continue;
    }
    output.push(formatProperty(ctx, value, recurseTimes, i, kArrayExtrasType));
  }
  const remaining = len - i;
  if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? "s" : ""}`);
  return output;
}

function formatTypedArray(ctx: Ctx, value: ArrayLike<number | bigint>, recurseTimes: number): string[] {
  void recurseTimes;
  const len = value.length;
  const max = Math.min(Math.max(0, ctx.maxArrayLength), len);
  const output: string[] = [];
  for (let i = 0; i < max; i++) {
    const v = value[i]!;
    output.push(typeof v === "bigint" ? `${v}n` : formatNumber(v));
  }
  if (len > max) output.push(`... ${len - max} more item${len - max > 1 ? "s" : ""}`);
  return output;
}

function formatSet(ctx: Ctx, value: Set<unknown>, recurseTimes: number): string[] {
  ctx.indentationLvl += 2;
  const output: string[] = [];
  for (const v of value) output.push(formatValue(ctx, v, recurseTimes));
  ctx.indentationLvl -= 2;
  return output;
}

function formatMap(ctx: Ctx, value: Map<unknown, unknown>, recurseTimes: number): string[] {
  ctx.indentationLvl += 2;
  const output: string[] = [];
  for (const [k, v] of value) {
    output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
  }
  ctx.indentationLvl -= 2;
  return output;
}

const IDENT = /^[a-zA-Z_][a-zA-Z_0-9]*$/;

function formatProperty(ctx: Ctx, value: object, recurseTimes: number, key: string | number | symbol, type: number): string {
  let name: string;
  let str: string;
  const desc = Object.getOwnPropertyDescriptor(value, key) ?? { value: (value as Record<PropertyKey, unknown>)[key], enumerable: true };
  if (desc.value !== undefined || !("get" in desc || "set" in desc)) {
    const diff = ctx.compact !== true ? 2 : 3;
    ctx.indentationLvl += diff;
    str = formatValue(ctx, desc.value, recurseTimes);
    if (diff === 3 && ctx.breakLength < str.length) str = `\n${" ".repeat(ctx.indentationLvl)}${str}`;
    ctx.indentationLvl -= diff;
  } else if (desc.get !== undefined) {
    const label = desc.set !== undefined ? "Getter/Setter" : "Getter";
    const g = ctx.getters;
    if (g === true || (g === "get" && desc.set === undefined) || (g === "set" && desc.set !== undefined)) {
      try {
        const tmp = desc.get.call(value);
        ctx.indentationLvl += 2;
        if (tmp !== null && typeof tmp === "object") str = `[${label}] ${formatValue(ctx, tmp, recurseTimes)}`;
        else str = `[${label}: ${formatValue(ctx, tmp, recurseTimes)}]`;
        ctx.indentationLvl -= 2;
      } catch (err) {
        str = `[${label}: <Inspection threw (${(err as Error).message})>]`;
      }
    } else {
      str = `[${label}]`;
    }
  } else if (desc.set !== undefined) {
    str = "[Setter]";
  } else {
    str = "undefined";
  }
  if (type === kArrayExtrasType && typeof key === "number") return str;
  if (typeof key === "symbol") {
    name = `[${key.toString()}]`;
  } else if (typeof key === "number" || IDENT.test(key)) {
    name = String(key);
  } else {
    name = quoteString(key);
  }
  if (desc.enumerable === false) name = `[${name}]`;
  return `${name}: ${str}`;
}

// ---------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------

function isBelowBreakLength(ctx: Ctx, output: string[], start: number, base: string): boolean {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    totalLength += entry.length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === "" || !base.includes("\n");
}

function reduceToSingleString(
  ctx: Ctx,
  output: string[],
  base: string,
  braces: [string, string],
  extrasType: number,
  recurseTimes: number,
  value: unknown,
): string {
  if (ctx.compact !== true) {
    if (typeof ctx.compact === "number" && ctx.compact >= 1) {
      const entries = output.length;
      if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value as unknown[]);
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
        if (isBelowBreakLength(ctx, output, start, base)) {
          const joined = output.join(", ");
          if (!joined.includes("\n")) {
            return `${base ? `${base} ` : ""}${braces[0]} ${joined} ${braces[1]}`;
          }
        }
      }
    }
    const indentation = `\n${" ".repeat(ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ""}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }
  if (isBelowBreakLength(ctx, output, 0, base)) {
    return `${braces[0]}${base ? ` ${base}` : ""} ${output.join(", ")} ${braces[1]}`;
  }
  const indentation = `\n${" ".repeat(ctx.indentationLvl)}`;
  const ln = base === "" && braces[0].length === 1 ? " " : `${base ? ` ${base}` : ""}\n${indentation}  `;
  return `${braces[0]}${ln}${output.join(`,\n${indentation}  `)} ${braces[1]}`;
}

/** Lays short array entries out in aligned columns, as Node does for arrays of > 6 items. */
function groupArrayElements(ctx: Ctx, output: string[], value: unknown[] | undefined): string[] {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  if (value !== undefined && ctx.maxArrayLength < (value as unknown[]).length && outputLength > 0 && output[outputLength - 1]!.startsWith("... ")) {
    outputLength--;
  }
  const separatorSpace = 2;
  const dataLen: number[] = new Array(outputLength);
  for (let i = 0; i < outputLength; i++) {
    const len = output[i]!.length;
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      (ctx.compact as number) * 4,
      15,
    );
    if (columns <= 1) return output;
    const tmp: string[] = [];
    const maxLineLength: number[] = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) {
        if (dataLen[j]! > lineLength) lineLength = dataLen[j]!;
      }
      maxLineLength.push(lineLength + separatorSpace);
    }
    let padStart = true;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        const v = value[i];
        if (typeof v !== "number" && typeof v !== "bigint") {
          padStart = false;
          break;
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let str = "";
      let j = i;
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `;
        str += padStart ? cell.padStart(maxLineLength[j - i]!, " ") : cell.padEnd(maxLineLength[j - i]!, " ");
      }
      if (padStart) str += output[j]!.padStart(maxLineLength[j - i]! - separatorSpace, " ");
      else str += output[j];
      tmp.push(str);
    }
    if (outputLength < output.length) tmp.push(output[outputLength]!);
    output = tmp;
  }
  return output;
}
