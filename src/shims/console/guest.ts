/**
 * The guest's `console`. Every method formats with util.format/inspect rules and writes
 * one chunk through the `stdio.write` op; stdout for log/info/debug/dir/table,
 * stderr for error/warn/trace/assert, as Node does.
 */
import { format, formatWithOptions } from "../_lib/format.js";
import type { InspectOptions } from "../_lib/inspect.js";
import { lazy } from "../module/guest.js";
import { writeChannel, type Channel } from "../_lib/stdio.js";
import { renderTable } from "./table.js";

const inspectUnit = lazy<typeof import("../_lib/inspect.js")>("quicksand:internal/inspect");

export function createConsole(now: () => number) {
  let groupIndent = "";
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();

  const emit = (channel: Channel, text: string) => {
    if (groupIndent !== "") text = groupIndent + text.replaceAll("\n", `\n${groupIndent}`);
    writeChannel(channel, text + "\n");
  };
  const label = (l: unknown) => (l === undefined ? "default" : `${l}`);
  const elapsed = (ms: number) => {
    if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`;
    return `${Number(ms.toFixed(3))}ms`;
  };

  const console = {
    log: (...args: unknown[]) => emit(1, format(...args)),
    info: (...args: unknown[]) => emit(1, format(...args)),
    debug: (...args: unknown[]) => emit(1, format(...args)),
    error: (...args: unknown[]) => emit(2, format(...args)),
    warn: (...args: unknown[]) => emit(2, format(...args)),
    dir: (obj: unknown, options?: InspectOptions) => emit(1, inspectUnit().inspect(obj, { customInspect: false, ...options } as InspectOptions)),
    dirxml: (...args: unknown[]) => emit(1, format(...args)),
    trace: (...args: unknown[]) => {
      const err = new Error(format(...args));
      err.name = "Trace";
      const stack = inspectUnit().errorStack(err).split("\n");
      // Drop the frame of console.trace itself.
      stack.splice(1, 1);
      emit(2, stack.join("\n"));
    },
    assert: (value: unknown, ...args: unknown[]) => {
      if (!value) {
        args[0] = `Assertion failed${args.length === 0 ? "" : `: ${args[0]}`}`;
        emit(2, format(...args));
      }
    },
    count: (l?: unknown) => {
      const key = label(l);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      emit(1, `${key}: ${n}`);
    },
    countReset: (l?: unknown) => {
      const key = label(l);
      if (counts.has(key)) counts.set(key, 0);
      else emit(2, `Warning: Count for '${key}' does not exist`);
    },
    group: (...args: unknown[]) => {
      if (args.length > 0) emit(1, format(...args));
      groupIndent += "  ";
    },
    groupCollapsed: (...args: unknown[]) => console.group(...args),
    groupEnd: () => {
      groupIndent = groupIndent.slice(0, -2);
    },
    time: (l?: unknown) => {
      const key = label(l);
      if (timers.has(key)) {
        emit(2, `Warning: Label '${key}' already exists for console.time()`);
        return;
      }
      timers.set(key, now());
    },
    timeEnd: (l?: unknown) => {
      const key = label(l);
      const start = timers.get(key);
      if (start === undefined) {
        emit(2, `Warning: No such label '${key}' for console.timeEnd()`);
        return;
      }
      timers.delete(key);
      emit(1, `${key}: ${elapsed(now() - start)}`);
    },
    timeLog: (l?: unknown, ...data: unknown[]) => {
      const key = label(l);
      const start = timers.get(key);
      if (start === undefined) {
        emit(2, `Warning: No such label '${key}' for console.timeLog()`);
        return;
      }
      emit(1, formatWithOptions({}, `${key}: ${elapsed(now() - start)}`, ...data));
    },
    table: (data: unknown, properties?: unknown) => {
      const text = renderTable(data, properties);
      emit(1, text ?? format(data));
    },
  };
  return console;
}
