/**
 * Wording helpers for validation errors. A value of the wrong type is named by its type
 * ("got string"); a value of the right type but out of range is shown ("got \"app\"").
 */

/** The type of `value` as an error message names it: "string", "null", "array", ... */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const MAX_SHOWN_LENGTH = 60;

/** A short printable form of a primitive `value`, e.g. `"app"` or `70000`. */
export function showValue(value: unknown): string {
  if (typeof value === "string") {
    const shown = JSON.stringify(value);
    return shown.length > MAX_SHOWN_LENGTH ? `${shown.slice(0, MAX_SHOWN_LENGTH - 4)}..."` : shown;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  return typeName(value);
}

/** True for a non-null, non-array object (the shape options and configs must have). */
export function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
