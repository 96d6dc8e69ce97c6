/**
 * A binding's result, copied for the guest: host data becomes the tagged JSON the guest's
 * `revive` (shims/_lib/serialize.ts) builds fresh guest values from, with its bytes
 * beside it — or, when it is plain JSON data (the common case of rows and records),
 * ordinary JSON the guest's native JSON.parse rebuilds much faster. Structured-clone semantics: primitives, plain objects and arrays, Date,
 * RegExp, Map, Set, ArrayBuffer and typed arrays (a Node Buffer arrives as a Uint8Array;
 * a view crosses with its own bytes only, never the rest of the host buffer under it —
 * a small Buffer lives in a pool slab shared with unrelated data),
 * Errors (name, message and a string `code`; never the host's stack), shared and
 * circular references. A function, a symbol, a Promise or a class instance is refused
 * with an error that names where it was, before anything reaches the guest.
 */
type Node = unknown[];

export type GuestCopy =
  /** Plain JSON data (strings, finite numbers, booleans, null, plain objects, arrays; no shared references): the guest's native JSON.parse rebuilds it. */
  | { plain: string }
  /** Tagged JSON, with copies of the bytes it refers to by index. */
  | { json: string; buffers: Uint8Array[] };

export class UncopyableResult extends TypeError {}

const VIEW_TYPES = new Set([
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
  "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "DataView",
]);

/** The value of a plain tree's nodes (only "v", "a" and "o" nodes occur in one). */
function untag(n: Node): unknown {
  switch (n[0]) {
    case "a":
      return (n[2] as Node[]).map(untag);
    case "o": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of n[2] as [string, Node][]) Object.defineProperty(out, k, { value: untag(v), enumerable: true, writable: true, configurable: true });
      return out;
    }
    default:
      return n[1];
  }
}

const tagOf = (v: object): string => Object.prototype.toString.call(v).slice(8, -1);

export function toGuest(value: unknown, root: string): GuestCopy {
  const seen = new Map<object, number>();
  let nextId = 0;
  const buffers: Uint8Array[] = [];
  /** Stays true while the value is plain JSON data (see GuestCopy). */
  let plain = true;
  const refuse = (path: string, what: string): never => {
    throw new UncopyableResult(`${path} is ${what}, which cannot be copied into the sandbox`);
  };
  const walk = (v: unknown, path: string): Node => {
    switch (typeof v) {
      case "undefined":
        plain = false;
        return ["u"];
      case "boolean":
      case "string":
        return ["v", v];
      case "number":
        if (Number.isFinite(v) && !Object.is(v, -0)) return ["v", v];
        plain = false;
        return ["num", String(Object.is(v, -0) ? "-0" : v)];
      case "bigint":
        plain = false;
        return ["big", v.toString()];
      case "symbol":
      case "function":
        return refuse(path, `a ${typeof v}`);
    }
    if (v === null) return ["v", null];
    const obj = v as object;
    const ref = seen.get(obj);
    if (ref !== undefined) {
      plain = false;
      return ["ref", ref];
    }
    const id = nextId++;
    seen.set(obj, id);
    if (Array.isArray(obj)) {
      // Index by index: a hole is read as undefined.
      const items: Node[] = [];
      for (let i = 0; i < obj.length; i++) items.push(walk(obj[i], `${path}[${i}]`));
      return ["a", id, items];
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto === Object.prototype || proto === null) {
      const entries: [string, Node][] = [];
      for (const k of Object.keys(obj)) entries.push([k, walk((obj as Record<string, unknown>)[k], `${path}.${k}`)]);
      return ["o", id, entries];
    }
    plain = false;
    if (obj instanceof Date) return ["d", id, obj.getTime()];
    if (obj instanceof RegExp) return ["re", id, obj.source, obj.flags];
    if (obj instanceof Map) return ["m", id, [...obj].map(([k, x], i) => [walk(k, `${path}<key ${i}>`), walk(x, `${path}<value ${i}>`)])];
    if (obj instanceof Set) return ["s", id, [...obj].map((x, i) => walk(x, `${path}<item ${i}>`))];
    if (obj instanceof ArrayBuffer) return ["ab", id, buffers.push(new Uint8Array(obj.slice(0))) - 1];
    if (ArrayBuffer.isView(obj)) {
      const type = tagOf(obj);
      if (!VIEW_TYPES.has(type)) return refuse(path, `a ${type}`);
      if (!(obj.buffer instanceof ArrayBuffer)) return refuse(path, "a view of a SharedArrayBuffer");
      const length = obj instanceof DataView ? obj.byteLength : (obj as unknown as { length: number }).length;
      const bytes = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength).slice();
      return ["tv", id, type, ["ab", nextId++, buffers.push(bytes) - 1], 0, length];
    }
    if (obj instanceof Error) {
      const code = (obj as { code?: unknown }).code;
      return ["err", id, String(obj.name), String(obj.message), "", typeof code === "string" ? code : null];
    }
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return refuse(path, typeof name === "string" && name ? `an instance of ${name}` : "not plain data");
  };
  const tree = walk(value, root);
  // Plain data (checked above, getters read once) goes as ordinary JSON of the nodes' values.
  if (plain) return { plain: JSON.stringify(untag(tree)) };
  return { json: JSON.stringify(tree), buffers };
}
