/**
 * The performance timeline behind `performance.mark`/`measure`/`getEntries*` (global
 * `performance` and `perf_hooks.performance`). Entries use the guest clock, so under
 * timing mitigation "freeze" every mark has the same startTime.
 */
import { nodeError, invalidArgType } from "../_lib/errors.js";

const customInspect = Symbol.for("nodejs.util.inspect.custom");

export class PerformanceEntry {
  readonly name: string;
  readonly entryType: string;
  readonly startTime: number;
  readonly duration: number;
  constructor(name: string, entryType: string, startTime: number, duration: number) {
    this.name = name;
    this.entryType = entryType;
    this.startTime = startTime;
    this.duration = duration;
  }
  toJSON(): object {
    return { name: this.name, entryType: this.entryType, startTime: this.startTime, duration: this.duration };
  }
}
export class PerformanceMark extends PerformanceEntry {
  readonly detail: unknown;
  constructor(name: string, options: { startTime?: number; detail?: unknown } = {}, now = 0) {
    super(`${name}`, "mark", options.startTime ?? now, 0);
    this.detail = options.detail === undefined ? null : (globalThis as unknown as { structuredClone(v: unknown): unknown }).structuredClone(options.detail);
  }
  override toJSON(): object {
    return { ...super.toJSON(), detail: this.detail };
  }
  [customInspect](depth: number, opts: object, inspect: (v: unknown, o: object) => string): string {
    return depth < 0 ? "[PerformanceMark]" : `PerformanceMark ${inspect(this.toJSON(), opts)}`;
  }
}
export class PerformanceMeasure extends PerformanceEntry {
  readonly detail: unknown;
  constructor(name: string, start: number, duration: number, detail: unknown) {
    super(name, "measure", start, duration);
    this.detail = detail === undefined ? null : (globalThis as unknown as { structuredClone(v: unknown): unknown }).structuredClone(detail);
  }
  override toJSON(): object {
    return { ...super.toJSON(), detail: this.detail };
  }
  [customInspect](depth: number, opts: object, inspect: (v: unknown, o: object) => string): string {
    return depth < 0 ? "[PerformanceMeasure]" : `PerformanceMeasure ${inspect(this.toJSON(), opts)}`;
  }
}

export function createTimeline(now: () => number) {
  let entries: PerformanceEntry[] = [];
  const markTime = (name: string | number | undefined, what: string): number => {
    if (name === undefined) return now();
    if (typeof name === "number") return name;
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.entryType === "mark" && entries[i]!.name === name) return entries[i]!.startTime;
    throw new DOMException(`The "${name}" performance mark has not been set`, "SyntaxError");
    void what;
  };
  const sorted = (list: PerformanceEntry[]) => list.slice().sort((a, b) => a.startTime - b.startTime);
  return {
    mark(name: string, options?: { startTime?: number; detail?: unknown }): PerformanceMark {
      if (arguments.length === 0) throw nodeError("ERR_MISSING_ARGS", 'The "name" argument must be specified', TypeError);
      const m = new PerformanceMark(name, options ?? {}, now());
      entries.push(m);
      return m;
    },
    measure(name: string, startOrOptions?: string | { start?: string | number; end?: string | number; duration?: number; detail?: unknown }, endMark?: string): PerformanceMeasure {
      if (arguments.length === 0) throw nodeError("ERR_MISSING_ARGS", 'The "name" argument must be specified', TypeError);
      let start: number;
      let end: number;
      let detail: unknown;
      if (startOrOptions !== null && typeof startOrOptions === "object") {
        detail = startOrOptions.detail;
        start = startOrOptions.start !== undefined ? markTime(startOrOptions.start, "start") : 0;
        end = startOrOptions.end !== undefined ? markTime(startOrOptions.end, "end") : startOrOptions.duration !== undefined ? start + startOrOptions.duration : now();
      } else {
        start = startOrOptions === undefined ? 0 : markTime(startOrOptions, "start");
        end = endMark === undefined ? now() : markTime(endMark, "end");
      }
      const m = new PerformanceMeasure(`${name}`, start, end - start, detail);
      entries.push(m);
      return m;
    },
    clearMarks(name?: string): void {
      entries = entries.filter((e) => e.entryType !== "mark" || (name !== undefined && e.name !== `${name}`));
    },
    clearMeasures(name?: string): void {
      entries = entries.filter((e) => e.entryType !== "measure" || (name !== undefined && e.name !== `${name}`));
    },
    getEntries: () => sorted(entries),
    getEntriesByName(name: string, type?: string) {
      if (arguments.length === 0) throw invalidArgType("name", "of type string", undefined);
      return sorted(entries.filter((e) => e.name === `${name}` && (type === undefined || e.entryType === type)));
    },
    getEntriesByType(type: string) {
      return sorted(entries.filter((e) => e.entryType === `${type}`));
    },
  };
}
