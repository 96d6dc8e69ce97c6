/**
 * WHATWG `URL` and `URLSearchParams` (the globals, and `require("url").URL`). The parsing
 * is parser.ts; this file is the API over a URL record: getters, the spec's setters
 * (state-override parsing), the live `searchParams` link, and Node's inspect output.
 */
import { nodeError } from "../_lib/errors.js";
import {
  basicParse, COMPONENT_SET, encodeCodePoint, isSpecialScheme, parseFormUrlencoded, percentEncodeString,
  serializeFormUrlencoded, serializeOrigin, serializePath, serializeURL, SPECIAL_QUERY_SET, QUERY_SET, FRAGMENT_SET,
  USERINFO_SET, PATH_SET, State, type UrlRecord,
} from "./parser.js";

const customInspect = Symbol.for("nodejs.util.inspect.custom");
type Inspect = (v: unknown, o?: object) => string;

const kRecord = Symbol("url record");
const kList = Symbol("search list");
const kUrl = Symbol("search url");
const kParams = Symbol("search params");

const usv = (v: unknown) => `${v}`.toWellFormed();

function missingArgs(...names: string[]): Error {
  return nodeError("ERR_MISSING_ARGS", `The ${names.map((n) => `"${n}"`).join(" and ")} argument${names.length > 1 ? "s" : ""} must be specified`, TypeError);
}

function invalidThis(type: string): Error {
  return nodeError("ERR_INVALID_THIS", `Value of "this" must be of type ${type}`, TypeError);
}

function invalidUrl(input: string, base?: string): Error {
  const err = nodeError("ERR_INVALID_URL", "Invalid URL", TypeError) as Error & { input: string; base?: string };
  err.input = input;
  if (base !== undefined) err.base = base;
  return err;
}

function recordOf(u: unknown): UrlRecord {
  const r = u !== null && typeof u === "object" ? (u as { [kRecord]?: UrlRecord })[kRecord] : undefined;
  if (!r) throw invalidThis("URL");
  return r;
}

function parseOrThrow(input: string, base: string | undefined): UrlRecord {
  let baseRecord: UrlRecord | null = null;
  if (base !== undefined) {
    baseRecord = basicParse(base, null);
    if (!baseRecord) throw invalidUrl(input, base);
  }
  const rec = basicParse(input, baseRecord);
  if (!rec) throw invalidUrl(input, base);
  return rec;
}

export class URL {
  declare [kRecord]: UrlRecord;
  declare [kParams]: URLSearchParams;

  constructor(input: unknown, base?: unknown) {
    if (arguments.length === 0) throw missingArgs("url");
    const rec = parseOrThrow(usv(input), base === undefined ? undefined : usv(base));
    Object.defineProperty(this, kRecord, { value: rec, writable: true });
    const params = new URLSearchParams();
    params[kList] = parseFormUrlencoded(rec.query ?? "");
    params[kUrl] = this;
    Object.defineProperty(this, kParams, { value: params });
  }

  static canParse(input: unknown, base?: unknown): boolean {
    if (arguments.length === 0) throw missingArgs("url");
    let baseRecord: UrlRecord | null = null;
    if (base !== undefined) {
      baseRecord = basicParse(usv(base), null);
      if (!baseRecord) return false;
    }
    return basicParse(usv(input), baseRecord) !== null;
  }

  static createObjectURL(obj: unknown): string {
    const B = (globalThis as unknown as { Blob?: new () => object }).Blob;
    if (!B || !(obj instanceof B)) {
      throw nodeError("ERR_INVALID_ARG_TYPE", `The "obj" argument must be an instance of Blob. Received ${typeof obj}`, TypeError);
    }
    const id = `blob:nodedata:${(globalThis as unknown as { crypto: { randomUUID(): string } }).crypto.randomUUID()}`;
    blobStore.set(id, obj);
    return id;
  }

  static revokeObjectURL(url: unknown): void {
    if (arguments.length === 0) throw missingArgs("url");
    blobStore.delete(`${url}`);
  }

