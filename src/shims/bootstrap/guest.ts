/**
 * The guest bootstrap: loaded by the prelude (prelude.ts) the first time a script touches
 * anything beyond `console` of primitives. The host calls the exported function with the
 * two bridge functions and the exec's configuration; it installs Node's globals (over the
 * prelude's loaders) and returns the dispatcher the host's event loop drives.
 *
 * Start-up cost is parse cost, so the bootstrap carries only the bridge, the unit loader
 * and the clocks. `process`, timers and everything else are units loaded on first touch.
 *
 * Nothing here is trusted by the host: it is ordinary guest code calling ops.
 */
import * as host from "../_lib/host.js";
import * as primordials from "../_lib/primordials.js";
import * as loader from "../module/guest.js";
import * as loopClockUnit from "../_lib/loop-clock.js";
import * as loopBudgetUnit from "../_lib/loop-budget.js";
import type * as ConsoleUnit from "../console/guest.js";
import type * as ProcessUnit from "../process/guest.js";
import type * as TimersUnit from "../timers/guest.js";
import type * as SerializeUnit from "../_lib/serialize.js";
import type * as CjsUnit from "../module-api/cjs.js";
import type * as UncaughtUnit from "../_lib/uncaught.js";
import type * as BindingsUnit from "../bindings/guest.js";
import { installClock, type ClockConfig } from "./clock.js";
import { GLOBAL_UNITS, TIMER_NAMES } from "./globals.js";

export interface BootstrapConfig extends ClockConfig {
  process: ProcessUnit.ProcessInit;
  /** The host's loop time (performance.now()) when the exec started. */
  loopNowMs: number;
  /** resourceBudgets.maxTimers (null: unlimited, as JSON has no Infinity). */
  maxTimers: number | null;
}

type HostCall = (name: string, ...args: unknown[]) => unknown;
type HostCallAsync = (name: string, ...args: unknown[]) => number;

const IDLE = -1;

