/**
 * `perf_hooks`: the global `performance` (with its mark/measure timeline) and the entry
 * classes. Observers, histograms and event-loop delay monitoring have no source of
 * events in the sandbox and are reported as not supported.
 */
import { notSupported } from "../_lib/errors.js";
import { PerformanceEntry, PerformanceMark, PerformanceMeasure } from "./timeline.js";

class PerformanceObserver {
  constructor() {
    throw notSupported("perf_hooks.PerformanceObserver");
  }
  static get supportedEntryTypes(): string[] {
    return ["mark", "measure"];
  }
}

const constants = {
  NODE_PERFORMANCE_GC_MAJOR: 4, NODE_PERFORMANCE_GC_MINOR: 1, NODE_PERFORMANCE_GC_INCREMENTAL: 8, NODE_PERFORMANCE_GC_WEAKCB: 16,
  NODE_PERFORMANCE_GC_FLAGS_NO: 0, NODE_PERFORMANCE_GC_FLAGS_CONSTRUCT_RETAINED: 2, NODE_PERFORMANCE_GC_FLAGS_FORCED: 4,
  NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING: 8, NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE: 16,
  NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY: 32, NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE: 64,
};

export default {
  get performance() {
    return (globalThis as unknown as { performance: unknown }).performance;
  },
  PerformanceEntry,
  PerformanceMark,
  PerformanceMeasure,
  PerformanceObserver,
  monitorEventLoopDelay: () => {
    throw notSupported("perf_hooks.monitorEventLoopDelay()");
  },
  createHistogram: () => {
    throw notSupported("perf_hooks.createHistogram()");
  },
  constants,
};
