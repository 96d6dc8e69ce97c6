/**
 * The `child_process` builtin. Every spawn form ends in one of two host ops —
 * `child.spawn` (async children) or `child.spawnSync` — where the childProcess permission
 * callback sees the exact command line. Shell forms (`exec`, `execSync`, `shell: true`)
 * are sent as `/bin/sh -c <line>`, as Node runs them, so the callback sees the shell and
 * the whole line; nothing is parsed or trusted here (this code is guest code).
 *
 * A child is a number the host validates on every op. Its output is pulled: one
 * `child.read` at a time resolves with the next chunks (or its exit), which keeps the
 * exec alive while the child runs, as in Node.
 */
import { EventEmitter } from "../_lib/emitter.js";
import { invalidArgType, nodeError, notSupported } from "../_lib/errors.js";
import { callOp, callOpAsync, toArrayBuffer } from "../_lib/host.js";
import { validateAbortSignal, validateFunction, validateObject, validateString } from "../_lib/validators.js";
import { requireBuiltin } from "../module/guest.js";
import { nextTick, setTimeout as setTimer, clearTimeout as clearTimer } from "../timers/guest.js";
import { SIGNAL_NUMBERS, signalNumber } from "./signals.js";

type Buf = Uint8Array & { toString(encoding?: string): string };
type BufferCtor = {
  from(data: ArrayBuffer | string | Uint8Array, enc?: string): Buf;
  concat(list: Uint8Array[], length?: number): Buf;
  isBuffer(v: unknown): boolean;
  alloc(n: number): Buf;
};
type Readable = InstanceType<typeof EventEmitter> & {
  push(chunk: unknown): boolean;
  destroy(err?: unknown): void;
  readableFlowing: boolean | null;
  readableEnded: boolean;
  setEncoding(enc: string): unknown;
};
type Writable = InstanceType<typeof EventEmitter> & { destroy(err?: unknown): void; end(): void };
type StreamModule = {
  Readable: new (o: object) => Readable;
  Writable: new (o: object) => Writable;
};

const stream = () => requireBuiltin("stream") as StreamModule;
const Buffer = () => (requireBuiltin("buffer") as { Buffer: BufferCtor }).Buffer;
const proc = () => (globalThis as unknown as { process: { env: Record<string, string>; stdout: { write(c: unknown): unknown }; stderr: { write(c: unknown): unknown } } }).process;

const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
const DEFAULT_MAX_BUFFER = 1024 * 1024;
/** Sandbox-local pids: the host's real pids are not the guest's business. */
const PID_BASE = 1000;

type StdioKind = "pipe" | "ignore" | "inherit";

interface Normalized {
  file: string;
  args: string[];
  /** What the child sees as argv (spawnargs): [file, ...args]. */
  spawnargs: string[];
  cwd?: string;
  env?: Record<string, string>;
}

// ---------------------------------------------------------------------------
// Arguments, as Node's normalizeSpawnArguments reads them
// ---------------------------------------------------------------------------

function normalizeArgs(file: unknown, args: unknown, options: unknown): [string, string[], Record<string, any>] {
  validateString(file, "file");
  if (file.length === 0) throw nodeError("ERR_INVALID_ARG_VALUE", "The argument 'file' cannot be empty. Received ''", TypeError);
  if (Array.isArray(args)) {
    args = args.slice();
  } else if (args === undefined || args === null) {
    args = [];
  } else if (typeof args !== "object") {
    throw invalidArgType("args", "an instance of Array", args);
  } else {
    options = args;
    args = [];
  }
  if (options === undefined || options === null) options = {};
  validateObject(options, "options");
  const list = (args as unknown[]).map((a, i) => {
    if (typeof a !== "string") throw invalidArgType(`args[${i}]`, "of type string", a);
    return a;
  });
  return [file, list, options as Record<string, any>];
}

