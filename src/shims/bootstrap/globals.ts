/**
 * The globals quicksand installs lazily, in one list shared by the prelude (which puts a
 * loader on each name before user code runs) and the bootstrap (which defines the real
 * values). Adding a global means adding it here.
 */

/** Globals served by a unit's export of the same name: [global, unit id, enumerable]. */
export const GLOBAL_UNITS: [string, string, boolean][] = [
  ["Buffer", "node:buffer", false],
  ["TextEncoder", "quicksand:internal/encoding", false],
  ["TextDecoder", "quicksand:internal/encoding", false],
  ["atob", "quicksand:internal/base64", true],
  ["btoa", "quicksand:internal/base64", true],
  ["structuredClone", "quicksand:internal/structured-clone", true],
  ["EventTarget", "quicksand:internal/event-target", false],
  ["Event", "quicksand:internal/event-target", false],
  ["CustomEvent", "quicksand:internal/event-target", false],
  ["AbortController", "quicksand:internal/abort", false],
  ["AbortSignal", "quicksand:internal/abort", false],
  ["URL", "quicksand:internal/url/whatwg", false],
  ["URLSearchParams", "quicksand:internal/url/whatwg", false],
  ["Proxy", "quicksand:internal/proxy", false],
  ["crypto", "quicksand:internal/crypto/webcrypto", true],
  ["Blob", "quicksand:internal/blob", false],
  ["File", "quicksand:internal/blob", false],
  ["fetch", "quicksand:internal/fetch", true],
  ["Request", "quicksand:internal/fetch", false],
  ["Response", "quicksand:internal/fetch", false],
  ["Headers", "quicksand:internal/fetch/headers", false],
  ["FormData", "quicksand:internal/fetch/form-data", false],
];

export const TIMER_NAMES = ["setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "clearImmediate"] as const;

/** Every lazily installed global and whether it is enumerable (as in Node). */
export function lazyGlobalNames(): [string, boolean][] {
  return [
    ["process", false],
    ["performance", true],
    ["Date", false],
    ["queueMicrotask", true],
    ...TIMER_NAMES.map((n) => [n, true] as [string, boolean]),
    ...GLOBAL_UNITS.map(([n, , e]) => [n, e] as [string, boolean]),
  ];
}
