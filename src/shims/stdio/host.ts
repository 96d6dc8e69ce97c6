/** The op behind console and process.stdout/stderr writes. Output budgets live in ExecState. */
import * as arg from "../../runtime/bridge/decoders.js";
import { defineOp, type Op } from "../../runtime/bridge/op.js";

const CHANNELS = { 1: "stdout", 2: "stderr" } as const;

const write = defineOp({
  name: "stdio.write",
  args: [arg.integer, arg.string],
  local: true,
  sync: (cx, [fd, text]) => {
    const channel = CHANNELS[fd as 1 | 2];
    if (!channel) return false;
    return cx.exec.write(channel, text);
  },
});

/**
 * console.log's fast path: when every argument is a primitive (and no format string is
 * involved), the line is formatted here exactly as util.format would, so a script that
 * only prints strings and numbers never loads the guest's formatter. Returns false when
 * the guest must format the arguments itself.
 */
const print = defineOp({
  name: "stdio.print",
  args: [arg.integer],
  local: true,
  rest: arg.primitive,
  sync: (cx, args) => {
    const [fd, list] = args as unknown as [number, unknown[]];
    const channel = CHANNELS[fd as 1 | 2];
    if (!channel) return false;
    if (list.length > 1 && typeof list[0] === "string" && list[0].includes("%")) return false;
    const parts: string[] = [];
    for (const v of list) {
      if (v === arg.NOT_PRIMITIVE) return false;
      parts.push(formatPrimitive(v));
    }
    cx.exec.write(channel, parts.join(" ") + "\n");
    return true;
  },
});

function formatPrimitive(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "bigint") return `${v}n`;
  return String(v);
}

export const stdioOps: Op[] = [write, print];
