/**
 * Guest clocks. Under timing mitigation "freeze" (the default) `Date`, `performance.now`,
 * `process.hrtime` and `process.uptime` stand still for the whole exec, which takes the
 * fine-grained clock away from timing attacks. Under "off" they are the real clocks.
 */
import { loadUnit } from "../module/guest.js";

export interface ClockConfig {
  timing: "freeze" | "off";
  /** Epoch milliseconds when the exec started. */
  epochMs: number;
  /** performance.now() value when the exec started. */
  perfNowMs: number;
}

export interface GuestClock {
  perfNow: () => number;
  uptime: () => number;
}

export function installClock(cfg: ClockConfig): GuestClock {
  const g = globalThis as Record<string, unknown>;
  const RealDate = Date;
  const realNow = RealDate.now;
  const startReal = realNow();
  const perfNow = cfg.timing === "freeze" ? () => cfg.perfNowMs : () => cfg.perfNowMs + (realNow() - startReal);

  // Date and performance are built on first touch; until then they cost nothing.
  const lazyGlobal = (name: string, make: () => unknown, enumerable: boolean) =>
    Object.defineProperty(g, name, {
      get() {
        const value = make();
        Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable });
        return value;
      },
      set(value) {
        Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable });
      },
      configurable: true,
      enumerable,
    });

  if (cfg.timing === "freeze") lazyGlobal("Date", () => frozenDate(RealDate, cfg.epochMs), false);
  let timeline: Record<string, (...a: unknown[]) => unknown> | undefined;
  lazyGlobal("performance", () => {
    const timeOrigin = cfg.epochMs - cfg.perfNowMs;
    return {
      now: perfNow,
      timeOrigin,
      toJSON: () => ({ timeOrigin }),
      // The timeline (marks, measures) loads on its first use.
      ...Object.fromEntries(
        ["mark", "measure", "clearMarks", "clearMeasures", "getEntries", "getEntriesByName", "getEntriesByType"].map((m) => [
          m,
          {
            [m]: function (...args: unknown[]) {
              timeline ??= (loadUnit("quicksand:internal/perf-hooks/timeline") as { createTimeline(now: () => number): Record<string, (...a: unknown[]) => unknown> }).createTimeline(perfNow);
              return timeline[m]!(...args);
            },
          }[m],
        ]),
      ),
    };
  }, true);
  return { perfNow, uptime: () => perfNow() / 1000 };
}

/** A Date constructor whose "now" is fixed; every other behaviour is the real Date's. */
function frozenDate(RealDate: DateConstructor, frozen: number): DateConstructor {
  const FrozenDate = function Date(this: unknown, ...args: unknown[]) {
    if (new.target === undefined) return new RealDate(frozen).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [frozen] : args, new.target);
  } as unknown as DateConstructor;
  Object.defineProperties(FrozenDate, {
    now: { value: () => frozen, writable: true, configurable: true },
    parse: { value: RealDate.parse, writable: true, configurable: true },
    UTC: { value: RealDate.UTC, writable: true, configurable: true },
    prototype: { value: RealDate.prototype, writable: false, configurable: false },
    length: { value: 7, configurable: true },
  });
  Object.defineProperty(RealDate.prototype, "constructor", { value: FrozenDate, writable: true, configurable: true });
  return FrozenDate;
}
