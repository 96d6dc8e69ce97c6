/**
 * A sandbox: one WebAssembly instance of QuickJS (own linear memory, capped) and one
 * QuickJS runtime in it. Each exec gets a fresh context in this runtime, so no guest
 * state survives from one exec to the next while the instance is reused cheaply. A
 * sandbox that hit a limit or faulted is marked broken and replaced, never reused.
 */
import type { QuickJSContext, QuickJSRuntime } from "quickjs-emscripten-core";
import { pagesForLimit, type WasmInstance } from "../wasm/instance.js";
import { takeInstance } from "../wasm/pool.js";
import type { WasmVariant } from "../wasm/variants.js";

/**
 * QuickJS's stack limit. Small enough that runaway recursion is a guest RangeError long
 * before the WebAssembly engine's own stack (shared with the host thread) is at risk.
 */
export const MAX_STACK_BYTES = 256 * 1024;

export class Sandbox {
  broken = false;
  private disposed = false;

  private constructor(
    readonly instance: WasmInstance,
    readonly runtime: QuickJSRuntime,
    readonly memoryLimitBytes: number,
  ) {}

  static async create(variant: WasmVariant, memoryLimitBytes: number): Promise<Sandbox> {
    const instance = await takeInstance(variant, pagesForLimit(memoryLimitBytes));
    const runtime = instance.module.newRuntime();
    // The linear memory's maximum is the limit; QuickJS's own counter is left unlimited
    // so there is exactly one limit and one way to hit it.
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    return new Sandbox(instance, runtime, memoryLimitBytes);
  }

  get alive(): boolean {
    return !this.disposed;
  }

  /** True once the engine was refused memory: the sandbox hit its hard cap. */
  atMemoryCap(): boolean {
    return this.instance.growFailures() > 0;
  }

  /** Refused linear-memory growths so far (sticky: linear memory never shrinks). */
  growFailures(): number {
    return this.instance.growFailures();
  }

  /** Linear memory size (what the host really spends) and QuickJS's own allocation count. */
  memoryUsage(context: QuickJSContext): { rss: number; heapTotal: number; heapUsed: number } {
    const linear = this.instance.memory.buffer.byteLength;
    let heapUsed = 0;
    const usage = this.runtime.computeMemoryUsage();
    try {
      const v = context.getProp(usage, "memory_used_size");
      heapUsed = context.typeof(v) === "number" ? context.getNumber(v) : 0;
      v.dispose();
    } finally {
      usage.dispose();
    }
    return { rss: linear, heapTotal: linear, heapUsed };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      if (this.runtime.alive) this.runtime.dispose();
    } catch {
      // A runtime that faulted may not free cleanly; its whole instance is dropped anyway.
    }
  }
}

