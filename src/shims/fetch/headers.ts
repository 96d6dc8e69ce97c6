/**
 * WHATWG `Headers` (a global), as Node's fetch has it: names are case-insensitive and
 * validated as HTTP tokens, values are trimmed of HTTP whitespace and may not hold CR, LF
 * or NUL, iteration is sorted by lowercase name with repeated values joined by ", "
 * (except `set-cookie`, which iterates once per cookie), and `getSetCookie()` lists them.
 * A fetched Response's headers are immutable.
 */
import { invalidArgType } from "../_lib/errors.js";

const customInspect = Symbol.for("nodejs.util.inspect.custom");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

interface State {
  /** Header entries in insertion order: [lowercase name, value]. */
  list: [string, string][];
  guard: "none" | "immutable" | "request-no-cors";
}
const states = new WeakMap<object, State>();

function stateOf(h: unknown): State {
  const s = states.get(h as object);
  if (!s) throw new TypeError("Illegal invocation");
  return s;
}

function normalizeName(name: unknown): string {
  const n = String(name);
  if (!TOKEN.test(n)) throw new TypeError(`Header name must be a valid HTTP token ["${n}"]`);
  return n.toLowerCase();
}

function normalizeValue(name: string, value: unknown): string {
  const v = String(value).replace(HTTP_WHITESPACE, "");
  if (/[\0\r\n]/.test(v)) throw new TypeError(`Invalid header value for "${name}"`);
  return v;
}

function checkMutable(s: State): void {
  if (s.guard === "immutable") throw new TypeError("immutable");
}

function fill(headers: Headers, init: unknown): void {
  if (init === undefined || init === null) {
    if (init === null) throw invalidArgType("init", "of type object", init);
    return;
  }
  if (typeof init !== "object" && typeof init !== "function") {
    throw new TypeError("Headers constructor: expected init to be a record or a sequence of pairs");
  }
  if (states.has(init)) {
    for (const [k, v] of stateOf(init).list) headers.append(k, v);
    return;
  }
  const iter = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof iter === "function") {
    for (const pair of init as Iterable<unknown>) {
      if (typeof pair !== "object" || pair === null || typeof (pair as Iterable<unknown>)[Symbol.iterator] !== "function") {
        throw new TypeError("Headers constructor: expected name/value pair to be length 2, found 0.");
      }
      const items = [...(pair as Iterable<unknown>)];
      if (items.length !== 2) throw new TypeError(`Headers constructor: expected name/value pair to be length 2, found ${items.length}.`);
      headers.append(items[0] as string, items[1] as string);
    }
    return;
  }
  for (const key of Reflect.ownKeys(init as object)) {
    if (typeof key !== "string") continue;
    const d = Object.getOwnPropertyDescriptor(init, key);
    if (d?.enumerable) headers.append(key, (init as Record<string, unknown>)[key] as string);
  }
}

export class Headers {
  constructor(init?: unknown) {
    states.set(this, { list: [], guard: "none" });
    fill(this, init);
  }

  append(name: string, value: string): void {
    const s = stateOf(this);
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'append' on 'Headers': 2 arguments required, but only ${arguments.length} present.`);
    const n = normalizeName(name);
    const v = normalizeValue(n, value);
    checkMutable(s);
    s.list.push([n, v]);
  }

  delete(name: string): void {
    const s = stateOf(this);
    const n = normalizeName(name);
    checkMutable(s);
    s.list = s.list.filter(([k]) => k !== n);
  }

  get(name: string): string | null {
    const s = stateOf(this);
    const n = normalizeName(name);
    const values = s.list.filter(([k]) => k === n).map(([, v]) => v);
    return values.length === 0 ? null : values.join(", ");
  }

  getSetCookie(): string[] {
    return stateOf(this).list.filter(([k]) => k === "set-cookie").map(([, v]) => v);
  }

  has(name: string): boolean {
    const n = normalizeName(name);
    return stateOf(this).list.some(([k]) => k === n);
  }

  set(name: string, value: string): void {
    const s = stateOf(this);
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'set' on 'Headers': 2 arguments required, but only ${arguments.length} present.`);
    const n = normalizeName(name);
    const v = normalizeValue(n, value);
    checkMutable(s);
    const at = s.list.findIndex(([k]) => k === n);
    if (at === -1) {
      s.list.push([n, v]);
      return;
    }
    s.list[at] = [n, v];
    s.list = s.list.filter(([k], i) => k !== n || i === at);
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
    for (const [k, v] of sortedPairs(stateOf(this))) callback.call(thisArg, v, k, this);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* sortedPairs(stateOf(this));
  }

  *keys(): IterableIterator<string> {
    for (const [k] of sortedPairs(stateOf(this))) yield k;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of sortedPairs(stateOf(this))) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  [customInspect](depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const record: Record<string, string> = {};
    for (const [k, v] of sortedPairs(stateOf(this))) record[k] = k in record ? `${record[k]}, ${v}` : v;
    return `Headers ${inspect(record, options)}`;
  }
}
Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: "Headers", configurable: true });

function sortedPairs(s: State): [string, string][] {
  const names = [...new Set(s.list.map(([k]) => k))].sort();
  const out: [string, string][] = [];
  for (const n of names) {
    const values = s.list.filter(([k]) => k === n).map(([, v]) => v);
    if (n === "set-cookie") for (const v of values) out.push([n, v]);
    else out.push([n, values.join(", ")]);
  }
  return out;
}

/** Header pairs in insertion order, lowercase names: what crosses to the host. */
export function headerList(h: Headers): [string, string][] {
  return stateOf(h).list.map(([k, v]) => [k, v]);
}

export function setGuard(h: Headers, guard: State["guard"]): void {
  stateOf(h).guard = guard;
}

export function isHeaders(v: unknown): v is Headers {
  return states.has(v as object);
}
