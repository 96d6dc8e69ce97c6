/**
 * The baseline: bare quickjs-emscripten (quickjs-emscripten-core plus one of the two sync
 * release variants quicksand ships), with none of quicksand's bootstrap, bridge, event loop
 * or limits. Two ways to start a bare engine are measured:
 *   - "context": a new runtime + context in an already loaded module (all sandboxes share
 *     one linear memory; the cheapest thing quickjs-emscripten offers);
 *   - "instance": a fresh module instance from the precompiled WebAssembly.Module with its
 *     own WebAssembly.Memory, then runtime + context (the isolation quicksand provides).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import quickjsNg from "@jitl/quickjs-ng-wasmfile-release-sync";
import quickjsBellard from "@jitl/quickjs-wasmfile-release-sync";

const require = createRequire(import.meta.url);

const VARIANTS = {
  "quickjs-ng": { variant: quickjsNg, wasm: "@jitl/quickjs-ng-wasmfile-release-sync/wasm" },
  quickjs: { variant: quickjsBellard, wasm: "@jitl/quickjs-wasmfile-release-sync/wasm" },
};

/** The same linear memory shape quicksand gives a sandbox with the default 128 MB limit. */
const INITIAL_PAGES = 256;
const MAX_PAGES = 2048 + 32;

const loaded = new Map();
const compiled = new Map();

/** The variant's module loaded the ordinary way (one shared instance), cached. */
export function sharedModule(engine) {
  if (!loaded.has(engine)) loaded.set(engine, newQuickJSWASMModuleFromVariant(VARIANTS[engine].variant));
  return loaded.get(engine);
}

/** The variant's WebAssembly.Module, compiled once. */
export function compiledModule(engine) {
  if (!compiled.has(engine)) {
    compiled.set(engine, readFile(require.resolve(VARIANTS[engine].wasm)).then((bytes) => WebAssembly.compile(bytes)));
  }
  return compiled.get(engine);
}

/** A fresh module instance with its own memory (precompiled module, no compile cost). */
export async function freshInstance(engine) {
  const wasmModule = await compiledModule(engine);
  const wasmMemory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES });
  return newQuickJSWASMModuleFromVariant(newVariant(VARIANTS[engine].variant, { wasmModule, wasmMemory, log: () => {} }));
}

/** Evaluates `code` in a new runtime + context of `module`; returns the result as a host value. */
export function evalIn(module, code) {
  const runtime = module.newRuntime();
  const context = runtime.newContext();
  try {
    const value = context.unwrapResult(context.evalCode(code));
    const out = context.dump(value);
    value.dispose();
    return out;
  } finally {
    context.dispose();
    runtime.dispose();
  }
}
