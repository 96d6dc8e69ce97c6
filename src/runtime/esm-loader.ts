/**
 * ES module loading for one exec: QuickJS asks to normalize a specifier against its
 * importer and then to load the resolved name. Names are absolute guest paths (or
 * `node:<builtin>`). Resolution (Node's ESM algorithm over the sandbox filesystem), a
 * file's format and its source are ops — `module.resolve`, `module.format`,
 * `module.readSource` — called through the exec's op call path like any other op, so
 * every probe and read passes the fs permission, symbolic links included, on the
 * caller's thread in worker mode too.
 *
 * QuickJS's loader is synchronous, so over an async-only filesystem (in-process) the
 * static import graph is walked asynchronously first (`prefetch`) and the loader serves
 * from that cache.
 */
import type { JSModuleLoadResult, JSModuleNormalizeResult, QuickJSHandle } from "quickjs-emscripten-core";
// The pure-JavaScript build of the lexer: synchronous, no WebAssembly of its own.
import { parse as parseImports } from "es-module-lexer/js";
import { OpFailure } from "./bridge/op-runner.js";
import type { OpErrorRecord } from "./bridge/op-error.js";

/** How a module runs (the `format` of a `module.resolve` result). */
export type Format = "commonjs" | "module" | "json" | "builtin";

interface Resolved {
  path: string;
  format: Format;
}

export interface EsmHost {
  /** Calls a module op now, on the exec's op call path (throws OpFailure). */
  call(name: string, args: unknown[]): unknown;
  /** Calls a module op with its host work awaited (rejects with OpFailure). */
  callAsync(name: string, args: unknown[]): Promise<unknown>;
  /**
   * Whether module ops can be served synchronously: always in worker mode (the guest's
   * thread waits), in-process when the filesystem has synchronous methods.
   */
  readonly syncLoading: boolean;
  /** The exec's current directory (the parent of specifiers imported from eval'd code). */
  cwd(): string;
  /** A guest Error built from a record (Node-shaped, with `code`). */
  guestError(record: OpErrorRecord): QuickJSHandle;
  /** Export names of a builtin (loads the bootstrap and the builtin). */
  builtinExportNames(name: string): string[] | OpErrorRecord;
  /** Export names of a CommonJS module once loaded through require (for named imports). */
  cjsExportNames(path: string): string[] | OpErrorRecord;
}

interface Entry {
  format: Format;
  source?: string;
  /** Why prefetch could not read the source (reported when QuickJS loads the module). */
  error?: OpErrorRecord;
}

export class EsmLoader {
  /** `${importer}\0${specifier}` -> resolved name, filled by prefetch. */
  private readonly resolved = new Map<string, string>();
  private readonly entries = new Map<string, Entry>();
  /** QuickJS still asks to load a module whose name failed to normalize; this is why. */
  private lastNormalizeError: unknown;

  constructor(private readonly host: EsmHost) {}

  normalize(baseName: string, request: string): JSModuleNormalizeResult {
    const base = pathOfModule(baseName);
    const cached = this.resolved.get(`${base}\0${request}`);
    if (cached) return moduleName(cached);
    try {
      if (!this.host.syncLoading) {
        throw notFound(`Cannot find module '${request}' imported from ${base} (it was not part of the static import graph, and the filesystem is async-only)`);
      }
      const parent = base.startsWith("/") ? base : `${this.host.cwd()}/[eval]`;
      const r = this.host.call("module.resolve", [request, parent, "import", undefined]) as Resolved;
      if (r.format !== "builtin") this.entries.set(r.path, { format: r.format });
      return moduleName(r.path);
    } catch (e) {
      this.lastNormalizeError = e;
      return { error: this.toGuestError(e) };
    }
  }

  load(moduleNameOrPath: string): JSModuleLoadResult {
    try {
      if (moduleNameOrPath.startsWith("node:")) return this.builtinModule(moduleNameOrPath.slice(5));
      const name = pathOfModule(moduleNameOrPath);
      if (!name.startsWith("/")) {
        throw this.lastNormalizeError ?? notFound(`Cannot find module '${moduleNameOrPath}'`);
      }
      const entry = this.entries.get(name) ?? { format: this.formatSync(name) };
      if (entry.error) throw new OpFailure(entry.error);
      switch (entry.format) {
        case "module":
          return withImportMeta(entry.source ?? this.readSync(name), name);
        case "json":
          return `export default ${JSON.stringify(JSON.parse(entry.source ?? this.readSync(name)))};`;
        case "commonjs":
          return this.cjsModule(name);
        default:
          return this.builtinModule(name);
      }
    } catch (e) {
      return { error: this.toGuestError(e) };
    }
  }

