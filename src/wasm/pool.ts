/**
 * A small pool of ready, never-used WebAssembly instances, so that creating a sandbox
 * does not pay for instantiation on the caller's critical path. Instances are keyed by
 * variant and memory cap (the cap is fixed when the Memory is made). An instance is
 * handed out once and never returns to the pool: a used instance carries the previous
 * tenant's heap, so it is reused only by the sandbox that owns it.
 */
import { createInstance, type WasmInstance } from "./instance.js";
import type { WasmVariant } from "./variants.js";

/** How many idle instances to keep per (variant, cap). Each costs ~250 KB resident. */
export const POOL_SIZE = 2;

const pools = new Map<string, WasmInstance[]>();
const refilling = new Set<string>();

function keyOf(variant: WasmVariant, maxPages: number): string {
  return `${variant.name}:${maxPages}`;
}

/** Takes a fresh instance from the pool, or makes one, and tops the pool up afterwards. */
export async function takeInstance(variant: WasmVariant, maxPages: number): Promise<WasmInstance> {
  const key = keyOf(variant, maxPages);
  const ready = pools.get(key)?.pop();
  scheduleRefill(variant, maxPages, key);
  return ready ?? createInstance(variant, maxPages);
}

function scheduleRefill(variant: WasmVariant, maxPages: number, key: string): void {
  if (refilling.has(key)) return;
  refilling.add(key);
  // Refill after the current turn so the caller's exec runs first.
  setImmediate(async () => {
    try {
      let list = pools.get(key);
      if (!list) pools.set(key, (list = []));
      while (list.length < POOL_SIZE) list.push(await createInstance(variant, maxPages));
    } catch {
      // The next takeInstance creates on demand and reports the error to its caller.
    } finally {
      refilling.delete(key);
    }
  }).unref?.();
}

/** Drops every idle instance (their memory is released when garbage collected). */
export function drainPool(): void {
  pools.clear();
}
