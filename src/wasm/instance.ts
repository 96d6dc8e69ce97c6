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
  /** How many times the engine asked for more linear memory than the cap allows. */
  readonly growFailures: () => number;
}

/** Pages of linear memory a sandbox with this memory limit may grow to: the limit itself. */
export function pagesForLimit(limitBytes: number): number {
  return Math.max(MIN_PAGES, Math.ceil(limitBytes / WASM_PAGE));
}

export async function createInstance(variant: WasmVariant, maxPages: number): Promise<WasmInstance> {
  const wasmModule = await compileVariant(variant);
  const memory = new WebAssembly.Memory({ initial: MIN_PAGES, maximum: maxPages });
  // Emscripten's allocator grows the heap with `memory.grow`, which throws past the cap
  // (the allocator then returns NULL). Counting those failures tells an out-of-memory
  // failure apart from a guest that merely threw null, even when QuickJS could not
  // allocate the error object it meant to throw.
  let failures = 0;
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number) => {
    try {
      return grow(delta);
    } catch (e) {
      failures++;
      throw e;
    }
  };
  const module = await newQuickJSWASMModuleFromVariant(
    newVariant(variant.variant, {
      wasmModule,
      wasmMemory: memory,
      log: noop,
      // Emscripten prints an engine abort itself; quicksand reports it as the run's
      // result instead (QUICKSAND_DEBUG=1 shows the engine's own text).
      emscriptenModule: { printErr: debugEnabled() ? (text: string) => console.error(`[quicksand engine] ${text}`) : noop, print: noop } as never,
    }),
  );
  return { variant, module, memory, maxPages, growFailures: () => failures };
}

function noop(): void {}

function debugEnabled(): boolean {
  return typeof process !== "undefined" && process.env?.QUICKSAND_DEBUG === "1";
}
