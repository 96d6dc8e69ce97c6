/**
 * `console.table`, laid out as Node 20 does: the same columns ((index), (iteration
 * index), Key, Values), the same cell inspection (depth 0, or -1 for objects with more
 * than two keys; at most 3 array items), left-aligned cells and the same box drawing.
 */
import { lazy } from "../module/guest.js";

// Loaded on the first table only: the console itself stays light.
const inspectUnit = lazy<typeof import("../_lib/inspect.js")>("quicksand:internal/inspect");

const mapIterProto = Object.getPrototypeOf(new Map().entries()) as object;
const setIterProto = Object.getPrototypeOf(new Set().values()) as object;

/** Display width: East Asian wide/fullwidth characters and emoji take two columns. */
function width(s: string): number {
  let n = 0;
  for (const ch of s.replace(/\u001b\[[0-9;]*m/g, "")) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x300 && c <= 0x36f) || c === 0x200b || c === 0x200d || (c >= 0xfe00 && c <= 0xfe0f)) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
      (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
    n += wide ? 2 : 1;
  }
  return n;
}

function renderRow(row: string[], widths: number[]): string {
  let out = "│ ";
  for (let i = 0; i < row.length; i++) {
    out += row[i] + " ".repeat(widths[i]! - width(row[i]!));
    if (i !== row.length - 1) out += " │ ";
  }
  return out + " │";
}

function cliTable(head: string[], columns: string[][]): string {
  const rows: string[][] = [];
  const widths = head.map(width);
  const longest = Math.max(...columns.map((c) => c.length));
  for (let i = 0; i < head.length; i++) {
    const column = columns[i]!;
    for (let j = 0; j < longest; j++) {
      rows[j] ??= [];
      const value = (rows[j]![i] = Object.prototype.hasOwnProperty.call(column, j) ? column[j]! : "");
      widths[i] = Math.max(widths[i] ?? 0, width(value));
    }
  }
  const divider = widths.map((w) => "─".repeat(w + 2));
  let out = `┌${divider.join("┬")}┐\n${renderRow(head, widths)}\n├${divider.join("┼")}┤\n`;
  for (const row of rows) out += `${renderRow(row, widths)}\n`;
  return out + `└${divider.join("┴")}┘`;
}

/** The text console.table prints, or undefined when it logs the value as console.log would. */
export function renderTable(data: unknown, properties?: unknown): string | undefined {
  if (properties !== undefined && !Array.isArray(properties)) {
    const e = new TypeError(`The "properties" argument must be an instance of Array. Received ${typeof properties}`);
    (e as Error & { code: string }).code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
  if (data === null || typeof data !== "object") return undefined;
  const cell = (v: unknown) => {
    const depth = v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 2 ? -1 : 0;
    return inspectUnit().inspect(v, { depth, maxArrayLength: 3, breakLength: Infinity });
  };
  const indexArray = (n: number) => Array.from({ length: n }, (_, i) => cell(i));
  const proto = Object.getPrototypeOf(data);
  if (data instanceof Map || proto === mapIterProto) {
    const entries = [...(data as Iterable<unknown>)];
    const isKeyValue = data instanceof Map || entries.every((e) => Array.isArray(e) && e.length === 2);
    if (isKeyValue) {
      const keys = entries.map((e) => cell((e as unknown[])[0]));
      const values = entries.map((e) => cell((e as unknown[])[1]));
      return cliTable(["(iteration index)", "Key", "Values"], [indexArray(entries.length), keys, values]);
    }
    return cliTable(["(iteration index)", "Values"], [indexArray(entries.length), entries.map(cell)]);
  }
  if (data instanceof Set || proto === setIterProto) {
    const values = [...(data as Iterable<unknown>)].map(cell);
    return cliTable(["(iteration index)", "Values"], [indexArray(values.length), values]);
  }
  const map: Record<string, string[]> = Object.create(null);
  let hasPrimitives = false;
  const valuesColumn: string[] = [];
  const index = Object.keys(data);
  for (let i = 0; i < index.length; i++) {
    const item = (data as Record<string, unknown>)[index[i]!];
    const primitive = item === null || (typeof item !== "function" && typeof item !== "object");
    if (properties === undefined && primitive) {
      hasPrimitives = true;
      valuesColumn[i] = cell(item);
    } else {
      const keys = (properties as string[] | undefined) ?? Object.keys(item as object);
      for (const key of keys) {
        map[key] ??= [];
        map[key]![i] = (primitive && properties) || !Object.prototype.hasOwnProperty.call(item, key) ? "" : cell((item as Record<string, unknown>)[key]);
      }
    }
  }
  const keys = Object.keys(map);
  const values = Object.values(map);
  if (hasPrimitives) {
    keys.push("Values");
    values.push(valuesColumn);
  }
  keys.unshift("(index)");
  values.unshift(index);
  return cliTable(keys, values);
}
