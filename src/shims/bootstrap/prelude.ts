/**
 * Tier 0: the only guest code every exec parses. It captures the intrinsics the host's
 * bridge relies on, puts a loader on every lazily installed global, and gives `console`
 * a fast path (primitives are formatted by the host). The full bootstrap (guest.ts) is
 * parsed only when a script first touches something else — `process`, a timer, `Buffer`,
 * `require`… — so `console.log(1)` or a pure computation never pays for it.
 */
import { lazyGlobalNames } from "./globals.js";

type HostCall = (name: string, ...args: unknown[]) => unknown;
/** Loads the full bootstrap (once) and returns its dispatcher. */
type Boot = () => {
  fullConsole(): Record<string, (...a: unknown[]) => unknown>;
  makeMainRequire(main: object): (id: string) => unknown;
  callBinding(path: string, args: unknown[], isAsync: boolean): unknown;
};
/** The host bindings' shape: a branch is an object, a leaf 1 (async function) or 0. */
interface BindingShape {
  [key: string]: BindingShape | 0 | 1;
}

const CONSOLE_METHODS = [
  "log", "info", "debug", "error", "warn", "dir", "dirxml", "trace", "assert", "count", "countReset",
  "group", "groupCollapsed", "groupEnd", "time", "timeEnd", "timeLog", "table",
];

export default function prelude(call: HostCall, boot: Boot, bindingShape: string) {
  const { defineProperty, getOwnPropertyDescriptor, freeze, keys } = Object;
  const { apply } = Reflect;
  const g = globalThis as Record<string, unknown>;
  const abByteLength = getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;
  const charCodeAt = String.prototype.charCodeAt;
  const fromCharCode = String.fromCharCode;
  const U16 = Uint16Array;
  const AB = ArrayBuffer;
  // The host calls stringUnits/stringFromUnits while it reads or writes an op's strings:
  // they must run no guest code, so they look nothing up that a script can redefine
  // (typed arrays' `buffer`, `length`, `subarray` and species live on shared prototypes).

  defineProperty(g, "global", { value: g, writable: true, configurable: true });
  // The real Proxy, for the proxy unit that wraps it (util.types.isProxy needs to know proxies).
  defineProperty(g, Symbol.for("quicksand.Proxy"), { value: Proxy });

  for (const [name, enumerable] of lazyGlobalNames()) {
    if (name === "queueMicrotask" && typeof g.queueMicrotask === "function") continue;
    // A built-in of the same name (Date) stays as it is unless the bootstrap replaces it.
    const original = getOwnPropertyDescriptor(g, name);
    const getter = () => {
      boot();
      // The bootstrap has replaced this accessor with the real value (or its own loader).
      const d = getOwnPropertyDescriptor(g, name);
      if (d && d.get === getter) defineProperty(g, name, original ?? { value: undefined, writable: true, configurable: true, enumerable });
      return g[name];
    };
    defineProperty(g, name, {
      get: getter,
      set(value) {
        defineProperty(g, name, { value, writable: true, configurable: true, enumerable });
      },
      configurable: true,
      enumerable,
    });
  }

  // console: log/info/debug/error/warn of primitives print through the host; anything
  // else (objects, format strings, groups, timers) goes to the full console.
  let full: Record<string, (...a: unknown[]) => unknown> | undefined;
  const console: Record<string, unknown> = {};
  for (const name of CONSOLE_METHODS) {
    const fd = name === "error" || name === "warn" ? 2 : 1;
    const fast = fd === 2 || name === "log" || name === "info" || name === "debug";
    console[name] = {
      [name]: (...args: unknown[]) => {
        if (fast && full === undefined && call("stdio.print", fd, ...args) === true) return;
        full ??= boot().fullConsole();
        return full[name]!(...args);
      },
    }[name];
  }
  defineProperty(g, "console", { value: console, writable: true, configurable: true });

  // SecureExec.bindings (secure-exec's name; Quicksand is the same object): the host
  // bindings as a frozen tree, present even when empty. Each leaf hands its call to the
  // bindings unit, which the bootstrap loads on the first call.
  let callBinding: ReturnType<Boot>["callBinding"] | undefined;
  const branch = (shape: BindingShape, prefix: string): object => {
    const out: Record<string, unknown> = {};
    for (const key of keys(shape)) {
      const v = shape[key]!;
      const path = prefix + key;
      out[key] = typeof v === "object"
        ? branch(v, `${path}.`)
        : freeze({ [key]: (...args: unknown[]) => (callBinding ??= boot().callBinding)(path, args, v === 1) }[key]!);
    }
    return freeze(out);
  };
  const secureExec = freeze({ bindings: branch(JSON.parse(bindingShape) as BindingShape, "") });
  defineProperty(g, "SecureExec", { value: secureExec });
  defineProperty(g, "Quicksand", { value: secureExec });

  return {
    /** Brand check for ArrayBuffer arguments (the intrinsic getter, captured now). */
    arrayBufferByteLength: abByteLength,
    /** A string's exact UTF-16 units, for strings a C string cannot carry. */
    stringUnits(s: string): ArrayBuffer {
      const n = s.length;
      const buffer = new AB(n * 2);
      const out = new U16(buffer);
      for (let i = 0; i < n; i++) out[i] = apply(charCodeAt, s, [i]) as number;
      return buffer;
    },
    stringFromUnits(buffer: ArrayBuffer): string {
      const n = (apply(abByteLength, buffer, []) as number) / 2;
      let out = "";
      for (let i = 0; i < n; i += 4096) {
        const length = n - i < 4096 ? n - i : 4096;
        const chunk = new U16(buffer, i * 2, length);
        // An own `length`, so passing the chunk as arguments reads no inherited getter.
        defineProperty(chunk, "length", { value: length });
        out += apply(fromCharCode, undefined, chunk as unknown as number[]) as string;
      }
      return out;
    },
    /** Runs the entry script; `require` loads the module system on first use. */
    runMain(fn: (...a: unknown[]) => unknown, filename: string): void {
      const slash = filename.lastIndexOf("/");
      const dirname = slash <= 0 ? "/" : filename.slice(0, slash);
      const module = { id: ".", filename, path: dirname, exports: {} as unknown, loaded: false, children: [] as unknown[], paths: [] as string[], parent: null, require: undefined as unknown };
      let real: ((id: string) => unknown) | undefined;
      const load = () => (real ??= boot().makeMainRequire(module));
      const require = function require(id: string) {
        return load()(id);
      };
      defineProperty(require, "resolve", { get: () => (load() as unknown as { resolve: unknown }).resolve, configurable: true });
      defineProperty(require, "cache", { get: () => (load() as unknown as { cache: unknown }).cache, configurable: true });
      (require as unknown as { main: unknown }).main = module;
      module.require = require;
      apply(fn, module.exports, [module.exports, require, module, filename, dirname]);
      module.loaded = true;
    },
  };
}