function normalize(file: string, args: string[], options: Record<string, any>): Normalized {
  if (options.cwd !== undefined && options.cwd !== null) {
    const c = options.cwd as { href?: unknown; protocol?: unknown; pathname?: unknown };
    // A file: URL (checked by shape: URL is a lazy global of another unit).
    const cwd = typeof c === "object" && c.protocol === "file:" && typeof c.pathname === "string" ? decodeURIComponent(c.pathname) : options.cwd;
    if (typeof cwd !== "string") throw invalidArgType("options.cwd", "of type string or an instance of URL", options.cwd);
    options = { ...options, cwd };
  }
  if (options.shell !== undefined && options.shell !== null && typeof options.shell !== "boolean" && typeof options.shell !== "string") {
    throw invalidArgType("options.shell", "of type boolean or string", options.shell);
  }
  if (options.argv0 !== undefined && typeof options.argv0 !== "string") throw invalidArgType("options.argv0", "of type string", options.argv0);
  if (options.shell) {
    // Node: the command and its arguments become one line for the shell, which is what runs.
    const line = [file, ...args].join(" ");
    file = typeof options.shell === "string" ? options.shell : "/bin/sh";
    args = ["-c", line];
  }
  let env: Record<string, string> | undefined;
  if (options.env !== undefined && options.env !== null) {
    validateObject(options.env, "options.env");
    env = {};
    for (const key of Object.keys(options.env)) {
      const v = options.env[key];
      if (v !== undefined) env[key] = String(v);
    }
  }
  const n: Normalized = { file, args, spawnargs: [options.argv0 ?? file, ...args] };
  if (options.cwd !== undefined && options.cwd !== null) n.cwd = options.cwd;
  if (env) n.env = env;
  return n;
}

function wireOptions(n: Normalized, extra: Record<string, unknown> = {}): string {
  const o: Record<string, unknown> = { ...extra };
  if (n.cwd !== undefined) o.cwd = n.cwd;
  if (n.env !== undefined) o.env = n.env;
  return JSON.stringify(o);
}

function stdioOf(stdio: unknown): [StdioKind, StdioKind, StdioKind] {
  const one = (v: unknown, i: number): StdioKind => {
    if (v === undefined || v === null || v === "pipe" || v === "overlapped") return "pipe";
    if (v === "ignore" || v === "inherit") return v;
    if (v === i || (i === 0 && v === proc())) return "inherit";
    throw notSupported(`child_process stdio option ${typeof v === "string" ? `'${v}'` : "of this type"}`);
  };
  if (stdio === undefined || stdio === null) return ["pipe", "pipe", "pipe"];
  if (typeof stdio === "string") {
    const k = one(stdio, -1);
    return [k, k, k];
  }
  if (!Array.isArray(stdio)) throw invalidArgType("options.stdio", "one of type string or Array", stdio);
  if (stdio.length > 3 && stdio.slice(3).some((v) => v !== undefined && v !== null && v !== "ignore")) {
    throw notSupported("child_process extra stdio pipes (and 'ipc')");
  }
  return [one(stdio[0], 0), one(stdio[1], 1), one(stdio[2], 2)];
}

/** Adds Node's spawn error fields (the host sent code, errno, syscall, path). */
function decorate(err: unknown, n: Normalized): unknown {
  if (err && typeof err === "object" && (err as { syscall?: string }).syscall?.startsWith("spawn")) {
    (err as { spawnargs?: string[] }).spawnargs = n.spawnargs.slice(1);
  }
  return err;
}

// ---------------------------------------------------------------------------
// ChildProcess
// ---------------------------------------------------------------------------

interface ExitEvent {
  exit?: { code: number | null; signal: string | null };
  error?: { code: string; errno: number };
  fd?: 1 | 2;
  data?: ArrayBuffer;
}

class ChildProcess extends (EventEmitter as unknown as new () => InstanceType<typeof EventEmitter>) {
  pid: number | undefined = undefined;
  exitCode: number | null = null;
  signalCode: string | null = null;
  killed = false;
  connected = false;
  spawnfile = "";
  spawnargs: string[] = [];
  stdin: Writable | null = null;
  stdout: Readable | null = null;
  stderr: Readable | null = null;
  stdio: [Writable | null, Readable | null, Readable | null] = [null, null, null];
  #id = 0;
  #running = false;

