/**
 * A sandbox: one WebAssembly instance of QuickJS (own linear memory, capped) and one
 * QuickJS runtime in it. Each exec gets a fresh context in this runtime, so no guest
 * state survives from one exec to the next while the instance is reused cheaply. A
 * sandbox that hit a limit or faulted is marked broken and replaced, never reused.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import { preludeSource } from "virtual:quicksand-guest";
import { pagesForLimit, type WasmInstance } from "../wasm/instance.js";
import { takeInstance } from "../wasm/pool.js";
import type { WasmVariant } from "../wasm/variants.js";

/**
 * QuickJS's stack limit. Small enough that runaway recursion is a guest RangeError long
 * before the WebAssembly engine's own stack (shared with the host thread) is at risk.
 */
export const MAX_STACK_BYTES = 256 * 1024;

/** A fresh context with the prelude compiled (not run): what every exec starts from. */
export interface PreparedContext {
  context: QuickJSContext;
  /** The prelude's factory function, compiled in `context`. */
  prelude: QuickJSHandle;
}

export class Sandbox {
  broken = false;
  private disposed = false;
  private prepared: PreparedContext | undefined;

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

  /**
   * Memory as the guest's process.memoryUsage() reports it: the sandbox's linear memory,
   * which is what the host really spends. (QuickJS's own allocation count cannot be read
   * while guest code is running: computing it from inside a host call trips QuickJS's
   * stack check.)
   */
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number } {
    const linear = this.instance.memory.buffer.byteLength;
    return { rss: linear, heapTotal: linear, heapUsed: linear };
  }

  /**
   * Makes the next exec's context ahead of time — creating a context and compiling the
   * prelude are most of an exec's fixed cost — so an exec that arrives after idle time
   * starts at once. The prepared context has run no code at all, so the "fresh state for
   * every exec" rule holds.
   */
  prepare(): void {
    if (this.prepared || this.disposed || this.broken) return;
    const context = this.runtime.newContext();
    const r = context.evalCode(preludeSource, "node:internal/prelude", { type: "global" });
    if (r.error) {
      r.error.dispose();
      context.dispose();
      return;
    }
    this.prepared = { context, prelude: r.value };
  }

  /** Hands over the prepared context (and forgets it), or undefined. */
  takePrepared(): PreparedContext | undefined {
    const p = this.prepared;
    this.prepared = undefined;
    return p;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const p = this.takePrepared();
    try {
      p?.prelude.dispose();
      p?.context.dispose();
    } catch {
      // Freed with the runtime below in any case.
    }
    try {
      if (this.runtime.alive) this.runtime.dispose();
    } catch {
      // A runtime that faulted may not free cleanly; its whole instance is dropped anyway.
    }
  }
}

