/**
 * Copies values across the sandbox's edge as tagged JSON, both ways. `serialize` walks a
 * guest value here in the guest — `run()` exports, a binding call's arguments — and the
 * host parses and revives the text (see runtime/export-copy.ts), so the host never reads
 * a live guest object, and getters or Proxies run here, under the guest's own CPU and
 * memory limits. `revive` builds guest values from the same format made on the host (a
 * binding's result; see shims/bindings/to-guest.ts).
 *
 * With a `buffers` list, bytes travel beside the text instead of inside it: an
 * ArrayBuffer is `["ab", id, index]` and a view is `["tv", id, type, bufferNode, offset,
 * length]`, so two views of one buffer stay views of one buffer.
 */
type Node = unknown[];

export class UncopyableError extends Error {}

export function serialize(value: unknown, root = "exports", buffers?: ArrayBuffer[]): string {
  const seen = new Map<object, number>();
  // Where the walk is, as segments: a key, an index, or a {s} label (Map and Set entries).
  // The path is spelled out only for an error message.
  const at: (string | number | { s: string })[] = [];
  const fail = (what: string): never => {
    let path = root;
    for (const seg of at) path += typeof seg === "number" ? `[${seg}]` : typeof seg === "string" ? `.${seg}` : seg.s;
    throw new UncopyableError(`${path} is ${what}, which cannot be copied out of the sandbox${what.startsWith("an instance") ? " (only plain data can)" : ""}`);
  };
  const child = (v: unknown, seg: string | number | { s: string }): Node => {
    at.push(seg);
    const n = walk(v);
    at.pop();
    return n;
  };
  const walk = (v: unknown): Node => {
    switch (typeof v) {
      case "undefined":
        return ["u"];
      case "boolean":
      case "string":
        return ["v", v];
      case "number":
        return Number.isFinite(v) && !Object.is(v, -0) ? ["v", v] : ["num", String(Object.is(v, -0) ? "-0" : v)];
      case "bigint":
        return ["big", v.toString()];
      case "symbol":
      case "function":
        return fail(`a ${typeof v}`);
    }
    if (v === null) return ["v", null];
    const obj = v as object;
    const ref = seen.get(obj);
    if (ref !== undefined) return ["ref", ref];
    const id = seen.size;
    seen.set(obj, id);
    if (Array.isArray(obj)) {
      // Index by index: a hole is read as undefined (map() would leave it a hole, which JSON turns into null).
      const items: Node[] = [];
      for (let i = 0; i < obj.length; i++) items.push(child(obj[i], i));
      return ["a", id, items];
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto === Object.prototype || proto === null) {
      const keys = Object.keys(obj);
      const entries: [string, Node][] = [];
      for (let i = 0; i < keys.length; i++) entries.push([keys[i]!, child((obj as Record<string, unknown>)[keys[i]!], keys[i]!)]);
      return ["o", id, entries];
    }
    if (obj instanceof Date) return ["d", id, obj.getTime()];
    if (obj instanceof RegExp) return ["re", id, obj.source, obj.flags];
    if (obj instanceof Map) return ["m", id, [...obj].map(([k, x], i) => [child(k, { s: `<key ${i}>` }), child(x, { s: `<value ${i}>` })])];
    if (obj instanceof Set) return ["s", id, [...obj].map((x, i) => child(x, { s: `<item ${i}>` }))];
    if (obj instanceof ArrayBuffer) {
      if (!buffers) return ["ab", id, Array.from(new Uint8Array(obj))];
      return ["ab", id, buffers.push(obj) - 1];
    }
    if (ArrayBuffer.isView(obj)) {
      if (buffers) {
        // The intrinsic type (a subclass of Uint8Array crosses as a Uint8Array).
        const type = Object.prototype.toString.call(obj).slice(8, -1);
        const length = obj instanceof DataView ? obj.byteLength : (obj as unknown as { length: number }).length;
        return ["tv", id, type, child(obj.buffer, "buffer"), obj.byteOffset, length];
      }
      const name = (obj as { constructor: { name: string } }).constructor.name;
      const bytes = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
      return ["ta", id, name, Array.from(bytes)];
    }
    if (obj instanceof Error) {
      const code = (obj as { code?: unknown }).code;
      return ["err", id, String(obj.name), String(obj.message), String(obj.stack ?? ""), typeof code === "string" ? code : null];
    }
    if (obj instanceof Promise) return fail("a Promise");
    if (!isModuleNamespace(obj)) return fail(`an instance of ${(proto as { constructor?: { name?: string } }).constructor?.name ?? "object"}`);
    const entries: [string, Node][] = [];
    for (const k of Object.keys(obj)) entries.push([k, child((obj as Record<string, unknown>)[k], k)]);
    return ["o", id, entries];
  };
  return JSON.stringify(walk(value));
}

