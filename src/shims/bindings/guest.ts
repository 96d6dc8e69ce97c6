/**
 * The guest's half of a binding call (the leaves of `SecureExec.bindings`, built by the
 * prelude, land here): the arguments are copied out as tagged JSON with their bytes
 * beside it (getters and Proxies run here, under the guest's limits), the `binding.*` op
 * runs the host function, and its result is revived as fresh guest values. A host
 * exception becomes a guest Error with the host's name and message.
 */
import { callOp, callOpAsync } from "../_lib/host.js";
import { makeError, revive, serialize, UncopyableError } from "../_lib/serialize.js";
import { $Promise, $TypeError } from "../_lib/primordials.js";

type Outcome = { value?: unknown; plain?: unknown; json?: unknown; buffers?: unknown; error?: { name?: unknown; message?: unknown }; pending?: unknown };

function outcome(r: unknown): unknown {
  const o = r as Outcome;
  if (o.error !== undefined) throw makeError(String(o.error.name), String(o.error.message));
  // Plain JSON data is parsed natively; tagged JSON is revived node by node.
  if (o.plain !== undefined) return JSON.parse(o.plain as string);
  if (o.json !== undefined) return revive(o.json as string, o.buffers as ArrayBuffer[]);
  // A primitive result comes as it is.
  return o.value;
}

/** Primitives other than null cross the bridge as they are; anything else needs the serializer. */
function allPrimitive(args: unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const t = typeof args[i];
    if (t === "object" || t === "function" || t === "symbol") return false;
  }
  return true;
}

/** Calls the binding at `path`; `isAsync` leaves (host `async` functions) always return a Promise. */
export function callBinding(path: string, args: unknown[], isAsync: boolean): unknown {
  // After the JSON: the bytes it refers to; without JSON, the (primitive) arguments themselves.
  let rest: unknown[] = [];
  let json: string | undefined;
  try {
    if (allPrimitive(args)) rest = args;
    else json = serialize(args, "arguments", rest as ArrayBuffer[]);
  } catch (e) {
    const err = e instanceof UncopyableError ? new $TypeError(`SecureExec.bindings.${path}: ${e.message}`) : e;
    if (isAsync) return $Promise.reject(err);
    throw err;
  }
  if (isAsync) return callOpAsync("binding.callAsync", path, json, ...rest).then(outcome);
  const r = callOp("binding.call", path, json, ...rest) as Outcome;
  if (typeof r.pending === "number") return callOpAsync("binding.await", path, r.pending).then(outcome);
  return outcome(r);
}