  /** @internal Starts the child (throws when the host refuses: EACCES, no executor, limit). */
  _start(n: Normalized, stdio: [StdioKind, StdioKind, StdioKind]): void {
    const id = callOp("child.spawn", n.file, JSON.stringify(n.args), wireOptions(n)) as number;
    this.#id = id;
    this.#running = true;
    this.pid = PID_BASE + id;
    this.spawnfile = n.file;
    this.spawnargs = n.spawnargs;
    const { Readable, Writable } = stream();
    if (stdio[0] === "pipe") {
      this.stdin = new Writable({
        write: (chunk: Uint8Array, _enc: string, cb: (e?: unknown) => void) => {
          try {
            callOp("child.write", id, toArrayBuffer(chunk));
            cb();
          } catch (e) {
            cb(e);
          }
        },
        final: (cb: (e?: unknown) => void) => {
          try {
            callOp("child.closeStdin", id);
            cb();
          } catch (e) {
            cb(e);
          }
        },
      });
    } else {
      callOp("child.closeStdin", id);
    }
    const readable = () => new Readable({ read() {} });
    if (stdio[1] === "pipe") this.stdout = readable();
    if (stdio[2] === "pipe") this.stderr = readable();
    this.stdio = [this.stdin, this.stdout, this.stderr];
    // Node announces a started child before any of its output.
    nextTick(() => this.emit("spawn"));
    void this.#pump(stdio);
  }

  /** @internal A child that never started: the error arrives as Node's 'error' (then 'close'). */
  _fail(err: unknown): void {
    nextTick(() => {
      this.emit("error", err);
      this.#emitClose(typeof (err as { errno?: unknown }).errno === "number" ? (err as { errno: number }).errno : -1, null);
    });
  }

  async #pump(stdio: [StdioKind, StdioKind, StdioKind]): Promise<void> {
    const B = Buffer();
    for (;;) {
      let events: ExitEvent[];
      try {
        events = (await callOpAsync("child.read", this.#id)) as ExitEvent[];
      } catch (e) {
        this.#finish(null, null, e);
        return;
      }
      if (events.length === 0) {
        this.#finish(this.exitCode, this.signalCode);
        return;
      }
      for (const ev of events) {
        if (ev.fd !== undefined && ev.data) {
          const target = ev.fd === 1 ? this.stdout : this.stderr;
          const kind = stdio[ev.fd];
          if (target) target.push(B.from(ev.data));
          else if (kind === "inherit") (ev.fd === 1 ? proc().stdout : proc().stderr).write(B.from(ev.data));
        } else if (ev.error) {
          const e = ev.error;
          const err = nodeError(e.code, `spawn ${this.spawnfile} ${e.code}`, Error) as Error & Record<string, unknown>;
          err.errno = e.errno;
          err.syscall = `spawn ${this.spawnfile}`;
          err.path = this.spawnfile;
          err.spawnargs = this.spawnargs.slice(1);
          this.emit("error", err);
        } else if (ev.exit) {
          this.#finish(ev.exit.code, ev.exit.signal);
          return;
        }
      }
    }
  }

  #finish(code: number | null, signal: string | null, err?: unknown): void {
    this.#running = false;
    if (err !== undefined) this.emit("error", err);
    // A spawn failure (ENOENT) has a negative errno as its code and no 'exit', as in Node.
    const started = code === null || code >= 0;
    this.exitCode = started ? code : null;
    this.signalCode = signal;
    this.stdin?.destroy();
    for (const s of [this.stdout, this.stderr]) s?.push(null);
    if (started) this.emit("exit", code, signal);
    // 'close' follows the end of the child's output streams that are being read.
    const waiting = [this.stdout, this.stderr].filter((s): s is Readable => s !== null && s.readableFlowing === true && !s.readableEnded);
    let left = waiting.length;
    if (left === 0) {
      nextTick(() => this.#emitClose(code, signal));
      return;
    }
    for (const s of waiting) {
      s.once("close", () => {
        if (--left === 0) this.#emitClose(code, signal);
      });
    }
  }

  #emitClose(code: number | null, signal: string | null): void {
    this.emit("close", code, signal);
  }

