/**
 * Copies a guest value out for `run()`: the value is walked here in the guest and turned
 * into JSON text of tagged nodes, which the host parses and revives (see
 * runtime/export-copy.ts). The host therefore never reads a live guest object, and
 * getters or Proxies run here, under the guest's own CPU and memory limits.
 */
type Node = unknown[];

export class UncopyableError extends Error {}

export function serialize(value: unknown): string {
  const seen = new Map<object, number>();
  const walk = (v: unknown, path: string): Node => {
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
        throw new UncopyableError(`${path} is a ${typeof v}, which cannot be copied out of the sandbox`);
    }
    if (v === null) return ["v", null];
    const obj = v as object;
    const ref = seen.get(obj);
    if (ref !== undefined) return ["ref", ref];
    const id = seen.size;
    seen.set(obj, id);
    if (Array.isArray(obj)) return ["a", id, obj.map((x, i) => walk(x, `${path}[${i}]`))];
    if (obj instanceof Date) return ["d", id, obj.getTime()];
    if (obj instanceof RegExp) return ["re", id, obj.source, obj.flags];
    if (obj instanceof Map) return ["m", id, [...obj].map(([k, x], i) => [walk(k, `${path}<key ${i}>`), walk(x, `${path}<value ${i}>`)])];
    if (obj instanceof Set) return ["s", id, [...obj].map((x, i) => walk(x, `${path}<item ${i}>`))];
    if (obj instanceof ArrayBuffer) return ["ab", id, Array.from(new Uint8Array(obj))];
    if (ArrayBuffer.isView(obj)) {
      const name = (obj as { constructor: { name: string } }).constructor.name;
      const bytes = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
      return ["ta", id, name, Array.from(bytes)];
    }
    if (obj instanceof Error) {
      const code = (obj as { code?: unknown }).code;
      return ["err", id, String(obj.name), String(obj.message), String(obj.stack ?? ""), typeof code === "string" ? code : null];
    }
    if (obj instanceof Promise) throw new UncopyableError(`${path} is a Promise, which cannot be copied out of the sandbox`);
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null && !isModuleNamespace(obj)) {
      const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new UncopyableError(`${path} is an instance of ${name}, which cannot be copied out of the sandbox (only plain data can)`);
    }
    const entries: [string, Node][] = [];
    for (const k of Object.keys(obj)) entries.push([k, walk((obj as Record<string, unknown>)[k], `${path}.${k}`)]);
    return ["o", id, entries];
  };
  return JSON.stringify(walk(value, "exports"));
}

function isModuleNamespace(o: object): boolean {
  return (o as Record<symbol, unknown>)[Symbol.toStringTag] === "Module";
}