function isModuleNamespace(o: object): boolean {
  return (o as Record<symbol, unknown>)[Symbol.toStringTag] === "Module";
}

const VIEWS: Record<string, new (b: ArrayBuffer, offset: number, length: number) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
};
const ERRORS: Record<string, ErrorConstructor> = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

/** Builds a guest Error with a host error's name and message (a standard name picks its class). */
export function makeError(name: string, message: string): Error {
  const Ctor = Object.hasOwn(ERRORS, name) ? ERRORS[name]! : Error;
  const e = new Ctor(message);
  if (e.name !== name) Object.defineProperty(e, "name", { value: name, writable: true, configurable: true, enumerable: false });
  return e;
}

/** Guest values from tagged JSON made on the host, with its bytes in `buffers`. */
export function revive(text: string, buffers: ArrayBuffer[]): unknown {
  const refs: unknown[] = [];
  const bad = (): never => {
    throw new TypeError("malformed data from the host");
  };
  const push = <T>(v: T): T => {
    refs.push(v);
    return v;
  };
  const node = (n: unknown): unknown => {
    if (!Array.isArray(n)) return bad();
    switch (n[0]) {
      case "u": return undefined;
      case "v": return n[1];
      case "num": return Number(n[1]);
      case "big": return BigInt(n[1] as string);
      case "ref": return n[1] in refs ? refs[n[1] as number] : bad();
    }
    if (n[1] !== refs.length) return bad();
    switch (n[0]) {
      case "a": {
        const arr = push([] as unknown[]);
        const items = n[2] as unknown[];
        for (let i = 0; i < items.length; i++) arr.push(node(items[i]));
        return arr;
      }
      case "o": {
        const obj = push({} as Record<string, unknown>);
        const entries = n[2] as [string, unknown][];
        for (let i = 0; i < entries.length; i++) {
          const k = entries[i]![0];
          const v = node(entries[i]![1]);
          // A "__proto__" key is data, as structured clone makes it.
          if (k === "__proto__") Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
          else obj[k] = v;
        }
        return obj;
      }
      case "d": return push(new Date(n[2] as number));
      case "re": return push(new RegExp(n[2] as string, n[3] as string));
      case "m": {
        const m = push(new Map());
        for (const [k, v] of n[2] as [unknown, unknown][]) m.set(node(k), node(v));
        return m;
      }
      case "s": {
        const s = push(new Set());
        for (const item of n[2] as unknown[]) s.add(node(item));
        return s;
      }
      case "ab": return push(buffers[n[2] as number] ?? bad());
      case "tv": {
        const Ctor = Object.hasOwn(VIEWS, n[2] as string) ? VIEWS[n[2] as string]! : bad();
        const slot = refs.length;
        refs.push(undefined);
        const view = new Ctor(node(n[3]) as ArrayBuffer, n[4] as number, n[5] as number);
        refs[slot] = view;
        return view;
      }
      case "err": {
        const e = push(makeError(String(n[2]), String(n[3])));
        if (typeof n[5] === "string") (e as { code?: string }).code = n[5];
        return e;
      }
      default:
        return bad();
    }
  };
  return node(JSON.parse(text));
}
