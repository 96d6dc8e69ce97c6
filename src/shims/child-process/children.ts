/**
 * The host's record of one exec's child processes. The guest refers to a child only by
 * its number; every op looks the number up here (per exec, so one exec can never reach
 * another's children). Output waits here, bounded, until the guest pulls it with
 * `child.read`; children still running when the exec ends are killed.
 */
import { constants } from "node:os";
import type { CommandExecutor, CommandSpawnSyncOptions, CommandSpawnSyncResult, SpawnedProcess } from "../../driver/types.js";
import type { ExecState } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";

/** Children one sandbox may run at once. */
export const MAX_CHILDREN = 16;
/** Output of one child held on the host while the guest has not pulled it. */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** Most bytes one `child.read` hands over (well under the bridge's payload limit). */
const MAX_READ_BYTES = 1024 * 1024;

export const SIGNALS = constants.signals as Readonly<Record<string, number>>;
const SIGNAL_NAMES = new Map(Object.entries(SIGNALS).map(([name, n]) => [n, name]));
const SIGKILL = SIGNALS.SIGKILL ?? 9;

/** One event of a child, in the order the guest must see them. */
export type ChildEvent =
  | { fd: 1 | 2; data: Uint8Array }
  | { exit: { code: number | null; signal: string | null } }
  | { error: { code: string; errno: number } };

/**
 * How a child ended: its exit code, or the signal that ended it. An executor without
 * `exitSignal` reports a signal death as 128 + its number; that is read as the signal
 * only when quicksand itself sent it (`sent`), so a plain `exit 143` stays a code.
 */
export function exitOf(proc: SpawnedProcess, code: number, sent: number | undefined): { code: number | null; signal: string | null } {
  let signal = proc.exitSignal?.() ?? null;
  if (signal === null && sent !== undefined && code === 128 + sent) signal = SIGNAL_NAMES.get(sent) ?? null;
  return { code: signal === null ? code : null, signal };
}

/** The error code of a failed spawn (`ENOENT`...), EIO when the executor gave none. */
export function failureCode(e: unknown): string {
  return typeof (e as { code?: unknown })?.code === "string" ? (e as { code: string }).code : "EIO";
}

export class Child {
  private queue: ChildEvent[] = [];
  private queuedBytes = 0;
  private waiter: ((events: ChildEvent[]) => void) | undefined;
  /** Set once the exit (or spawn failure) is queued: no more events follow. */
  private finished = false;
  /** The signal the guest last sent, to name a signal exit for executors that cannot. */
  private sentSignal: number | undefined;
  running = true;
  private overflowed = false;

  constructor(
    readonly id: number,
    private readonly table: ChildTable,
  ) {}

  proc!: SpawnedProcess;

  /** Wires the executor's callbacks (called before spawn returns, so no output is lost). */
  output(fd: 1 | 2, data: Uint8Array): void {
    if (this.finished || this.overflowed) return;
    if (this.queuedBytes + data.byteLength > MAX_QUEUED_BYTES) {
      // The guest is not keeping up (or not running): stop the child rather than grow host memory.
      this.overflowed = true;
      this.kill(SIGKILL);
      this.push({ error: { code: "ENOBUFS", errno: -105 } });
      return;
    }
    this.queuedBytes += data.byteLength;
    this.push({ fd, data: data.slice() });
  }

  attach(proc: SpawnedProcess): void {
    this.proc = proc;
    proc.wait().then(
      (code) => this.exited(code),
      (e: unknown) => this.failed(e),
    );
  }

  /** The next events (at least one), waiting for the child when none are queued. */
  read(): Promise<ChildEvent[]> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.finished) return Promise.resolve([]);
    if (this.waiter) throw OpError.node("ERR_INVALID_STATE", "child.read is already pending for this child");
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  write(data: Uint8Array): void {
    if (!this.running) throw OpError.system("EPIPE", "broken pipe", "write");
    this.proc.writeStdin(data);
  }

  closeStdin(): void {
    if (this.running) this.proc.closeStdin();
  }

  /** True when the signal was sent to a running child. */
  kill(signal: number): boolean {
    if (!this.running) return false;
    this.sentSignal = signal;
    try {
      this.proc.kill(signal);
    } catch {
      return false;
    }
    return true;
  }

  private exited(code: number): void {
    this.running = false;
    this.finish({ exit: exitOf(this.proc, code, this.sentSignal) });
  }

  private failed(e: unknown): void {
    this.running = false;
    const code = failureCode(e);
    const errno = -((constants.errno as Record<string, number>)[code] ?? 5);
    this.push({ error: { code, errno } });
    this.finish({ exit: { code: errno, signal: null } });
  }

  private finish(exit: ChildEvent): void {
    if (this.finished) return;
    this.push(exit);
    this.finished = true;
    this.table.release(this);
  }

  private push(e: ChildEvent): void {
    if (this.finished) return;
    this.queue.push(e);
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(this.take());
    }
  }

  private take(): ChildEvent[] {
    const out: ChildEvent[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && bytes < MAX_READ_BYTES) {
      const e = this.queue.shift()!;
      if ("data" in e) {
        bytes += e.data.byteLength;
        this.queuedBytes -= e.data.byteLength;
      }
      out.push(e);
    }
    return out;
  }
}

export class ChildTable {
  private readonly children = new Map<number, Child>();
  private nextId = 1;
  /** Children spawned and not yet exited (a finished child may still hold unread output). */
  private running = 0;
  /** Children run to the end by spawnSync's async form: no number, but killed at the end too. */
  private readonly held = new Set<SpawnedProcess>();
  private ended = false;

