/**
 * The ops behind `SecureExec.bindings` (src/runtime/bindings.ts has the option). A call
 * carries the leaf's dotted path, its arguments as the tagged JSON the guest's serializer
 * made, and the argument bytes beside it — or, when every argument is a primitive other
 * than null, no JSON and the arguments themselves. All of it is decoded by the bridge
 * (payload limits included) before anything here runs, and the arguments are revived
 * into fresh host values the binding may keep. The binding's outcome goes back as data:
 *   { value }  its result, when that is a primitive
 *   { plain } or { json, buffers }  its result otherwise, copied (see to-guest.ts)
 *   { error: { name, message } }  what it threw (no stack, no host object)
 *   { pending: n }  binding.call only: it returned a Promise; `binding.await` waits for it
 * `binding.call` serves leaves that are not `async` functions: a value comes back at once,
 * and a Promise is kept here (per exec) until the guest's `binding.await` takes it, so
 * waiting on the host never counts as guest CPU time. `binding.callAsync` serves `async`
 * leaves in one asynchronous call.
 */
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type ExecState, type Op, type OpContext } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";
import type { BindingFunction } from "../../runtime/bindings.js";
import { reviveExports } from "../../runtime/export-copy.js";
import { toGuest, UncopyableResult, type GuestCopy } from "./to-guest.js";

type Outcome = { value: unknown } | GuestCopy | { error: { name: string; message: string } };

/** Promises a binding returned that the guest has not yet awaited (normally at most one). */
const MAX_UNAWAITED = 64;
const unawaited = new WeakMap<ExecState, { next: number; promises: Map<number, Promise<Settled>> }>();
type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

const { apply } = Reflect;

function lookup(cx: OpContext, path: string): BindingFunction {
  const fn = cx.bindings?.get(path);
  if (!fn) throw OpError.node("ERR_INVALID_ARG_VALUE", `there is no binding named ${JSON.stringify(path.slice(0, 256))}`);
  return fn;
}

function argumentsOf(path: string, json: string | undefined, rest: unknown[]): unknown[] {
  // No JSON: the arguments came as they are, primitives each (see restArg).
  if (json === undefined) {
    if (rest.some((v) => v instanceof Uint8Array)) throw OpError.node("ERR_INVALID_ARG_VALUE", `the arguments of binding ${path} are malformed`);
    return rest;
  }
  let args: unknown;
  try {
    if (!rest.every((b) => b instanceof Uint8Array)) throw new TypeError("bytes expected");
    args = reviveExports(json, rest as Uint8Array[]);
  } catch {
    args = undefined;
  }
  if (!Array.isArray(args)) throw OpError.node("ERR_INVALID_ARG_VALUE", `the arguments of binding ${path} are malformed`);
  return args;
}

/** What the guest sees of a host exception: an Error's name and message, nothing else. */
function thrown(err: unknown): Outcome {
  let name = "Error";
  let message = "the binding failed";
  try {
    if (typeof err === "string") message = err;
    else if (typeof err === "object" && err !== null) {
      const e = err as { name?: unknown; message?: unknown };
      if (typeof e.message === "string") message = e.message;
      if (typeof e.name === "string" && e.name) name = e.name;
    } else message = `the binding threw ${String(err)}`;
  } catch {
    // A throwing getter on the thrown value: the generic message stands.
  }
  return { error: { name, message } };
}

function result(path: string, value: unknown): Outcome {
  if (value === undefined || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) return { value };
  try {
    return toGuest(value, "result");
  } catch (e) {
    if (e instanceof UncopyableResult) return { error: { name: "TypeError", message: `SecureExec.bindings.${path}: ${e.message}` } };
    return thrown(e);
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as { then?: unknown }).then === "function";
}

/**
 * Refuses a call while too many of the exec's binding Promises wait for `binding.await`
 * (the guest's own code awaits each at once; only raw op calls or a spent pending-op
 * budget leave them, and each holds host memory until the exec ends).
 */
function checkUnawaited(exec: ExecState): void {
  if ((unawaited.get(exec)?.promises.size ?? 0) >= MAX_UNAWAITED) {
    throw OpError.node("ERR_SANDBOX_BUDGET_EXCEEDED", `the sandbox's resource budget of ${MAX_UNAWAITED} binding results not yet awaited is spent`);
  }
}

/** Keeps a binding's Promise for `binding.await`; its rejection is handled from now on. */
function keep(exec: ExecState, promise: PromiseLike<unknown>): number {
  let state = unawaited.get(exec);
  if (!state) {
    const fresh = { next: 1, promises: new Map<number, Promise<Settled>>() };
    unawaited.set(exec, fresh);
    exec.onEnd(() => fresh.promises.clear());
    state = fresh;
  }
  const settled = Promise.resolve(promise).then(
    (value): Settled => ({ ok: true, value }),
    (error: unknown): Settled => ({ ok: false, error }),
  );
  const token = state.next++;
  state.promises.set(token, settled);
  return token;
}

const pathArg: arg.Decoder<string> = (cx, h, name) => arg.string({ ...cx, maxBytes: 1024 }, h, name);

/** After the JSON: the argument bytes (an ArrayBuffer each), or the arguments themselves when all are primitives. */
const restArg: arg.Decoder<unknown> = (cx, h, name) => {
  const v = arg.primitive(cx, h, name);
  return v === arg.NOT_PRIMITIVE ? arg.bytes(cx, h, name) : v;
};

const call = defineOp({
  name: "binding.call",
  args: [pathArg, arg.optional(arg.string)],
  rest: restArg,
  sync: (cx, args) => {
    const [path, json, buffers] = args as unknown as [string, string | undefined, unknown[]];
    const fn = lookup(cx, path);
    checkUnawaited(cx.exec);
    const list = argumentsOf(path, json, buffers);
    let value: unknown;
    try {
      value = apply(fn, undefined, list);
    } catch (e) {
      return thrown(e);
    }
    if (isThenable(value)) return { pending: keep(cx.exec, value) };
    return result(path, value);
  },
});

const callAsync = defineOp({
  name: "binding.callAsync",
  args: [pathArg, arg.optional(arg.string)],
  rest: restArg,
  async: async (cx, args) => {
    const [path, json, buffers] = args as unknown as [string, string | undefined, unknown[]];
    const fn = lookup(cx, path);
    const list = argumentsOf(path, json, buffers);
    try {
      return result(path, await apply(fn, undefined, list));
    } catch (e) {
      return thrown(e);
    }
  },
});

const awaitResult = defineOp({
  name: "binding.await",
  args: [pathArg, arg.integer],
  async: async (cx, [path, token]) => {
    const state = unawaited.get(cx.exec);
    const settled = state?.promises.get(token);
    if (!state || !settled) throw OpError.node("ERR_INVALID_ARG_VALUE", `binding ${path} has no result ${token} to await`);
    state.promises.delete(token);
    const s = await settled;
    return s.ok ? result(path, s.value) : thrown(s.error);
  },
});

export const bindingOps: Op[] = [call, callAsync, awaitResult];