  get href(): string {
    return serializeURL(recordOf(this));
  }
  set href(value: string) {
    const rec = basicParse(usv(value), null);
    if (!rec) throw invalidUrl(usv(value));
    this[kRecord] = rec;
    this[kParams][kList] = parseFormUrlencoded(rec.query ?? "");
  }
  get origin(): string {
    return serializeOrigin(recordOf(this));
  }
  get protocol(): string {
    return recordOf(this).scheme + ":";
  }
  set protocol(value: string) {
    basicParse(usv(value) + ":", null, recordOf(this), State.SchemeStart);
  }
  get username(): string {
    return recordOf(this).username;
  }
  set username(value: string) {
    const r = recordOf(this);
    if (cannotHaveCredentials(r)) return;
    r.username = encodeAll(usv(value), USERINFO_SET);
  }
  get password(): string {
    return recordOf(this).password;
  }
  set password(value: string) {
    const r = recordOf(this);
    if (cannotHaveCredentials(r)) return;
    r.password = encodeAll(usv(value), USERINFO_SET);
  }
  get host(): string {
    const r = recordOf(this);
    if (r.host === null) return "";
    return r.port === null ? r.host : `${r.host}:${r.port}`;
  }
  set host(value: string) {
    const r = recordOf(this);
    if (typeof r.path === "string") return;
    withCopy(r, (c) => basicParse(usv(value), null, c, State.Host));
  }
  get hostname(): string {
    return recordOf(this).host ?? "";
  }
  set hostname(value: string) {
    const r = recordOf(this);
    if (typeof r.path === "string") return;
    withCopy(r, (c) => basicParse(usv(value), null, c, State.Hostname));
  }
  get port(): string {
    const p = recordOf(this).port;
    return p === null ? "" : `${p}`;
  }
  set port(value: string) {
    const r = recordOf(this);
    if (r.host === null || r.host === "" || r.scheme === "file") return;
    const v = usv(value);
    if (v === "") r.port = null;
    else withCopy(r, (c) => basicParse(v, null, c, State.Port));
  }
  get pathname(): string {
    return serializePath(recordOf(this));
  }
  set pathname(value: string) {
    const r = recordOf(this);
    if (typeof r.path === "string") return;
    const copy = { ...r, path: [] as string[] };
    if (basicParse(usv(value), null, copy, State.PathStart)) r.path = copy.path;
  }
  get search(): string {
    const q = recordOf(this).query;
    return q === null || q === "" ? "" : "?" + q;
  }
  set search(value: string) {
    const r = recordOf(this);
    let v = usv(value);
    if (v === "") {
      r.query = null;
      this[kParams][kList] = [];
      stripTrailingSpacesFromOpaquePath(r);
      return;
    }
    if (v[0] === "?") v = v.slice(1);
    r.query = percentEncodeString(v, isSpecialScheme(r.scheme) ? SPECIAL_QUERY_SET : QUERY_SET);
    this[kParams][kList] = parseFormUrlencoded(v);
  }
  get searchParams(): URLSearchParams {
    recordOf(this);
    return this[kParams];
  }
  get hash(): string {
    const f = recordOf(this).fragment;
    return f === null || f === "" ? "" : "#" + f;
  }
  set hash(value: string) {
    const r = recordOf(this);
    let v = usv(value);
    if (v === "") {
      r.fragment = null;
      stripTrailingSpacesFromOpaquePath(r);
      return;
    }
    if (v[0] === "#") v = v.slice(1);
    r.fragment = encodeAll(v, FRAGMENT_SET);
  }
  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }

  [customInspect](depth: number, opts: { showHidden?: boolean }, inspect: Inspect): unknown {
    if (typeof depth === "number" && depth < 0) return this;
    const obj: Record<string, unknown> = {};
    for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "searchParams", "hash"]) {
      obj[k] = (this as unknown as Record<string, unknown>)[k];
    }
    return `${this.constructor.name} ${inspect(obj, opts)}`;
  }
}
Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: "URL", configurable: true });
for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "searchParams", "hash", "toString", "toJSON"]) {
  Object.defineProperty(URL.prototype, k, { ...Object.getOwnPropertyDescriptor(URL.prototype, k), enumerable: true });
}

const blobStore = new Map<string, unknown>();

