/**
 * WHATWG `FormData` (a global) for fetch bodies: ordered name/value entries, serialized as
 * multipart/form-data when sent and parsed back by `Response.formData()`. Values are
 * strings; a `Blob`/`File` value is kept as it is when the sandbox has a `Blob` global.
 */
import { invalidArgType } from "../_lib/errors.js";
import { utf8Decode, utf8Encode } from "../_lib/encoding.js";

const customInspect = Symbol.for("nodejs.util.inspect.custom");
type Value = string | object;
const entriesOf = new WeakMap<object, [string, Value][]>();

function listOf(f: unknown): [string, Value][] {
  const l = entriesOf.get(f as object);
  if (!l) throw new TypeError("Illegal invocation");
  return l;
}

function isBlob(v: unknown): v is { name?: string; type?: string; arrayBuffer(): Promise<ArrayBuffer> } {
  const B = (globalThis as unknown as { Blob?: new () => object }).Blob;
  return typeof B === "function" && v instanceof B;
}

function entryValue(value: unknown, filename: unknown, argc: number): Value {
  if (isBlob(value)) {
    const F = (globalThis as { File?: new (parts: unknown[], name: string, o: object) => object }).File;
    if (argc > 2 && typeof F === "function") return new F([value], String(filename), { type: value.type });
    return value;
  }
  if (argc > 2) throw new TypeError("Failed to execute 'append' on 'FormData': parameter 2 is not of type 'Blob'.");
  return String(value);
}

export class FormData {
  constructor(form?: unknown) {
    if (form !== undefined) throw new TypeError("FormData constructor: the form argument is not supported outside a browser");
    entriesOf.set(this, []);
  }

  append(name: string, value: unknown, filename?: string): void {
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'append' on 'FormData': 2 arguments required, but only ${arguments.length} present.`);
    listOf(this).push([String(name), entryValue(value, filename, arguments.length)]);
  }

  delete(name: string): void {
    const list = listOf(this);
    const n = String(name);
    for (let i = list.length - 1; i >= 0; i--) if (list[i]![0] === n) list.splice(i, 1);
  }

  get(name: string): Value | null {
    const n = String(name);
    return listOf(this).find(([k]) => k === n)?.[1] ?? null;
  }

  getAll(name: string): Value[] {
    const n = String(name);
    return listOf(this).filter(([k]) => k === n).map(([, v]) => v);
  }

  has(name: string): boolean {
    const n = String(name);
    return listOf(this).some(([k]) => k === n);
  }

  set(name: string, value: unknown, filename?: string): void {
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'set' on 'FormData': 2 arguments required, but only ${arguments.length} present.`);
    const list = listOf(this);
    const n = String(name);
    const v = entryValue(value, filename, arguments.length);
    const at = list.findIndex(([k]) => k === n);
    if (at === -1) list.push([n, v]);
    else {
      list[at] = [n, v];
      for (let i = list.length - 1; i > at; i--) if (list[i]![0] === n) list.splice(i, 1);
    }
  }

  forEach(callback: (value: Value, name: string, form: FormData) => void, thisArg?: unknown): void {
    if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
    for (const [k, v] of [...listOf(this)]) callback.call(thisArg, v, k, this);
  }

  *entries(): IterableIterator<[string, Value]> {
    for (const e of [...listOf(this)]) yield [e[0], e[1]];
  }
  *keys(): IterableIterator<string> {
    for (const [k] of [...listOf(this)]) yield k;
  }
  *values(): IterableIterator<Value> {
    for (const [, v] of [...listOf(this)]) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, Value]> {
    return this.entries();
  }

  [customInspect](_depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `FormData ${inspect(listOf(this).map(([name, value]) => ({ name, value })), options)}`;
  }
}
Object.defineProperty(FormData.prototype, Symbol.toStringTag, { value: "FormData", configurable: true });

export function isFormData(v: unknown): v is FormData {
  return entriesOf.has(v as object);
}

const escapeName = (s: string) => s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
const normalizeLines = (s: string) => s.replace(/\r(?!\n)|(?<!\r)\n/g, "\r\n");

/**
 * The multipart/form-data encoding of a FormData and its boundary. File entries need
 * their bytes read (a promise); a form of strings only is encoded at once.
 */
export function encodeMultipart(form: FormData): { bytes: Uint8Array; boundary: string } | Promise<{ bytes: Uint8Array; boundary: string }> {
  let boundary = "----formdata-quicksand-";
  for (let i = 0; i < 16; i++) boundary += Math.floor(Math.random() * 10);
  const parts: (Uint8Array | Promise<Uint8Array>)[] = [];
  let async = false;
  for (const [name, value] of listOf(form)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(normalizeLines(name))}"`;
    if (typeof value === "string") {
      parts.push(utf8Encode(`${head}\r\n\r\n${normalizeLines(value)}\r\n`));
      continue;
    }
    const blob = value as { name?: string; type?: string; arrayBuffer(): Promise<ArrayBuffer> };
    head += `; filename="${escapeName(blob.name ?? "blob")}"\r\nContent-Type: ${blob.type || "application/octet-stream"}\r\n\r\n`;
    async = true;
    parts.push(utf8Encode(head), blob.arrayBuffer().then((b) => new Uint8Array(b)), utf8Encode("\r\n"));
  }
  parts.push(utf8Encode(`--${boundary}--\r\n`));
  if (!async) return { bytes: concat(parts as Uint8Array[]), boundary };
  return Promise.all(parts).then((all) => ({ bytes: concat(all), boundary }));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Parses a multipart/form-data or x-www-form-urlencoded body (string fields). */
export function parseFormBody(bytes: Uint8Array, contentType: string): FormData {
  const form = new FormData();
  const type = contentType.toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) {
    const text = utf8Decode(bytes);
    for (const pair of text.split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
      form.append(decode(eq === -1 ? pair : pair.slice(0, eq)), decode(eq === -1 ? "" : pair.slice(eq + 1)));
    }
    return form;
  }
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!type.startsWith("multipart/form-data") || !m) throw new TypeError("Response.formData: Could not parse content as FormData.");
  const boundary = m[1] ?? m[2]!.trim();
  // latin1 keeps every byte as one char, so part offsets stay byte offsets.
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  const sections = text.split(`--${boundary}`);
  for (const section of sections.slice(1)) {
    if (section.startsWith("--")) break;
    const split = section.indexOf("\r\n\r\n");
    if (split === -1) throw new TypeError("Response.formData: Could not parse content as FormData.");
    const head = section.slice(2, split);
    let body = section.slice(split + 4);
    if (body.endsWith("\r\n")) body = body.slice(0, -2);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) throw new TypeError("Response.formData: Could not parse content as FormData.");
    const raw = new Uint8Array(body.length);
    for (let i = 0; i < body.length; i++) raw[i] = body.charCodeAt(i);
    form.append(utf8Decode(Uint8Array.from(name, (c) => c.charCodeAt(0))), utf8Decode(raw));
  }
  return form;
}
