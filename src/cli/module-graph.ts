/**
 * What the main module may read without --allow-read, as in Deno: the entry itself, the
 * package.json files of its package scope (they decide how it runs and how its bare
 * specifiers resolve), and its static import graph — every
 * `import … from "x"` and `export … from "x"`, followed through the ES modules it reaches
 * (relative, absolute and package specifiers alike). `require()` and `import()` are
 * decisions taken while the program runs, so they need --allow-read (Deno asks for read
 * permission for those too).
 *
 * The graph is walked before the run, on the host, by the same resolver the sandbox uses
 * (src/shims/module/resolve.ts) over the same filesystem the guest will see. Every path the
 * resolver stats or reads on the way is recorded; the guest's loader then asks for exactly
 * those paths, and the permission callback allows them (and nothing else) for reading.
 */
import { parse as parseImports } from "es-module-lexer/js";
import type { VirtualFileSystem } from "../driver/types.js";
import { sandboxBuiltin } from "../shims/module/host.js";
import { guestDirname } from "../shims/_host/paths.js";
import { formatOf, packageScope, resolve, runSync, type FsProbe } from "../shims/module/resolve.js";

/** A bound on the work done before the run: modules walked, and bytes of one module. */
const MAX_MODULES = 10_000;
const MAX_MODULE_BYTES = 32 * 1024 * 1024;

/** A probe that answers from `fs` and remembers every path it was asked about. */
function recordingProbe(fs: VirtualFileSystem, seen: Set<string>): FsProbe {
  return {
    stat(path) {
      seen.add(path);
      try {
        const s = fs.statSync!(path);
        return s.isDirectory ? "dir" : s.isFile ? "file" : null;
      } catch {
        return null;
      }
    },
    readText(path) {
      seen.add(path);
      try {
        if (fs.statSync!(path).size > MAX_MODULE_BYTES) return null;
        return new TextDecoder().decode(fs.readFileSync!(path));
      } catch {
        return null;
      }
    },
  };
}

/** The static specifiers of a module's source (none when it does not lex as a module). */
function staticImports(source: string): string[] {
  try {
    return parseImports(source)[0]
      .filter((i) => i.d === -1 && typeof i.n === "string")
      .map((i) => i.n!);
  } catch {
    return []; // A syntax error surfaces when the sandbox compiles the module.
  }
}

/**
 * The guest paths loading `entry` (with source `source`) reads before the program starts.
 * `fs` must have synchronous methods (the CLI's filesystems all do).
 */
export function mainModulePaths(fs: VirtualFileSystem, entry: string, source: string): Set<string> {
  const seen = new Set<string>([entry]);
  const probe = recordingProbe(fs, seen);
  try {
    runSync(formatOf(entry), probe);
    // The package scope is read for other reasons too (self-reference, "imports"), whatever the extension.
    runSync(packageScope(guestDirname(entry)), probe);
  } catch {
    // An unreadable package.json: the sandbox reports it when it decides the same.
  }
  const queue: [string, string][] = [[entry, source]];
  const walked = new Set<string>([entry]);
  while (queue.length > 0 && walked.size < MAX_MODULES) {
    const [path, text] = queue.shift()!;
    for (const specifier of staticImports(text)) {
      let resolved;
      try {
        resolved = runSync(resolve(specifier, path, { mode: "import", isBuiltin: sandboxBuiltin }), probe);
      } catch {
        continue; // Not found or invalid: the sandbox reports it the same way.
      }
      if (resolved.format === "builtin" || walked.has(resolved.path)) continue;
      walked.add(resolved.path);
      seen.add(resolved.path);
      if (resolved.format !== "module") continue;
      const next = probe.readText(resolved.path);
      if (next !== null) queue.push([resolved.path, next]);
    }
  }
  // Where links lead: a loader that checks a link's target too finds it allowed.
  for (const path of [...seen]) {
    try {
      const real = fs.realpathSync?.(path);
      if (real !== undefined) seen.add(real);
    } catch {
      // Missing: nothing to resolve.
    }
  }
  return seen;
}