  /** Reserves a slot for a new child, or fails with EAGAIN at the limit. */
  create(): Child {
    if (this.running >= MAX_CHILDREN) {
      throw new OpError({
        code: "EAGAIN",
        errno: -11,
        syscall: "spawn",
        message: `EAGAIN: resource temporarily unavailable, spawn (the sandbox may run at most ${MAX_CHILDREN} child processes at once)`,
      });
    }
    const child = new Child(this.nextId++, this);
    this.children.set(child.id, child);
    this.running++;
    return child;
  }

  /** Forgets a child whose spawn failed before it started. */
  discard(child: Child): void {
    if (this.children.delete(child.id)) this.running--;
  }

  release(child: Child): void {
    if (this.children.has(child.id)) this.running--;
  }

  get(id: number): Child {
    const c = this.children.get(id);
    if (!c) throw OpError.node("ERR_INVALID_ARG_VALUE", `no child process ${id} in this sandbox`);
    return c;
  }

  /** Drops a child the guest has finished reading. */
  forget(id: number): void {
    this.children.delete(id);
  }

  /**
   * Keeps a child that spawnSync's async form runs to the end, so that the exec's end
   * kills it like any other (after the end: at once). Returns the release, for when the
   * child has exited: a pid is never signalled after that (the system may reuse it).
   */
  hold(proc: SpawnedProcess): () => void {
    if (this.ended) stop(proc);
    this.held.add(proc);
    return () => this.held.delete(proc);
  }

  /** The exec ended: kill every child still running. */
  killAll(): void {
    this.ended = true;
    for (const c of this.children.values()) c.kill(SIGKILL);
    this.children.clear();
    for (const p of this.held) stop(p);
    this.held.clear();
  }
}

function stop(proc: SpawnedProcess): void {
  try {
    proc.kill(SIGKILL);
  } catch {
    // Already gone.
  }
}

const tables = new WeakMap<ExecState, ChildTable>();

/** The exec's child table, made on first spawn (and emptied when the exec ends). */
export function childTable(exec: ExecState): ChildTable {
  let t = tables.get(exec);
  if (!t) {
    const table = new ChildTable();
    tables.set(exec, table);
    exec.onEnd(() => table.killAll());
    t = table;
  }
  return t;
}

// ---------------------------------------------------------------------------
// spawnSync over an async executor
// ---------------------------------------------------------------------------

/** Keeps the first `limit` bytes of one output stream (what spawnSync hands back) and drops the rest. */
class Head {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  add(data: Uint8Array): void {
    const room = this.limit - this.size;
    if (room <= 0) return;
    const part = data.byteLength > room ? data.subarray(0, room) : data;
    this.chunks.push(part.slice());
    this.size += part.byteLength;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

/**
 * Runs a command to the end with the executor's async `spawn`, with the semantics of
 * Node's `spawnSync`, so that an async-only executor serves the guest's sync APIs and the
 * host's thread is never blocked (worker mode serves `execSync` here, on the caller's
 * thread): `input` is written and stdin closed; output past `maxBuffer` (stdout and
 * stderr together, as Node counts; 0 means no limit) kills the child with `killSignal`
 * and reports `ENOBUFS`; `timeoutMs` kills it the same way and reports `ETIMEDOUT`; a
 * failed spawn is reported in `error`, not thrown. The first such cause is the one
 * reported, as in Node. `table` kills the child if the exec ends first.
 *
 * Throws only what the executor's `spawn` itself throws.
 */
export async function runToEnd(
  executor: CommandExecutor,
  command: string,
  args: string[],
  o: CommandSpawnSyncOptions,
  table: ChildTable,
): Promise<CommandSpawnSyncResult> {
  const killSignal = SIGNALS[o.killSignal ?? "SIGTERM"] ?? 15;
  const stdout = new Head(o.maxBuffer);
  const stderr = new Head(o.maxBuffer);
  let proc: SpawnedProcess | undefined;
  let buffered = 0;
  let error: string | undefined;
  let sent: number | undefined;

  // The first cause wins; the kill waits for `proc` if output came during spawn() itself.
  const cut = (code: string) => {
    error ??= code;
    if (proc && sent === undefined) {
      sent = killSignal;
      try {
        proc.kill(killSignal);
      } catch {
        // It has exited meanwhile: wait() reports how.
      }
    }
  };
  const collect = (head: Head) => (data: Uint8Array) => {
    head.add(data);
    buffered += data.byteLength;
    if (o.maxBuffer > 0 && buffered > o.maxBuffer) cut("ENOBUFS");
  };

  proc = executor.spawn(command, args, {
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    onStdout: collect(stdout),
    onStderr: collect(stderr),
  });
  const release = table.hold(proc);
  if (error !== undefined) cut(error);
  const timer = o.timeoutMs !== undefined ? setTimeout(() => cut("ETIMEDOUT"), o.timeoutMs) : undefined;
  feed(proc, o.input);

  let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
  try {
    exit = exitOf(proc, await proc.wait(), sent);
    // The executor's own time limit (stricter than the guest's) ended it.
    if (proc.timedOut?.() === true) error ??= "ETIMEDOUT";
  } catch (e) {
    error ??= failureCode(e);
  } finally {
    clearTimeout(timer);
    release();
  }
  return { status: exit.code, signal: exit.signal, stdout: stdout.bytes(), stderr: stderr.bytes(), ...(error !== undefined ? { error: { code: error } } : {}) };
}

/** Writes spawnSync's `input`, then closes stdin (the child reads EOF, as under Node). */
function feed(proc: SpawnedProcess, input: Uint8Array | undefined): void {
  try {
    if (input !== undefined && input.byteLength > 0) proc.writeStdin(input);
    proc.closeStdin();
  } catch {
    // A child that is already gone (or failed to start) cannot take input; wait() says why.
  }
}