  /** How the file at `path` runs (the exec's entry, say), asked of `module.format`. */
  async formatOf(path: string): Promise<Format> {
    return (this.host.syncLoading ? this.host.call("module.format", [path]) : await this.host.callAsync("module.format", [path])) as Format;
  }

  /** Walks the static import graph from `entry` on an async-only filesystem. */
  async prefetch(entryPath: string, entrySource: string): Promise<void> {
    if (this.host.syncLoading) return;
    const queue: [string, string][] = [[entryPath, entrySource]];
    const seen = new Set<string>([entryPath]);
    while (queue.length > 0) {
      const [path, source] = queue.shift()!;
      let specifiers: string[];
      try {
        specifiers = parseImports(source)[0].map((i) => i.n).filter((n): n is string => typeof n === "string");
      } catch {
        continue; // A syntax error surfaces when QuickJS compiles the module.
      }
      for (const spec of specifiers) {
        let r: Resolved;
        try {
          r = (await this.host.callAsync("module.resolve", [spec, path, "import", undefined])) as Resolved;
        } catch {
          continue; // Reported by normalize() when QuickJS asks for it.
        }
        this.resolved.set(`${path}\0${spec}`, r.path);
        if (r.format === "builtin" || seen.has(r.path)) continue;
        seen.add(r.path);
        if (r.format === "commonjs") {
          this.entries.set(r.path, { format: r.format });
          continue;
        }
        try {
          const text = (await this.host.callAsync("module.readSource", [r.path])) as string;
          this.entries.set(r.path, { format: r.format, source: text });
          if (r.format === "module") queue.push([r.path, text]);
        } catch (e) {
          this.entries.set(r.path, { format: r.format, error: recordOf(e) });
        }
      }
    }
  }

  private formatSync(path: string): Format {
    if (!this.host.syncLoading) throw notFound(`Cannot find module '${path}'`);
    return this.host.call("module.format", [path]) as Format;
  }

  private readSync(path: string): string {
    return this.host.call("module.readSource", [path]) as string;
  }

  private builtinModule(name: string): string {
    const names = this.host.builtinExportNames(name);
    if (!Array.isArray(names)) throw new OpFailure(names);
    return reexport(`globalThis[Symbol.for("quicksand.requireBuiltin")](${JSON.stringify(name)})`, names);
  }

  private cjsModule(path: string): string {
    const names = this.host.cjsExportNames(path);
    if (!Array.isArray(names)) throw new OpFailure(names);
    return reexport(`globalThis[Symbol.for("quicksand.importCjs")](${JSON.stringify(path)})`, names);
  }

  private toGuestError(e: unknown): QuickJSHandle {
    return this.host.guestError(recordOf(e));
  }
}

function notFound(message: string): OpFailure {
  return new OpFailure({ code: "ERR_MODULE_NOT_FOUND", message });
}

function recordOf(e: unknown): OpErrorRecord {
  return e instanceof OpFailure ? e.record : { code: "ERR_SANDBOX_HOST_FAILURE", message: "module loading failed on the host" };
}

/** ES modules are named by file URL, as in Node (import.meta.url, stack traces). */
export function moduleName(path: string): string {
  return path.startsWith("node:") ? path : `file://${encodeURI(path).replace(/[?#]/g, encodeURIComponent)}`;
}

export function pathOfModule(name: string): string {
  return name.startsWith("file://") ? decodeURIComponent(name.slice(7)) : name;
}

/**
 * Gives a module its import.meta (url, dirname, filename). The assignments share the
 * first line, so every other line keeps its number.
 */
export function withImportMeta(source: string, path: string): string {
  const body = source.startsWith("#!") ? "//" + source.slice(2) : source;
  const dir = path.slice(0, Math.max(1, path.lastIndexOf("/")));
  return `import.meta.url=${JSON.stringify(moduleName(path))};import.meta.dirname=${JSON.stringify(dir)};import.meta.filename=${JSON.stringify(path)};${body}`;
}

/** A synthetic ES module re-exporting an object: default = the object, plus named keys. */
function reexport(expr: string, names: string[]): string {
  const ids = names.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== "default" && !RESERVED.has(n));
  return `const __quicksand_module = ${expr};\nexport default __quicksand_module;\n` + (ids.length ? `export const { ${ids.join(", ")} } = __quicksand_module;\n` : "");
}

const RESERVED = new Set(["__quicksand_module", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static", "implements", "interface", "package", "private", "protected", "public", "arguments", "eval"]);
