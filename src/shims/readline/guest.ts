/**
 * The `readline` builtin over any readable stream (typically `process.stdin`, fed from
 * the exec's `stdin` option). Terminal features (history, completion, keypress events)
 * need a TTY, which the sandbox never has.
 */
import { notSupported } from "../_lib/errors.js";
import { Interface, clearLine, clearScreenDown, cursorTo, moveCursor, type InterfaceOptions } from "./interface.js";

function createInterface(input: InterfaceOptions | undefined, output?: unknown, completer?: unknown, terminal?: boolean): Interface {
  return new Interface(input as never, output as never, completer, terminal);
}

class PromisesInterface extends Interface {
  override question(query: string, options?: unknown): Promise<string> & void {
    const signal = (options as { signal?: { aborted: boolean; reason: unknown; addEventListener(t: string, f: () => void, o: object): void } } | undefined)?.signal;
    return new Promise<string>((resolve, reject) => {
      if (signal?.aborted) {
        const e = new Error("The operation was aborted");
        Object.assign(e, { name: "AbortError", code: "ABORT_ERR", cause: signal.reason });
        reject(e);
        return;
      }
      super.question(query, {}, resolve);
    }) as Promise<string> & void;
  }
}

const promises = {
  Interface: PromisesInterface,
  createInterface: (input: InterfaceOptions | undefined, output?: unknown, completer?: unknown, terminal?: boolean) =>
    new PromisesInterface(input as never, output as never, completer, terminal),
  Readline: class {
    constructor() {
      throw notSupported("readline/promises.Readline");
    }
  },
};

export default {
  Interface,
  createInterface,
  clearLine,
  clearScreenDown,
  cursorTo,
  moveCursor,
  emitKeypressEvents: () => {
    throw notSupported("readline.emitKeypressEvents() (no terminal)");
  },
  promises,
};
