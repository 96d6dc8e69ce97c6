/**
 * The guest's `process`. Values come from the exec's configuration (processConfig plus
 * per-call overrides), never from the host process. `process.env` is a Proxy whose every
 * read, write and enumeration is an `env.*` op, so the env permission decides what the
 * guest sees: a denied read is `undefined`, a denied key is absent from `Object.keys`.
 */
import { EventEmitter } from "../_lib/emitter.js";
import { invalidArgType, nodeError, notSupported } from "../_lib/errors.js";
import { callOp } from "../_lib/host.js";
import { nextTick } from "../timers/guest.js";
import { writeChannel } from "../_lib/stdio.js";
import { requireBuiltin } from "../module/guest.js";

export interface ProcessInit {
  cwd: string;
  argv: string[];
  execPath: string;
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  platform: string;
  arch: string;
  version: string;
  versions: Record<string, string>;
  title: string;
}

/** Thrown to unwind the stack after process.exit(); the host stops the guest right after. */
export class ProcessExit {
  constructor(readonly code: number) {}
}

function createEnv(): Record<string, string | undefined> {
  const target = Object.create(null) as Record<string, string>;
  return new Proxy(target, {
    get(_t, key) {
      if (typeof key !== "string") return undefined;
      return callOp("env.get", key) as string | undefined;
    },
    set(_t, key, value) {
      if (typeof key !== "string") return false;
      callOp("env.set", key, String(value));
      return true;
    },
    has(_t, key) {
      return typeof key === "string" && (callOp("env.get", key) as string | undefined) !== undefined;
    },
    deleteProperty(_t, key) {
      if (typeof key === "string") callOp("env.delete", key);
      return true;
    },
    ownKeys() {
      return callOp("env.keys") as string[];
    },
    getOwnPropertyDescriptor(_t, key) {
      if (typeof key !== "string") return undefined;
      const value = callOp("env.get", key) as string | undefined;
      if (value === undefined) return undefined;
      return { value, writable: true, enumerable: true, configurable: true };
    },
    defineProperty(_t, key, desc) {
      if (typeof key !== "string" || !("value" in desc)) return false;
      callOp("env.set", key, String(desc.value));
      return true;
    },
  });
}

function toExitCode(code: unknown): number | undefined {
  if (code === undefined || code === null) return undefined;
  const n = typeof code === "string" && code.trim() !== "" ? Number(code) : code;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw invalidArgType("code", "of type number", code);
  }
  return n;
}