  kill(sig?: unknown): boolean {
    const n = signalNumber(sig === undefined ? "SIGTERM" : sig);
    if (!this.#running) return false;
    const sent = callOp("child.kill", this.#id, n) === true;
    if (sent) this.killed = true;
    return sent;
  }

  /**
   * Accepted for compatibility. The exec still waits for the child: children are killed
   * when the exec ends, so an unreferenced child could not outlive it anyway.
   */
  ref(): void {}
  unref(): void {}

  disconnect(): void {
    throw nodeError("ERR_IPC_DISCONNECTED", "IPC channel is already disconnected");
  }

  send(): boolean {
    throw nodeError("ERR_IPC_CHANNEL_CLOSED", "Channel closed");
  }

  [Symbol.for("nodejs.dispose")](): void {
    if (!this.killed) this.kill();
  }
}

// ---------------------------------------------------------------------------
// spawn
// ---------------------------------------------------------------------------

function spawn(file: unknown, args?: unknown, options?: unknown): ChildProcess {
  const [f, a, o] = normalizeArgs(file, args, options);
  const n = normalize(f, a, o);
  if (o.signal !== undefined) validateAbortSignal(o.signal, "options.signal");
  const stdio = stdioOf(o.stdio);
  const child = new ChildProcess();
  try {
    child._start(n, stdio);
  } catch (e) {
    throw decorate(e, n);
  }
  if (o.timeout !== undefined && o.timeout !== null && o.timeout > 0) {
    const killSignal = o.killSignal ?? "SIGTERM";
    const t = setTimer(() => child.kill(killSignal), o.timeout);
    child.once("exit", () => clearTimer(t));
  }
  const signal = o.signal as import("../_lib/abort.js").AbortSignal | undefined;
  if (signal) {
    const onAbort = () => {
      if (child.kill(o.killSignal ?? "SIGTERM")) {
        child.emit("error", abortError(signal.reason));
      }
    };
    if (signal.aborted) nextTick(onAbort);
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      child.once("exit", () => signal.removeEventListener("abort", onAbort));
    }
  }
  return child;
}

function abortError(cause: unknown): Error {
  const e = new Error("The operation was aborted", { cause }) as Error & { code: string };
  e.name = "AbortError";
  e.code = "ABORT_ERR";
  return e;
}

// ---------------------------------------------------------------------------
// execFile / exec
// ---------------------------------------------------------------------------

type ExecCallback = (err: Error | null, stdout: string | Buf, stderr: string | Buf) => void;

function execFile(file: unknown, ...rest: unknown[]): ChildProcess {
  let args: unknown;
  let options: unknown;
  let callback: ExecCallback | undefined;
  // execFile(file[, args][, options][, callback])
  let i = 0;
  if (Array.isArray(rest[i]) || rest[i] === undefined || rest[i] === null) args = rest[i++];
  if (rest[i] !== undefined && rest[i] !== null && typeof rest[i] === "object") options = rest[i++];
  else if (rest[i] === undefined || rest[i] === null) i++;
  if (typeof rest[i] === "function") callback = rest[i] as ExecCallback;
  else if (rest[i] !== undefined && rest[i] !== null) throw invalidArgType("callback", "of type function", rest[i]);
  return runBuffered(file, args, options, callback, undefined);
}

function normalizeExecArgs(command: unknown, options: unknown, callback: unknown): [string, Record<string, any>, ExecCallback | undefined] {
  validateString(command, "command");
  if (typeof options === "function") {
    callback = options;
    options = undefined;
  }
  const o = { ...(options as object) } as Record<string, any>;
  o.shell = typeof o.shell === "string" ? o.shell : true;
  if (callback !== undefined && callback !== null) validateFunction(callback, "callback");
  return [command, o, (callback ?? undefined) as ExecCallback | undefined];
}

function exec(command: unknown, options?: unknown, callback?: unknown): ChildProcess {
  const [cmd, o, cb] = normalizeExecArgs(command, options, callback);
  return runBuffered(cmd, [], o, cb, cmd);
}

/** execFile's body: collects output (bounded by maxBuffer) and calls back once. */
function runBuffered(file: unknown, args: unknown, options: unknown, callback: ExecCallback | undefined, cmdLine: string | undefined): ChildProcess {
  const [f, a, o] = normalizeArgs(file, args, options);
  const encoding: string = o.encoding ?? "utf8";
  const maxBuffer: number = o.maxBuffer ?? DEFAULT_MAX_BUFFER;
  const cmd = cmdLine ?? [f, ...a].join(" ");
  const B = Buffer();
  let child: ChildProcess;
  try {
    child = spawn(f, a, { ...o, stdio: "pipe", timeout: undefined });
  } catch (e) {
    // Node's execFile reports a failed spawn through the callback and 'error', never a throw.
    child = new ChildProcess();
    child.spawnfile = o.shell ? (typeof o.shell === "string" ? o.shell : "/bin/sh") : f;
    child._fail(e);
    if (callback) {
      let called = false;
      child.once("error", (err: Error) => {
        if (called) return;
        called = true;
        (err as Error & { cmd?: string }).cmd = cmd;
        callback(err, encoding === "buffer" ? B.alloc(0) : "", encoding === "buffer" ? B.alloc(0) : "");
      });
    }
    return child;
  }
  const out: Uint8Array[] = [];
  const errOut: Uint8Array[] = [];
  let outLen = 0;
  let errLen = 0;
  let killedForBuffer: Error | undefined;
  let timedOut = false;
  let done = false;

  const collect = (list: Uint8Array[], which: "stdout" | "stderr") => (chunk: Uint8Array) => {
    const len = which === "stdout" ? (outLen += chunk.length) : (errLen += chunk.length);
    if (len > maxBuffer) {
      const keep = chunk.length - (len - maxBuffer);
      if (keep > 0) list.push(chunk.subarray(0, keep));
      if (!killedForBuffer) {
        killedForBuffer = nodeError("ERR_CHILD_PROCESS_STDIO_MAXBUFFER", `${which} maxBuffer length exceeded`, RangeError);
        child.kill(o.killSignal ?? "SIGTERM");
      }
      return;
    }
    list.push(chunk);
  };
  child.stdout!.on("data", collect(out, "stdout"));
  child.stderr!.on("data", collect(errOut, "stderr"));

  let timer: unknown;
  if (o.timeout !== undefined && o.timeout !== null && o.timeout > 0) {
    timer = setTimer(() => {
      timedOut = true;
      child.kill(o.killSignal ?? "SIGTERM");
    }, o.timeout);
  }

  const text = (list: Uint8Array[]): string | Buf => {
    const b = B.concat(list);
    return encoding === "buffer" || !encoding ? b : b.toString(encoding);
  };

  const finish = (code: number | null, signal: string | null, spawnError?: Error) => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimer(timer);
    const stdout = text(out);
    const stderr = text(errOut);
    if (!callback) return;
    let err: (Error & Record<string, unknown>) | null = null;
    if (spawnError) {
      err = spawnError as Error & Record<string, unknown>;
      err.cmd = cmd;
    } else if (killedForBuffer) {
      err = killedForBuffer as Error & Record<string, unknown>;
      err.cmd = cmd;
    } else if (code !== 0 || signal !== null || timedOut) {
      err = new Error(`Command failed: ${cmd}\n${typeof stderr === "string" ? stderr : stderr.toString()}`) as Error & Record<string, unknown>;
      err.code = code !== null && code < 0 ? code : code;
      err.killed = child.killed || timedOut;
      err.signal = signal;
      err.cmd = cmd;
    }
    callback(err, stdout, stderr);
  };
  child.on("error", (e: Error) => finish(null, null, e));
  child.on("close", (code: number | null, signal: string | null) => finish(code, signal));
  return child;
}

