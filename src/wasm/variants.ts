/**
 * The QuickJS WebAssembly builds quicksand can run on. Both are the synchronous release
 * builds shipped by quickjs-emscripten; the asyncify builds are deliberately absent (see
 * DESIGN.md: slower, one suspended call at a time, and fragile under nested host calls).
 */
import type { QuickJSSyncVariant } from "quickjs-emscripten-core";
import quickjsNg from "@jitl/quickjs-ng-wasmfile-release-sync";
import quickjsBellard from "@jitl/quickjs-wasmfile-release-sync";

export type WasmVariantName = "quickjs-ng" | "quickjs";

export interface WasmVariant {
  readonly name: WasmVariantName;
  readonly variant: QuickJSSyncVariant;
  /** Package specifier of the .wasm file, resolved from this package. */
  readonly wasmSpecifier: string;
}

export const WASM_VARIANTS: Readonly<Record<WasmVariantName, WasmVariant>> = Object.freeze({
  "quickjs-ng": {
    name: "quickjs-ng",
    variant: quickjsNg as QuickJSSyncVariant,
    wasmSpecifier: "@jitl/quickjs-ng-wasmfile-release-sync/wasm",
  },
  quickjs: {
    name: "quickjs",
    variant: quickjsBellard as QuickJSSyncVariant,
    wasmSpecifier: "@jitl/quickjs-wasmfile-release-sync/wasm",
  },
});

/**
 * quickjs-ng is the default, for fidelity rather than speed: deep recursion surfaces as
 * Node's `RangeError: Maximum call stack size exceeded` (Bellard's build throws
 * `InternalError: stack overflow`), and it has `Error.captureStackTrace` and
 * `Error.stackTraceLimit`, which many npm packages call. Start-up, warm exec and memory
 * are within noise of the other build, but Bellard's QuickJS runs CPU-bound code about
 * 1.4x faster (see the README's table): pick it with
 * `createQuickJSRuntimeDriverFactory({ variant: "quickjs" })` for compute-heavy work.
 */
export const DEFAULT_VARIANT: WasmVariantName = "quickjs-ng";

export function getVariant(name: WasmVariantName = DEFAULT_VARIANT): WasmVariant {
  const v = WASM_VARIANTS[name];
  if (!v) throw new TypeError(`unknown QuickJS variant ${JSON.stringify(name)}; expected one of ${Object.keys(WASM_VARIANTS).join(", ")}`);
  return v;
}
