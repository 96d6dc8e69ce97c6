/**
 * Revives the tagged JSON that the guest's serializer produced — `run()` exports, and the
 * arguments of a binding call — into host values: primitives, plain objects, arrays,
 * Dates, RegExps, Maps, Sets, typed arrays, ArrayBuffers and Errors (as plain Error
 * copies). Shared and circular references are kept. Bytes travel inline (exports) or as
 * separate buffers the bridge decoded (binding arguments: `["ab", id, index]`, and views
 * `["tv", id, type, bufferNode, byteOffset, length]` that keep a shared buffer shared).
 * The text comes from the guest, so every node is checked before use.
 */
import { ExitCode } from "./exit-codes.js";

type Node = unknown[];

const TYPED_ARRAYS: Record<string, new (buf: ArrayBuffer) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
};

export function reviveExports(text: string, buffers: readonly Uint8Array[] = []): unknown {
  const refs: unknown[] = [];
  const bad = (): never => {
    throw new TypeError("malformed export data from the sandbox");
  };
  const str = (v: unknown): string => (typeof v === "string" ? v : bad());
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : bad());
  const bytes = (v: unknown): Uint8Array<ArrayBuffer> => Uint8Array.from(list(v), (b) => (typeof b === "number" && b >= 0 && b <= 255 ? b : bad()));
  const int = (v: unknown): number => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : bad());
  /** An out-of-band buffer: each index is used once, so two nodes never share one by accident. */
  const used = new Set<number>();
  const buffer = (v: unknown): ArrayBuffer => {
    const i = int(v);
    const b = buffers[i] ?? bad();
    if (used.has(i) || b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) bad();
    used.add(i);
    return b.buffer as ArrayBuffer;
  };
  const revive = (node: unknown): unknown => {
    const n = list(node) as Node;
    switch (n[0]) {
      case "u": return undefined;
      case "v": return n[1];
      case "num": return Number(str(n[1]));
      case "big": return BigInt(str(n[1]));
      case "ref": {
        const i = n[1];
        if (typeof i !== "number" || !(i in refs)) bad();
        return refs[i as number];
      }
    }
    const id = n[1];
    if (typeof id !== "number" || id !== refs.length) bad();
    switch (n[0]) {
      case "a": {
        const arr: unknown[] = [];
        refs.push(arr);
        for (const item of list(n[2])) arr.push(revive(item));
        return arr;
      }
      case "o": {
        const obj: Record<string, unknown> = {};
        refs.push(obj);
        for (const entry of list(n[2])) {
          const [k, v] = list(entry);
          Object.defineProperty(obj, str(k), { value: revive(v), enumerable: true, writable: true, configurable: true });
        }
        return obj;
      }
      case "d": return push(new Date(typeof n[2] === "number" ? n[2] : NaN));
      case "re": return push(new RegExp(str(n[2]), str(n[3])));
      case "m": {
        const m = push(new Map());
        for (const entry of list(n[2])) {
          const [k, v] = list(entry);
          m.set(revive(k), revive(v));
        }
        return m;
      }
      case "s": {
        const s = push(new Set());
        for (const item of list(n[2])) s.add(revive(item));
        return s;
      }
      case "ab": return push(typeof n[2] === "number" ? buffer(n[2]) : bytes(n[2]).buffer);
      case "ta": {
        const Ctor = TYPED_ARRAYS[str(n[2])] ?? bad();
        return push(new Ctor(bytes(n[3]).buffer));
      }
      case "tv": {
        const Ctor = TYPED_ARRAYS[str(n[2])] ?? bad();
        // The view's slot comes first, so a cycle back to it cannot exist (views hold no values).
        const slot = refs.length;
        refs.push(undefined);
        const buf = revive(n[3]);
        if (!(buf instanceof ArrayBuffer)) bad();
        const view = new (Ctor as unknown as new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView)(buf as ArrayBuffer, int(n[4]), int(n[5]));
        refs[slot] = view;
        return view;
      }
      case "err": {
        const e = new Error(str(n[3]));
        e.name = str(n[2]);
        e.stack = str(n[4]);
        if (typeof n[5] === "string") (e as Error & { code?: string }).code = n[5];
        return push(e);
      }
      default:
        return bad();
    }
  };
  function push<T>(v: T): T {
    refs.push(v);
    return v;
  }
  return revive(JSON.parse(text));
}

/**
 * Turns an outcome's exports JSON into host values. The data came from guest code, so
 * malformed data is the guest's failure (exit code 1), never the host's.
 */
export function withExports<O extends { code: number; errorMessage?: string; exportsJson?: string }>(
  outcome: O,
  malformedMessage: string,
): Omit<O, "exportsJson"> & { exports?: unknown } {
  const { exportsJson, ...rest } = outcome;
  if (exportsJson === undefined) return rest;
  try {
    return { ...rest, exports: reviveExports(exportsJson) };
  } catch {
    return { ...rest, code: ExitCode.UNCAUGHT, errorMessage: malformedMessage };
  }
}