/** util.promisify(exec/execFile): resolves `{ stdout, stderr }`, rejects with them attached. */
function promisified(run: (...a: unknown[]) => ChildProcess) {
  return (...args: unknown[]) => {
    let child!: ChildProcess;
    const p = new Promise((resolve, reject) => {
      child = run(...args, (err: (Error & Record<string, unknown>) | null, stdout: unknown, stderr: unknown) => {
        if (err) {
          err.stdout = stdout;
          err.stderr = stderr;
          reject(err);
        } else resolve({ stdout, stderr });
      });
    }) as Promise<unknown> & { child: ChildProcess };
    p.child = child;
    return p;
  };
}
Object.defineProperty(exec, kCustomPromisify, { value: promisified(exec as (...a: unknown[]) => ChildProcess), enumerable: false, configurable: true, writable: true });
Object.defineProperty(execFile, kCustomPromisify, { value: promisified(execFile as (...a: unknown[]) => ChildProcess), enumerable: false, configurable: true, writable: true });

// ---------------------------------------------------------------------------
// Synchronous forms
// ---------------------------------------------------------------------------

interface SyncResult {
  pid: number;
  output: [null, unknown, unknown];
  stdout: unknown;
  stderr: unknown;
  status: number | null;
  signal: string | null;
  error?: Error;
}

function spawnSync(file: unknown, args?: unknown, options?: unknown): SyncResult {
  const [f, a, o] = normalizeArgs(file, args, options);
  try {
    return runSync(normalize(f, a, o), o);
  } catch (e) {
    // Node's spawnSync reports a refused or failed spawn in `error` rather than throwing.
    if (typeof (e as { errno?: unknown })?.errno !== "number") throw e;
    return { error: e as Error, status: null, signal: null, output: null, pid: 0, stdout: null, stderr: null } as unknown as SyncResult;
  }
}

