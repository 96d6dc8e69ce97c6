/** Writes guest output through the `stdio.write` op (1 = stdout, 2 = stderr). */
import { callOp } from "./host.js";

export type Channel = 1 | 2;

export function writeChannel(channel: Channel, text: string): void {
  callOp("stdio.write", channel, text);
}
