/**
 * The runtime driver decides which engine runs guest code. quicksand has one: QuickJS
 * compiled to WebAssembly, in one of two builds. `NodeRuntime` accepts a
 * `runtimeDriverFactory` (as secure-exec's does) so a caller can pick the build; without
 * one, the default build is used.
 */
import { DEFAULT_VARIANT, getVariant, type WasmVariant, type WasmVariantName } from "../wasm/variants.js";

const BRAND = Symbol.for("quicksand.runtimeDriverFactory");

export interface RuntimeDriverFactory {
  readonly [BRAND]: true;
  readonly kind: "quickjs-wasm";
  readonly variant: WasmVariantName;
}

export interface QuickJSRuntimeDriverOptions {
  /** `"quickjs-ng"` (default) or `"quickjs"` (Bellard's QuickJS). */
  variant?: WasmVariantName;
}

/**
 * @example
 * new NodeRuntime({ runtimeDriverFactory: createQuickJSRuntimeDriverFactory({ variant: "quickjs" }) })
 */
export function createQuickJSRuntimeDriverFactory(options: QuickJSRuntimeDriverOptions = {}): RuntimeDriverFactory {
  if (typeof options !== "object" || options === null) throw new TypeError("createQuickJSRuntimeDriverFactory: options must be an object");
  const variant = options.variant ?? DEFAULT_VARIANT;
  getVariant(variant);
  return Object.freeze({ [BRAND]: true as const, kind: "quickjs-wasm" as const, variant });
}

export function resolveRuntimeDriver(factory: unknown): WasmVariant {
  if (factory === undefined) return getVariant(DEFAULT_VARIANT);
  if (typeof factory !== "object" || factory === null || (factory as Record<symbol, unknown>)[BRAND] !== true) {
    throw new TypeError("NodeRuntime: runtimeDriverFactory must come from createQuickJSRuntimeDriverFactory()");
  }
  return getVariant((factory as RuntimeDriverFactory).variant);
}
