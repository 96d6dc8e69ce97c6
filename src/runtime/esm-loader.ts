/**
 * ES module loading for one exec: QuickJS asks to normalize a specifier against its
 * importer and then to load the resolved name. Names are absolute guest paths (or
 * `node:<builtin>`). Resolution is Node's ESM algorithm over the sandbox filesystem
 * (src/shims/module/resolve.ts) with the fs permission on every probe and read.
 *
 * QuickJS's loader is synchronous, so over an async-only filesystem the static import
 * graph is walked asynchronously first (`prefetch`) and the loader serves from that cache.
 */
import type { JSModuleLoadResult, JSModuleNormalizeResult, QuickJSHandle } from "quickjs-emscripten-core";
// The pure-JavaScript build of the lexer: synchronous, no WebAssembly of its own.
import { parse as parseImports } from "es-module-lexer/js";
import type { OpContext } from "./bridge/op.js";
import type { OpErrorRecord } from "./bridge/op-error.js";
import { asyncProbe, syncProbe } from "../shims/module/fs-probe.js";
import { sandboxBuiltin } from "../shims/module/host.js";
import { formatOf, resolve, ResolveError, runAsync, runSync, type Format } from "../shims/module/resolve.js";

export interface EsmHost {
  readonly cx: OpContext;
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
}

export class EsmLoader {
  /** `${importer}\0${specifier}` -> resolved name, filled by prefetch. */
  private readonly resolved = new Map<string, string>();
  private readonly entries = new Map<string, Entry>();
  /** QuickJS still asks to load a module whose name failed to normalize; this is why. */
  private lastNormalizeError: unknown;

  constructor(private readonly host: EsmHost) {}

  private get hasSyncFs(): boolean {
    const fs = this.host.cx.driver.filesystem;
    return typeof fs.statSync === "function" && typeof fs.readFileSync === "function";
  }

  normalize(baseName: string, request: string): JSModuleNormalizeResult {
    const base = pathOfModule(baseName);
    const cached = this.resolved.get(`${base}\0${request}`);
    if (cached) return moduleName(cached);
    try {
      if (!this.hasSyncFs) throw new ResolveError("ERR_MODULE_NOT_FOUND", `Cannot find module '${request}' imported from ${base} (it was not part of the static import graph, and the filesystem is async-only)`);
      const parent = base.startsWith("/") ? base : `${this.host.cx.exec.cwd}/[eval]`;
      const r = runSync(resolve(request, parent, { mode: "import", isBuiltin: sandboxBuiltin }), syncProbe(this.host.cx));
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
        throw this.lastNormalizeError ?? new ResolveError("ERR_MODULE_NOT_FOUND", `Cannot find module '${moduleNameOrPath}'`);
      }
      const entry = this.entries.get(name) ?? { format: this.formatSync(name) };
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

  /** Walks the static import graph from `entry` on an async-only filesystem. */
  async prefetch(entryPath: string, entrySource: string): Promise<void> {
    if (this.hasSyncFs) return;
    const probe = asyncProbe(this.host.cx);
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
        let r;
        try {
          r = await runAsync(resolve(spec, path, { mode: "import", isBuiltin: sandboxBuiltin }), probe);
        } catch {
          continue; // Reported by normalize() when QuickJS asks for it.
        }
        this.resolved.set(`${path}\0${spec}`, r.path);
        if (r.format === "builtin" || seen.has(r.path)) continue;
        seen.add(r.path);
        if (!(await this.host.cx.allowedAsync({ kind: "fs", request: { op: "read", path: r.path } }))) continue;
        const text = await probe.readText(r.path);
        if (text === null) continue;
        this.entries.set(r.path, { format: r.format, source: text });
        if (r.format === "module") queue.push([r.path, text]);
      }
    }
  }

  private formatSync(path: string): Format {
    if (!this.hasSyncFs) throw new ResolveError("ERR_MODULE_NOT_FOUND", `Cannot find module '${path}'`);
    return runSync(formatOf(path), syncProbe(this.host.cx));
  }

  private readSync(path: string): string {
    if (!this.host.cx.allowed({ kind: "fs", request: { op: "read", path } })) {
      throw new DeniedRead(path);
    }
    const text = syncProbe(this.host.cx).readText(path);
    if (text === null) throw new ResolveError("ERR_MODULE_NOT_FOUND", `Cannot find module '${path}'`);
    return text;
  }

  private builtinModule(name: string): string {
    const names = this.host.builtinExportNames(name);
    if (!Array.isArray(names)) throw new RecordError(names);
    return reexport(`globalThis[Symbol.for("quicksand.requireBuiltin")](${JSON.stringify(name)})`, names);
  }

  private cjsModule(path: string): string {
    const names = this.host.cjsExportNames(path);
    if (!Array.isArray(names)) throw new RecordError(names);
    return reexport(`globalThis[Symbol.for("quicksand.importCjs")](${JSON.stringify(path)})`, names);
  }

  private toGuestError(e: unknown): QuickJSHandle {
    if (e instanceof RecordError) return this.host.guestError(e.record);
    if (e instanceof DeniedRead) {
      return this.host.guestError({ code: "EACCES", errno: -13, syscall: "open", path: e.path, message: `EACCES: permission denied, open '${e.path}'` });
    }
    if (e instanceof ResolveError) return this.host.guestError({ code: e.code, message: e.message });
    return this.host.guestError({ code: "ERR_SANDBOX_HOST_FAILURE", message: "module loading failed on the host" });
  }
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

class RecordError extends Error {
  constructor(readonly record: OpErrorRecord) {
    super(record.message);
  }
}

class DeniedRead extends Error {
  constructor(readonly path: string) {
    super(path);
  }
}

/** A synthetic ES module re-exporting an object: default = the object, plus named keys. */
function reexport(expr: string, names: string[]): string {
  const ids = names.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== "default" && !RESERVED.has(n));
  return `const __quicksand_module = ${expr};\nexport default __quicksand_module;\n` + (ids.length ? `export const { ${ids.join(", ")} } = __quicksand_module;\n` : "");
}

const RESERVED = new Set(["__quicksand_module", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static", "implements", "interface", "package", "private", "protected", "public", "arguments", "eval"]);
