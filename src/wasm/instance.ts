/**
 * One sandbox's WebAssembly instance: the compiled QuickJS module instantiated with a
 * `WebAssembly.Memory` of its own whose `maximum` is the sandbox's hard memory cap.
 *
 * QuickJS's `setMemoryLimit` alone is not a hard cap: it only counts what QuickJS's own
 * allocator hands out, while the linear memory underneath can keep growing. The Memory's
 * `maximum` is the cap the WebAssembly engine enforces, and it is the sandbox's memory
 * limit: `memory.grow` fails, malloc returns NULL, and QuickJS raises a catchable
 * `InternalError: out of memory` (or, when even that allocation fails, throws null). A separate
 * instance per sandbox also means one sandbox's memory can never be read or corrupted by
 * another, and disposing the instance hands every page back at once.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import { compileVariant } from "./module.js";
import type { WasmVariant } from "./variants.js";

export const WASM_PAGE = 65536;
/** The QuickJS builds declare an initial linear memory of 16 MiB (256 pages); less fails to link. */
export const MIN_PAGES = 256;
export interface WasmInstance {
  readonly variant: WasmVariant;
  readonly module: QuickJSWASMModule;
  readonly memory: WebAssembly.Memory;
  readonly maxPages: number;
  /**
   * How many times the engine was refused linear memory: a heap growth that failed as a
   * whole (the allocation behind it got nothing), past the cap.
   */
  readonly growFailures: () => number;
}

/** Pages of linear memory a sandbox with this memory limit may grow to: the limit itself. */
export function pagesForLimit(limitBytes: number): number {
  return Math.max(MIN_PAGES, Math.ceil(limitBytes / WASM_PAGE));
}

export async function createInstance(variant: WasmVariant, maxPages: number): Promise<WasmInstance> {
  const wasmModule = await compileVariant(variant);
  const memory = new WebAssembly.Memory({ initial: MIN_PAGES, maximum: maxPages });
  let refused = 0;
  let failedGrows = 0;
  // Emscripten's allocator grows the heap with `memory.grow`, which throws past the cap.
  // One heap growth tries several sizes (20 %, 10 %, 5 % over what it needs) before it
  // gives up, so a failed `grow` alone does not mean an allocation failed: near the cap
  // the next, smaller try may succeed. What counts is the growth as a whole, which is
  // the engine's heap-resize import: wrapped below when it can be found, else every failed
  // `grow` counts (a conservative reading).
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number) => {
    try {
      return grow(delta);
    } catch (e) {
      failedGrows++;
      throw e;
    }
  };
  let resizeFound = false;
  let instantiateFailed!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => {
    instantiateFailed = reject;
  });
  const instantiateWasm = (imports: WebAssembly.Imports, onSuccess: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
    const counted = countRefusedGrowths(imports, () => refused++);
    resizeFound = counted !== imports;
    WebAssembly.instantiate(wasmModule, counted).then((instance) => onSuccess(instance, wasmModule), instantiateFailed);
    return {};
  };
  const module = await Promise.race([
    newQuickJSWASMModuleFromVariant(
      newVariant(variant.variant, {
        wasmMemory: memory,
        log: noop,
        // Emscripten prints an engine abort itself; quicksand reports it as the run's
        // result instead (QUICKSAND_DEBUG=1 shows the engine's own text).
        emscriptenModule: { printErr: debugEnabled() ? (text: string) => console.error(`[quicksand engine] ${text}`) : noop, print: noop, instantiateWasm } as never,
      }),
    ),
    failed,
  ]);
  return { variant, module, memory, maxPages, growFailures: () => (resizeFound ? refused : failedGrows) };
}

/**
 * The imports with the engine's heap-resize function wrapped to count the growths it
 * could not make. Emscripten names its imports with minified letters, so the function is
 * found by what it does: it is the one import that calls `.grow(` on the memory. Returns
 * `imports` itself when there is not exactly one such function.
 */
function countRefusedGrowths(imports: WebAssembly.Imports, onRefused: () => void): WebAssembly.Imports {
  const hits: [string, string, (...a: unknown[]) => unknown][] = [];
  for (const [ns, table] of Object.entries(imports)) {
    for (const [name, fn] of Object.entries(table)) {
      if (typeof fn === "function" && Function.prototype.toString.call(fn).includes(".grow(")) hits.push([ns, name, fn as (...a: unknown[]) => unknown]);
    }
  }
  if (hits.length !== 1) return imports;
  const [ns, name, resize] = hits[0]!;
  const wrapped = (...args: unknown[]) => {
    const ok = resize(...args);
    if (!ok) onRefused();
    return ok;
  };
  return { ...imports, [ns]: { ...imports[ns], [name]: wrapped } };
}

function noop(): void {}

function debugEnabled(): boolean {
  return typeof process !== "undefined" && process.env?.QUICKSAND_DEBUG === "1";
}