const cannotHaveCredentials = (r: UrlRecord) => r.host === null || r.host === "" || r.scheme === "file";
const encodeAll = (s: string, set: (c: number) => boolean) => {
  let out = "";
  for (const cp of s) out += encodeCodePoint(cp, set);
  return out;
};
/** Runs a state-override parse on a copy and keeps it only when it succeeds. */
function withCopy(r: UrlRecord, parse: (copy: UrlRecord) => UrlRecord | null): void {
  const copy = { ...r, path: Array.isArray(r.path) ? r.path.slice() : r.path };
  if (parse(copy)) Object.assign(r, copy);
}
function stripTrailingSpacesFromOpaquePath(r: UrlRecord): void {
  if (typeof r.path !== "string" || r.fragment !== null || r.query !== null) return;
  r.path = r.path.replace(/ +$/, "");
}
void PATH_SET;
void COMPONENT_SET;

function listOf(p: unknown): [string, string][] {
  const l = p !== null && typeof p === "object" ? (p as { [kList]?: [string, string][] })[kList] : undefined;
  if (!l) throw invalidThis("URLSearchParams");
  return l;
}

export class URLSearchParams {
  declare [kList]: [string, string][];
  declare [kUrl]: URL | null;

  constructor(init: unknown = undefined) {
    let list: [string, string][] = [];
    if (init !== null && (typeof init === "object" || typeof init === "function")) {
      const iter = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
      if (typeof iter === "function") {
        for (const pair of init as Iterable<unknown>) {
          if ((typeof pair !== "object" && typeof pair !== "function") || pair === null || typeof (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
            throw nodeError("ERR_INVALID_TUPLE", "Each query pair must be an iterable [name, value] tuple", TypeError);
          }
          const arr = Array.from(pair as Iterable<unknown>);
          if (arr.length !== 2) throw nodeError("ERR_INVALID_TUPLE", "Each query pair must be an iterable [name, value] tuple", TypeError);
          list.push([usv(arr[0]), usv(arr[1])]);
        }
      } else if (iter !== undefined && iter !== null) {
        throw nodeError("ERR_ARG_NOT_ITERABLE", "Query pairs must be iterable", TypeError);
      } else {
        for (const key of Reflect.ownKeys(init as object)) {
          if (typeof key !== "string" || !Object.prototype.propertyIsEnumerable.call(init, key)) continue;
          list.push([usv(key), usv((init as Record<string, unknown>)[key])]);
        }
      }
    } else if (init !== undefined) {
      let s = usv(init);
      if (s[0] === "?") s = s.slice(1);
      list = parseFormUrlencoded(s);
    }
    Object.defineProperty(this, kList, { value: list, writable: true });
    Object.defineProperty(this, kUrl, { value: null, writable: true });
  }

  get size(): number {
    return listOf(this).length;
  }
  append(name: unknown, value: unknown): void {
    const l = listOf(this);
    if (arguments.length < 2) throw missingArgs("name", "value");
    l.push([usv(name), usv(value)]);
    update(this);
  }
  delete(name: unknown, value?: unknown): void {
    const l = listOf(this);
    if (arguments.length < 1) throw missingArgs("name");
    const n = usv(name);
    const v = value === undefined ? undefined : usv(value);
    this[kList] = l.filter(([k, x]) => !(k === n && (v === undefined || x === v)));
    update(this);
  }
  get(name: unknown): string | null {
    const l = listOf(this);
    if (arguments.length < 1) throw missingArgs("name");
    const n = usv(name);
    const hit = l.find(([k]) => k === n);
    return hit ? hit[1] : null;
  }
  getAll(name: unknown): string[] {
    const l = listOf(this);
    if (arguments.length < 1) throw missingArgs("name");
    const n = usv(name);
    return l.filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name: unknown, value?: unknown): boolean {
    const l = listOf(this);
    if (arguments.length < 1) throw missingArgs("name");
    const n = usv(name);
    const v = value === undefined ? undefined : usv(value);
    return l.some(([k, x]) => k === n && (v === undefined || x === v));
  }
  set(name: unknown, value: unknown): void {
    const l = listOf(this);
    if (arguments.length < 2) throw missingArgs("name", "value");
    const n = usv(name);
    const v = usv(value);
    const i = l.findIndex(([k]) => k === n);
    if (i === -1) l.push([n, v]);
    else {
      l[i] = [n, v];
      this[kList] = l.filter(([k], j) => j <= i || k !== n);
    }
    update(this);
  }
  sort(): void {
    const l = listOf(this);
    // Stable, by UTF-16 code units of the name (Array.prototype.sort is stable).
    l.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    update(this);
  }
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void {
    listOf(this);
    if (typeof callback !== "function") {
      throw nodeError("ERR_INVALID_ARG_TYPE", `The "callback" argument must be of type function. Received ${callback === undefined ? "undefined" : typeof callback}`, TypeError);
    }
    for (let i = 0; i < this[kList].length; i++) {
      const [k, v] = this[kList][i]!;
      callback.call(thisArg, v, k, this);
    }
  }
  keys(): IterableIterator<string> {
    return makeIterator(this, "key");
  }
  values(): IterableIterator<string> {
    return makeIterator(this, "value");
  }
  entries(): IterableIterator<[string, string]> {
    return makeIterator(this, "key+value");
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return makeIterator(this, "key+value");
  }
  toString(): string {
    return serializeFormUrlencoded(listOf(this));
  }

  [customInspect](depth: number | null, opts: { breakLength?: number; depth?: number | null }, inspect: Inspect): string {
    if (typeof depth === "number" && depth < 0) return "[Object]";
    const inner = { ...opts, depth: depth === null ? null : depth - 1 };
    const out = this[kList].map(([k, v]) => `${inspect(k, inner)} => ${inspect(v, inner)}`);
    return bracket(`${this.constructor.name}`, out, opts.breakLength ?? 80);
  }
}
Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: "URLSearchParams", configurable: true });
for (const k of ["append", "delete", "get", "getAll", "has", "set", "size", "sort", "entries", "forEach", "keys", "values", "toString"]) {
  Object.defineProperty(URLSearchParams.prototype, k, { ...Object.getOwnPropertyDescriptor(URLSearchParams.prototype, k), enumerable: true });
}

