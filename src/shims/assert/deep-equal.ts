/**
 * Deep equality for assert (strict and loose modes), with Node's rules: strict mode
 * compares with Object.is, prototypes and [[Class]] tags, and enumerable symbol keys;
 * loose mode compares primitives with ==. Errors compare name and message (and
 * `cause`/`errors`) even though those are not enumerable. Cycles are handled with a memo.
 */
const toString = Object.prototype.toString;
const isEnum = Object.prototype.propertyIsEnumerable;
const hasOwn = Object.prototype.hasOwnProperty;

type Memo = { a: Map<object, object>; b: Map<object, object> } | undefined;

export function isDeepEqual(a: unknown, b: unknown, strict: boolean): boolean {
  return inner(a, b, strict, undefined);
}

function inner(a: unknown, b: unknown, strict: boolean, memo: Memo): boolean {
  if (a === b) return a !== 0 || !strict || Object.is(a, b);
  if (strict) {
    if (typeof a !== "object") return typeof a === "number" && Number.isNaN(a) && Number.isNaN(b);
    if (typeof b !== "object" || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  } else {
    if (a === null || typeof a !== "object") {
      if (b === null || typeof b !== "object") return a == b || (Number.isNaN(a) && Number.isNaN(b)); // eslint-disable-line eqeqeq
      return false;
    }
    if (b === null || typeof b !== "object") return false;
  }
  const tag = toString.call(a);
  if (tag !== toString.call(b)) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return keysEqual(a, b, strict, memo, true);
  }
  if (tag === "[object Object]") {
    return keysEqual(a as object, b as object, strict, memo, false);
  }
  if (a instanceof Date) {
    if (!(b instanceof Date) || a.getTime() !== b.getTime()) return false;
  } else if (a instanceof RegExp) {
    if (!(b instanceof RegExp) || a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
  } else if (a instanceof Error) {
    if (!(b instanceof Error) || a.message !== b.message || a.name !== b.name) return false;
    if (hasOwn.call(a, "cause") !== hasOwn.call(b, "cause") || !inner((a as { cause?: unknown }).cause, (b as { cause?: unknown }).cause, strict, memo)) return false;
    if (hasOwn.call(a, "errors") !== hasOwn.call(b, "errors") || !inner((a as { errors?: unknown }).errors, (b as { errors?: unknown }).errors, strict, memo)) return false;
  } else if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b)) return false;
    if (a instanceof DataView || (!strict && (tag === "[object Float32Array]" || tag === "[object Float64Array]"))) {
      if (!(a instanceof DataView)) {
        const x = a as unknown as ArrayLike<number>;
        const y = b as unknown as ArrayLike<number>;
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
        return keysEqual(a, b, strict, memo, true, true);
      }
    }
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return keysEqual(a, b, strict, memo, true, true);
  } else if (a instanceof ArrayBuffer || tag === "[object SharedArrayBuffer]") {
    const x = new Uint8Array(a as ArrayBuffer);
    const y = new Uint8Array(b as ArrayBuffer);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  } else if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    return keysEqual(a, b, strict, memo, false) && setEqual(a, b, strict, memo);
  } else if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    return keysEqual(a, b, strict, memo, false) && mapEqual(a, b, strict, memo);
  } else if (tag === "[object Number]" || tag === "[object String]" || tag === "[object Boolean]" || tag === "[object BigInt]" || tag === "[object Symbol]") {
    const unbox = (v: object) => (v as { valueOf(): unknown }).valueOf();
    if (!Object.is(unbox(a), unbox(b as object))) return false;
    if (tag === "[object String]") return keysEqual(a, b as object, strict, memo, true, true);
  } else if (tag === "[object WeakMap]" || tag === "[object WeakSet]" || tag === "[object Promise]") {
    return false;
  }
  return keysEqual(a, b as object, strict, memo, false);
}

function ownKeys(o: object, strict: boolean, skipIndices: boolean): (string | symbol)[] {
  let keys: (string | symbol)[] = Object.keys(o);
  if (skipIndices) keys = keys.filter((k) => !/^(0|[1-9][0-9]*)$/.test(k as string));
  if (strict) for (const s of Object.getOwnPropertySymbols(o)) if (isEnum.call(o, s)) keys.push(s);
  return keys;
}

function keysEqual(a: object, b: object, strict: boolean, memo: Memo, isArrayLike: boolean, skipIndices = false): boolean {
  const ka = ownKeys(a, strict, skipIndices);
  const kb = ownKeys(b, strict, skipIndices);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!isEnum.call(b, k)) return false;
  // Cycle memo: a pair already being compared counts as equal.
  if (memo === undefined) memo = { a: new Map(), b: new Map() };
  else {
    const pa = memo.a.get(a);
    if (pa !== undefined) {
      const pb = memo.b.get(b);
      if (pb !== undefined) return pa === b && pb === a;
    }
  }
  memo.a.set(a, b);
  memo.b.set(b, a);
  try {
    if (isArrayLike && !skipIndices) {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < x.length; i++) {
        const ha = hasOwn.call(x, i);
        if (ha !== hasOwn.call(y, i)) return false;
        if (!inner(x[i], y[i], strict, memo)) return false;
      }
      for (const k of ka) if (!/^(0|[1-9][0-9]*)$/.test(String(k)) && !inner((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], strict, memo)) return false;
      return true;
    }
    for (const k of ka) if (!inner((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], strict, memo)) return false;
    return true;
  } finally {
    memo.a.delete(a);
    memo.b.delete(b);
  }
}

function setEqual(a: Set<unknown>, b: Set<unknown>, strict: boolean, memo: Memo): boolean {
  let pending: unknown[] | null = null;
  for (const v of a) {
    if (typeof v === "object" && v !== null) (pending ??= []).push(v);
    else if (!b.has(v)) {
      if (strict) return false;
      (pending ??= []).push(v);
    }
  }
  if (pending === null) return true;
  const candidates = [...b].filter((v) => (typeof v === "object" && v !== null) || !a.has(v));
  for (const v of pending) {
    const i = candidates.findIndex((w) => inner(v, w, strict, memo));
    if (i === -1) return false;
    candidates.splice(i, 1);
  }
  return candidates.length === 0;
}

function mapEqual(a: Map<unknown, unknown>, b: Map<unknown, unknown>, strict: boolean, memo: Memo): boolean {
  const pending: [unknown, unknown][] = [];
  for (const [k, v] of a) {
    if (typeof k === "object" && k !== null) pending.push([k, v]);
    else if (b.has(k)) {
      if (!inner(v, b.get(k), strict, memo)) return false;
    } else if (strict) return false;
    else pending.push([k, v]);
  }
  if (pending.length === 0) return true;
  const candidates = [...b].filter(([k]) => (typeof k === "object" && k !== null) || !a.has(k));
  for (const [k, v] of pending) {
    const i = candidates.findIndex(([k2, v2]) => inner(k, k2, strict, memo) && inner(v, v2, strict, memo));
    if (i === -1) return false;
    candidates.splice(i, 1);
  }
  return candidates.length === 0;
}