function runSync(n: Normalized, o: Record<string, any>): SyncResult {
  const B = Buffer();
  let input: ArrayBuffer | undefined;
  if (o.input !== undefined && o.input !== null) {
    if (typeof o.input === "string") input = toArrayBuffer(B.from(o.input, o.encoding && o.encoding !== "buffer" ? o.encoding : "utf8"));
    else if (ArrayBuffer.isView(o.input)) input = toArrayBuffer(o.input);
    else throw invalidArgType("options.input", "of type string or an instance of Buffer, TypedArray, or DataView", o.input);
  }
  const extra: Record<string, unknown> = { maxBuffer: o.maxBuffer ?? DEFAULT_MAX_BUFFER };
  if (o.timeout !== undefined && o.timeout !== null && o.timeout > 0) extra.timeoutMs = o.timeout;
  if (o.killSignal !== undefined) {
    const num = signalNumber(o.killSignal);
    extra.killSignal = Object.keys(SIGNAL_NUMBERS).find((k) => SIGNAL_NUMBERS[k] === num);
  }
  let r: { status: number | null; signal: string | null; stdout: ArrayBuffer; stderr: ArrayBuffer; error?: { code: string; errno: number } };
  try {
    r = callOp("child.spawnSync", n.file, JSON.stringify(n.args), wireOptions(n, extra), input) as typeof r;
  } catch (e) {
    throw decorate(e, n);
  }
  const enc: string | undefined = o.encoding && o.encoding !== "buffer" ? o.encoding : undefined;
  const conv = (ab: ArrayBuffer) => (enc ? B.from(ab).toString(enc) : B.from(ab));
  const stdout = conv(r.stdout);
  const stderr = conv(r.stderr);
  const result: SyncResult = { pid: 0, output: [null, stdout, stderr], stdout, stderr, status: r.status, signal: r.signal };
  if (r.error) {
    const e = nodeError(r.error.code, `spawnSync ${n.file} ${r.error.code}`, Error) as Error & Record<string, unknown>;
    e.errno = r.error.errno;
    e.syscall = `spawnSync ${n.file}`;
    e.path = n.file;
    e.spawnargs = n.spawnargs.slice(1);
    result.error = e;
  }
  return result;
}

function checkExecSyncError(r: SyncResult, cmd: string): Error | undefined {
  if (r.error) {
    // Node attaches the result to the spawn error (status, output, stdout, stderr...).
    const { error, ...rest } = r;
    return Object.assign(error, rest);
  }
  if (r.status === 0 && r.signal === null) return undefined;
  const stderr = r.stderr === undefined || r.stderr === null ? "" : String(r.stderr);
  const err = new Error(`Command failed: ${cmd}${stderr ? `\n${stderr}` : ""}`) as Error & Record<string, unknown>;
  Object.assign(err, { status: r.status, signal: r.signal, output: r.output, pid: r.pid, stdout: r.stdout, stderr: r.stderr });
  return err;
}

/** Node prints a sync child's stderr to the parent's unless `stdio` says otherwise. */
function inheritStderr(r: SyncResult, o: Record<string, any>): void {
  if (o.stdio !== undefined) return;
  const s = r.stderr as Uint8Array | string;
  if (s && s.length > 0) proc().stderr.write(s);
}

function execFileSync(file: unknown, args?: unknown, options?: unknown): unknown {
  const [f, a, o] = normalizeArgs(file, args, options);
  const n = normalize(f, a, o);
  const r = runSync(n, o);
  inheritStderr(r, o);
  const err = checkExecSyncError(r, [f, ...a].join(" "));
  if (err) throw err;
  return r.stdout;
}

function execSync(command: unknown, options?: unknown): unknown {
  const [cmd, o] = normalizeExecArgs(command, options, undefined);
  const n = normalize(cmd, [], o);
  const r = runSync(n, o);
  inheritStderr(r, o);
  const err = checkExecSyncError(r, cmd);
  if (err) throw err;
  return r.stdout;
}

function fork(): never {
  throw notSupported("child_process.fork()");
}

export default {
  ChildProcess,
  spawn,
  exec,
  execFile,
  spawnSync,
  execSync,
  execFileSync,
  fork,
  _forkChild: fork,
};