export function createProcess(init: ProcessInit, clock: { hrNow: () => number; uptime: () => number }) {
  const emitter = new EventEmitter();
  let exitCode: number | undefined;
  let exiting = false;

  // stdout/stderr write synchronously (as Node's do for files and pipes) without loading
  // the stream module (its load costs more than a whole small exec); they are
  // EventEmitters, so `src.pipe(process.stdout)` and listeners work.
  const stream = (fd: 1 | 2) => Object.assign(new EventEmitter(), {
    fd,
    isTTY: false,
    writable: true,
    writableLength: 0,
    writableHighWaterMark: 16384,
    writableNeedDrain: false,
    writableEnded: false,
    writableFinished: false,
    writableObjectMode: false,
    destroyed: false,
    _isStdio: true,
    write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
      if (typeof encoding === "function") cb = encoding;
      let text: string;
      if (typeof chunk === "string") text = chunk;
      else if (chunk instanceof Uint8Array) text = new TextDecoderLite().decode(chunk);
      else throw invalidArgType("chunk", "of type string or an instance of Buffer or Uint8Array", chunk);
      writeChannel(fd, text);
      if (typeof cb === "function") nextTick(cb);
      return true;
    },
    // Node never closes the process's stdout: end() writes its chunk and calls back.
    end(chunk?: unknown, encoding?: unknown, cb?: unknown) {
      if (typeof chunk === "function") [chunk, cb] = [undefined, chunk];
      else if (typeof encoding === "function") cb = encoding;
      if (chunk !== undefined && chunk !== null) this.write(chunk);
      if (typeof cb === "function") nextTick(cb);
      return this;
    },
    cork() {},
    uncork() {},
    setDefaultEncoding() { return this; },
    destroy() { return this; },
  });

  const hrtime = (prev?: [number, number]): [number, number] => {
    const ns = BigInt(Math.round(clock.hrNow() * 1e6));
    let sec = Number(ns / 1000000000n);
    let nsec = Number(ns % 1000000000n);
    if (prev) {
      sec -= prev[0];
      nsec -= prev[1];
      if (nsec < 0) {
        sec -= 1;
        nsec += 1e9;
      }
    }
    return [sec, nsec];
  };
  hrtime.bigint = () => BigInt(Math.round(clock.hrNow() * 1e6));

  // defineProperties, not Object.assign: the exitCode accessor must stay an accessor.
  const assign = <T extends object, U extends object>(target: T, source: U): T & U =>
    Object.defineProperties(target, Object.getOwnPropertyDescriptors(source)) as T & U;
  const proc = assign(emitter, {
    title: init.title,
    version: init.version,
    versions: Object.freeze({ ...init.versions }),
    arch: init.arch,
    platform: init.platform,
    release: Object.freeze({ name: "node" }),
    argv: init.argv.slice(),
    argv0: init.argv[0] ?? "node",
    execArgv: [] as string[],
    execPath: init.execPath,
    pid: init.pid,
    ppid: init.ppid,
    env: createEnv(),
    features: Object.freeze({ inspector: false, ipv6: true, tls: false }),
    config: Object.freeze({ variables: {} }),
    stdout: stream(1),
    stderr: stream(2),
    get stdin(): unknown {
      // A Readable over the exec's `stdin` text, made (with the stream module) on first use.
      const value = createStdin();
      Object.defineProperty(this, "stdin", { value, writable: true, configurable: true, enumerable: true });
      return value;
    },
    exit(code?: unknown): never {
      const c = toExitCode(code);
      if (c !== undefined) exitCode = c;
      if (!exiting) callOp("process.exit", exitCode ?? 0);
      throw new ProcessExit(exitCode ?? 0);
    },
    abort(): never {
      exitCode = 134;
      callOp("process.exit", 134);
      throw new ProcessExit(134);
    },
    cwd(): string {
      return callOp("process.cwd") as string;
    },
    chdir(dir: unknown): void {
      if (typeof dir !== "string") throw invalidArgType("directory", "of type string", dir);
      callOp("process.chdir", dir);
    },
    nextTick,
    hrtime,
    uptime: () => clock.uptime(),
    memoryUsage: Object.assign(() => callOp("process.memoryUsage") as Record<string, number>, {
      rss: () => (callOp("process.memoryUsage") as { rss: number }).rss,
    }),
    cpuUsage: () => ({ user: 0, system: 0 }),
    resourceUsage: () => notSupportedFn("process.resourceUsage()"),
    getuid: () => init.uid,
    geteuid: () => init.uid,
    getgid: () => init.gid,
    getegid: () => init.gid,
    umask: () => 0o22,
    kill: () => {
      throw nodeError("ERR_SANDBOX_NOT_SUPPORTED", "process.kill() is not supported in the quicksand sandbox");
    },
    emitWarning(warning: unknown, type?: unknown, code?: unknown) {
      let name = "Warning";
      let message: string;
      if (typeof type === "object" && type !== null) {
        const o = type as { type?: string; code?: string };
        name = o.type ?? name;
        code = o.code;
      } else if (typeof type === "string") {
        name = type;
      }
      if (warning instanceof Error) {
        name = warning.name;
        message = warning.message;
      } else {
        message = String(warning);
      }
      if (emitter.listenerCount("warning") > 0) {
        const w = new Error(message);
        w.name = name;
        if (code !== undefined) (w as Error & { code?: unknown }).code = code;
        nextTick(() => emitter.emit("warning", w));
        return;
      }
      writeChannel(2, `(node:${init.pid}) ${code ? `[${code}] ` : ""}${name}: ${message}\n`);
    },
    binding(name: unknown): never {
      throw nodeError("ERR_SANDBOX_NOT_SUPPORTED", `process.binding('${String(name)}') is not supported in the quicksand sandbox`);
    },
    dlopen(): never {
      throw nodeError("ERR_DLOPEN_FAILED", "process.dlopen() is not supported: native addons cannot be loaded in the quicksand sandbox");
    },
  });

  // An accessor (Object.assign above would have copied a getter's value instead).
  Object.defineProperty(proc, "exitCode", {
    get: () => exitCode,
    set: (v: unknown) => {
      exitCode = toExitCode(v);
    },
    enumerable: true,
    configurable: true,
  });

  return {
    process: proc,
    /** The exit code the run ends with unless something fails. */
    exitCode: () => exitCode,
    /** Runs 'exit' listeners once, as Node does on a normal end and after process.exit(). */
    emitExit(code: number): number {
      if (exiting) return exitCode ?? code;
      exiting = true;
      exitCode = code;
      proc.emit("exit", code);
      return exitCode ?? code;
    },
  };
}

/** process.stdin: reads fd 0 (the exec's stdin option) in chunks, sharing fs.readSync(0)'s position. */
function createStdin(): unknown {
  const { Readable } = requireBuiltin("stream") as { Readable: new (o: object) => Record<string, unknown> };
  const { Buffer } = requireBuiltin("buffer") as { Buffer: { from(b: ArrayBuffer): unknown } };
  const stdin = new Readable({
    read(this: { push(c: unknown): boolean }) {
      let bytes: ArrayBuffer;
      try {
        bytes = callOp("fs.read", 0, 65536, undefined) as ArrayBuffer;
      } catch (e) {
        (this as unknown as { destroy(e: unknown): void }).destroy(e);
        return;
      }
      this.push(bytes.byteLength === 0 ? null : Buffer.from(bytes));
    },
  });
  Object.assign(stdin, { fd: 0 });
  return stdin;
}

function notSupportedFn(what: string): never {
  throw notSupported(what);
}

/** UTF-8 decoding for process.stdout.write(Uint8Array) before TextDecoder is installed. */
class TextDecoderLite {
  decode(bytes: Uint8Array): string {
    let out = "";
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i]!;
      let cp: number;
      let n: number;
      if (b < 0x80) { cp = b; n = 1; }
      else if (b >= 0xc2 && b < 0xe0) { cp = b & 0x1f; n = 2; }
      else if (b >= 0xe0 && b < 0xf0) { cp = b & 0x0f; n = 3; }
      else if (b >= 0xf0 && b < 0xf5) { cp = b & 0x07; n = 4; }
      else { out += "\ufffd"; i++; continue; }
      if (i + n > bytes.length) { out += "\ufffd"; break; }
      let ok = true;
      for (let k = 1; k < n; k++) {
        const c = bytes[i + k]!;
        if ((c & 0xc0) !== 0x80) { ok = false; break; }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (!ok) { out += "\ufffd"; i++; continue; }
      out += String.fromCodePoint(cp);
      i += n;
    }
    return out;
  }
}
