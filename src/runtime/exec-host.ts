/**
 * The host side of one exec, as the Execution sees it: the op context that local ops
 * use, the runners that serve ops (the ES module loader's ops too), the guest's output,
 * and the end of the exec. In-process all of it lives on the caller's thread
 * (`inProcessHost`); worker mode builds the same shape from messages
 * (src/runtime/worker/), so the Execution runs one way in both modes.
 */
import { PermissionGate } from "./bridge/gate.js";
import type { ExecState, OpContext } from "./bridge/op.js";
import { LocalOpRunner, type OpRunner } from "./bridge/op-runner.js";
import type { ResolvedExecOptions, ResolvedRuntimeOptions } from "./options.js";
import { OutputCapture, type StdioChannel } from "./stdio.js";

/** What only the sandbox itself knows, offered to the host side of the exec. */
export interface SandboxFacts {
  /** Asks the run to stop with this code (process.exit). */
  exit(code: number): void;
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number };
  readonly memoryLimit: number;
  /** The guest's frozen wall clock (see ExecState.guestClockMs); absent with real clocks. */
  readonly guestClockMs?: number;
}

export interface ExecHost {
  readonly cx: OpContext;
  /** Serves ops that reach outside the sandbox. */
  readonly runner: OpRunner;
  /** Serves ops marked `local`. */
  readonly localRunner: OpRunner;
  /**
   * Whether `runner` can serve module loading ops synchronously (QuickJS's module loader
   * is synchronous): always in worker mode, where the guest's thread waits; in-process
   * when the filesystem has synchronous methods.
   */
  readonly syncModuleLoading: boolean;
  /** The guest's output, bounded. */
  readonly output: OutputCapture;
  /** Releases what the exec holds on the host (its end hooks); runs once. */
  end(): void;
}

export type HostFactory = (facts: SandboxFacts) => ExecHost;

export interface ExecStateInit {
  cwd: string;
  env: Map<string, string>;
  stdin: string;
  write(channel: StdioChannel, text: string): boolean;
  facts: SandboxFacts;
}

/** An ExecState with its end hooks: `end()` runs them once; a hook added later runs at once. */
export function createExecState(init: ExecStateInit): ExecState & { end(): void } {
  let hooks: (() => void)[] | undefined = [];
  return {
    cwd: init.cwd,
    env: init.env,
    stdin: init.stdin,
    memoryLimit: init.facts.memoryLimit,
    ...(init.facts.guestClockMs !== undefined ? { guestClockMs: init.facts.guestClockMs } : {}),
    write: init.write,
    exit: (code) => init.facts.exit(code),
    memoryUsage: () => init.facts.memoryUsage(),
    onEnd(fn) {
      if (hooks) hooks.push(fn);
      else runHook(fn);
    },
    end() {
      const list = hooks ?? [];
      hooks = undefined;
      for (const fn of list) runHook(fn);
    },
  };
}

/** The op context over a driver (and the runtime's bindings), with its permission gate. */
export function opContext(driver: ResolvedRuntimeOptions["driver"], exec: ExecState, bindings?: OpContext["bindings"]): { cx: OpContext; gate: PermissionGate } {
  const gate = new PermissionGate(driver.permissions);
  const cx: OpContext = {
    driver,
    exec,
    allowed: (req) => gate.allowed(req),
    allowedAsync: (req) => gate.allowedAsync(req),
    bindings,
  };
  return { cx, gate };
}

/** In-process: everything on the caller's thread, one runner for all ops. */
export function inProcessHost(rt: ResolvedRuntimeOptions, ex: ResolvedExecOptions): HostFactory {
  return (facts) => {
    const output = new OutputCapture(rt.maxOutputBytes, ex.onStdio);
    const exec = createExecState({ cwd: ex.cwd, env: ex.env, stdin: ex.stdin, write: (c, t) => output.write(c, t), facts });
    const { cx, gate } = opContext(rt.driver, exec, rt.bindings.functions);
    const runner = new LocalOpRunner(cx, gate);
    const fs = rt.driver.filesystem;
    const syncModuleLoading = typeof fs.statSync === "function" && typeof fs.readFileSync === "function";
    return { cx, runner, localRunner: runner, syncModuleLoading, output, end: () => exec.end() };
  };
}

/** Runs one end-of-exec hook; a failing hook must not keep the others from running. */
function runHook(fn: () => void): void {
  try {
    fn();
  } catch {
    // Releasing a host resource failed; the exec is over either way.
  }
}
