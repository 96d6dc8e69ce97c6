/**
 * One sandbox's WebAssembly instance: the compiled QuickJS module instantiated with a
 * `WebAssembly.Memory` of its own whose `maximum` is the sandbox's hard memory cap.
 *
 * QuickJS's `setMemoryLimit` alone is not a hard cap: it only counts what QuickJS's own
 * allocator hands out, while the linear memory underneath can keep growing. The Memory's
 * `maximum` is the cap the WebAssembly engine enforces: `memory.grow` fails, malloc
 * returns NULL, and QuickJS raises a catchable `InternalError: out of memory`. A separate
 * instance per sandbox also means one sandbox's memory can never be read or corrupted by
 * another, and disposing the instance hands every page back at once.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import { compileVariant } from "./module.js";
import type { WasmVariant } from "./variants.js";

export const WASM_PAGE = 65536;
/** The QuickJS builds declare an initial linear memory of 16 MiB (256 pages); less fails to link. */
export const MIN_PAGES = 256;
/** Static data, the C stack and allocator slack that live in linear memory beside the JS heap. */
export const RESERVED_PAGES = 32;

export interface WasmInstance {
  readonly variant: WasmVariant;
  readonly module: QuickJSWASMModule;
  readonly memory: WebAssembly.Memory;
  readonly maxPages: number;
}

/** Pages of linear memory a sandbox with this QuickJS heap limit may grow to. */
export function pagesForLimit(limitBytes: number): number {
  return Math.max(MIN_PAGES, Math.ceil(limitBytes / WASM_PAGE) + RESERVED_PAGES);
}

export async function createInstance(variant: WasmVariant, maxPages: number): Promise<WasmInstance> {
  const wasmModule = await compileVariant(variant);
  const memory = new WebAssembly.Memory({ initial: MIN_PAGES, maximum: maxPages });
  const module = await newQuickJSWASMModuleFromVariant(
    newVariant(variant.variant, { wasmModule, wasmMemory: memory, log: noop }),
  );
  return { variant, module, memory, maxPages };
}

function noop(): void {}