export default function bootstrap(call: HostCall, callAsync: HostCallAsync, configJson: string) {
  const config = JSON.parse(configJson) as BootstrapConfig;
  host.initHost(call, callAsync);
  loader.registerUnit("quicksand:internal/host", host);
  loader.registerUnit("quicksand:internal/primordials", primordials);
  loader.registerUnit("quicksand:internal/loop-clock", loopClockUnit);
  loopClockUnit.loopClock.set(config.loopNowMs);
  loader.registerUnit("quicksand:internal/loop-budget", loopBudgetUnit);
  loopBudgetUnit.loopBudget.maxTimers = config.maxTimers ?? Infinity;
  loader.registerUnit("quicksand:internal/module", loader);

  const g = globalThis as Record<string, unknown>;
  const define = (name: string, value: unknown, enumerable = false) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable });
  /** A global made on first read (and replaceable by assignment, as in Node). */
  const defineLazy = (name: string, make: () => unknown, enumerable = false) =>
    Object.defineProperty(g, name, {
      get() {
        const value = make();
        define(name, value, enumerable);
        return value;
      },
      set(value) {
        define(name, value, enumerable);
      },
      configurable: true,
      enumerable,
    });

  const clock = installClock(config);
  const timers = loader.lazy<typeof TimersUnit>("quicksand:internal/timers");
  const cjs = loader.lazy<typeof CjsUnit>("quicksand:internal/module-api/cjs");
  const bindings = loader.lazy<typeof BindingsUnit>("quicksand:internal/bindings");
  let proc: ReturnType<typeof ProcessUnit.createProcess> | undefined;
  const processState = () =>
    (proc ??= (loader.loadUnit("quicksand:internal/process") as typeof ProcessUnit).createProcess(config.process, {
      hrNow: clock.perfNow,
      uptime: clock.uptime,
    }));
  let fullConsole: ReturnType<typeof ConsoleUnit.createConsole> | undefined;
  const full = () => (fullConsole ??= (loader.loadUnit("quicksand:internal/console") as typeof ConsoleUnit).createConsole(clock.perfNow));

  defineLazy("process", () => processState().process);
  // Web and Node globals: each loads its unit on first read (enumerable as in Node).
  const fromUnit = (id: string, name: string) => () => (loader.loadUnit(id) as Record<string, unknown>)[name];
  for (const [name, id, enumerable] of GLOBAL_UNITS) defineLazy(name, fromUnit(id, name), enumerable);
  for (const name of TIMER_NAMES) {
    // Small forwarders: the timers unit loads when the first timer is set.
    const forward = { [name]: (...args: unknown[]) => (timers()[name] as (...a: unknown[]) => unknown)(...args) }[name]!;
    define(name, forward, true);
  }
  if (typeof g.queueMicrotask !== "function") {
    const resolved = Promise.resolve();
    define("queueMicrotask", (cb: () => void) => {
      if (typeof cb !== "function") throw new TypeError('The "callback" argument must be of type function');
      void resolved.then(cb);
    }, true);
  }
  loader.provideBuiltin("process", () => g.process);
  loader.provideBuiltin("console", () => g.console);
  loader.provideBuiltin("timers", () => {
    const t = timers();
    return Object.fromEntries(TIMER_NAMES.map((n) => [n, t[n]]));
  });
  // For ES modules: `import x from "node:x"` (or from a CommonJS file) compiles to a
  // lookup through these symbols.
  Object.defineProperty(g, Symbol.for("quicksand.requireBuiltin"), { value: loader.requireBuiltin });
  Object.defineProperty(g, Symbol.for("quicksand.importCjs"), { value: (path: string) => cjs().importCjs(path, path) });
  /** JSON of an object's export names, or of the error loading it threw. */
  const exportNames = (get: () => unknown) => {
    try {
      const v = get();
      return JSON.stringify({ names: v !== null && (typeof v === "object" || typeof v === "function") ? Object.keys(v as object) : [] });
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown };
      return JSON.stringify({ error: { code: typeof err?.code === "string" ? err.code : "ERR_SANDBOX_MODULE", message: String(err?.message ?? e) } });
    }
  };

  const timersLoaded = () => loader.isLoaded("quicksand:internal/timers");

  return {
    /** The console the prelude's console hands over to for anything beyond primitives. */
    fullConsole: full,
    /** A call of a SecureExec.bindings leaf (the prelude built the tree). */
    callBinding: (path: string, args: unknown[], isAsync: boolean) => bindings().callBinding(path, args, isAsync),
    /** The entry script's `require` (the module system loads on first use). */
    makeMainRequire: (main: Parameters<typeof CjsUnit.makeMainRequire>[0]) => cjs().makeMainRequire(main),
    /** Export names of a CommonJS module imported by an ES module (loads it). */
    cjsExportNames: (path: string) => exportNames(() => cjs().importCjs(path, path)),
    /** A Node-shaped Error from an op error record (for failures the host reports itself). */
    opError: (record: unknown) => (loader.loadUnit("quicksand:internal/errors") as { fromOpError(e: unknown): unknown }).fromOpError(record),
    tick: (now: number) => {
      loopClockUnit.loopClock.set(now);
      return timersLoaded() ? timers().tick(now) : IDLE;
    },
    runTicks: () => (timersLoaded() ? timers().runTicks() : 0),
    settle: (id: number, error: unknown, value: unknown, now?: number) => {
      if (typeof now === "number") {
        loopClockUnit.loopClock.set(now);
        if (timersLoaded()) timers().setLoopTime(now);
      }
      host.settle(id, error, value);
    },
    serialize: (value: unknown, root?: string) => (loader.loadUnit("quicksand:internal/serialize") as typeof SerializeUnit).serialize(value, root),
    builtinExportNames: (name: string) => exportNames(() => loader.requireBuiltin(name)),
    exitCode: () => proc?.exitCode() ?? 0,
    emitExit: (code: number) => (proc ? proc.emitExit(code) : code),
    /**
     * Decides what an uncaught error means: handled by an 'uncaughtException'
     * listener (returns ""), or fatal (returns the text Node would print).
     */
    uncaught(err: unknown, kind: "uncaughtException" | "unhandledRejection"): string {
      if (proc) {
        const p = proc.process;
        if (err instanceof (loader.loadUnit("quicksand:internal/process") as typeof ProcessUnit).ProcessExit) return "";
        if (kind === "unhandledRejection" && p.listenerCount("unhandledRejection") > 0) {
          p.emit("unhandledRejection", err);
          return "";
        }
        if (p.listenerCount("uncaughtException") > 0) {
          p.emit("uncaughtException", err, kind);
          return "";
        }
      }
      return (loader.loadUnit("quicksand:internal/uncaught") as typeof UncaughtUnit).describeUncaught(err, kind);
    },
  };
}