function bracket(name: string, out: string[], breakLength: number): string {
  const length = out.reduce((n, s) => n + s.length + 2, -2);
  if (length > breakLength) return `${name} {\n  ${out.join(",\n  ")} }`;
  return out.length ? `${name} { ${out.join(", ")} }` : `${name} {}`;
}

/** Keeps the owning URL's query in step with its searchParams. */
function update(params: URLSearchParams): void {
  const url = params[kUrl];
  if (!url) return;
  const r = url[kRecord];
  const s = serializeFormUrlencoded(params[kList]);
  r.query = s === "" ? null : s;
  if (s === "") stripTrailingSpacesFromOpaquePath(r);
}

type Kind = "key" | "value" | "key+value";
const IteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
const kState = Symbol("iterator state");
const SearchParamsIteratorProto = Object.create(IteratorProto, {
  next: {
    value: function next(this: { [kState]?: { params: URLSearchParams; kind: Kind; index: number } }) {
      const st = this?.[kState];
      if (!st) throw invalidThis("URLSearchParamsIterator");
      const list = st.params[kList];
      if (st.index >= list.length) return { value: undefined, done: true };
      const [k, v] = list[st.index++]!;
      return { value: st.kind === "key" ? k : st.kind === "value" ? v : [k, v], done: false };
    },
    writable: true,
    configurable: true,
    enumerable: true,
  },
  [Symbol.toStringTag]: { value: "URLSearchParams Iterator", configurable: true },
  [customInspect]: {
    value: function (this: { [kState]: { params: URLSearchParams; kind: Kind; index: number } }, depth: number | null, opts: { breakLength?: number }, inspect: Inspect) {
      const st = this[kState];
      if (typeof depth === "number" && depth < 0) return "[Object]";
      const inner = { ...opts, depth: depth === null ? null : depth - 1 };
      const rest = st.params[kList].slice(st.index).map(([k, v]) => (st.kind === "key" ? k : st.kind === "value" ? v : [k, v]));
      return bracket("URLSearchParams Iterator", rest.map((x) => inspect(x, inner)), opts.breakLength ?? 80);
    },
  },
});

function makeIterator<T>(params: URLSearchParams, kind: Kind): IterableIterator<T> {
  listOf(params);
  const it = Object.create(SearchParamsIteratorProto);
  Object.defineProperty(it, kState, { value: { params, kind, index: 0 } });
  return it;
}

/** For url.ts (legacy API): the record behind a URL object. */
export function urlRecord(u: URL): UrlRecord {
  return recordOf(u);
}
