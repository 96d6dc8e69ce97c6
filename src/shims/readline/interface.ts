/**
 * readline's Interface in non-terminal mode (the sandbox has no TTY): input chunks are
 * decoded and split into lines on \n, \r\n or \r; `question` takes the next line;
 * `prompt` writes the prompt; the async iterator yields lines until 'close'.
 */
import EventEmitter from "node:events";
import stringDecoder from "node:string_decoder";
import { invalidArgType } from "../_lib/errors.js";

interface Input {
  on(e: string, fn: (...a: any[]) => void): unknown;
  removeListener(e: string, fn: (...a: any[]) => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
}
interface Output {
  write(s: string): unknown;
}
export interface InterfaceOptions {
  input?: Input;
  output?: Output;
  prompt?: string;
  terminal?: boolean;
  crlfDelay?: number;
  signal?: { aborted: boolean; addEventListener(t: string, f: () => void, o?: object): void };
}

export class Interface extends EventEmitter {
  terminal = false;
  line = "";
  cursor = 0;
  input: Input | undefined;
  output: Output | undefined;
  closed = false;
  #prompt: string;
  #buffer = "";
  #sawCR = false;
  #decoder = new stringDecoder.StringDecoder("utf8");
  #question: ((answer: string) => void) | undefined;
  #paused = false;
  #onData = (chunk: unknown) => this.#feed(typeof chunk === "string" ? chunk : this.#decoder.write(chunk as Uint8Array));
  #onEnd = () => {
    const rest = this.#decoder.end();
    if (rest) this.#feed(rest);
    if (this.#buffer.length > 0) {
      const line = this.#buffer;
      this.#buffer = "";
      this.#onLine(line);
    }
    this.close();
  };

  constructor(input?: Input | InterfaceOptions, output?: Output, completer?: unknown, terminal?: boolean) {
    super();
    let opts: InterfaceOptions;
    if (input && typeof (input as Input).on !== "function" && typeof input === "object") opts = input as InterfaceOptions;
    else opts = { input: input as Input, output, terminal };
    void completer;
    if (opts.input === undefined || opts.input === null || typeof opts.input.on !== "function") {
      throw invalidArgType("input", "an instance of Stream", opts.input);
    }
    this.input = opts.input;
    this.output = opts.output;
    this.#prompt = opts.prompt ?? "> ";
    opts.input.on("data", this.#onData);
    opts.input.on("end", this.#onEnd);
    if (opts.signal) {
      if (opts.signal.aborted) (globalThis as any).process.nextTick(() => this.close());
      else opts.signal.addEventListener("abort", () => this.close(), { once: true });
    }
    opts.input.resume?.();
  }

  #feed(text: string): void {
    for (const ch of text) {
      if (this.closed) return;
      if (ch === "\n") {
        if (this.#sawCR) {
          this.#sawCR = false;
          continue;
        }
        this.#emitLine();
      } else if (ch === "\r") {
        this.#sawCR = true;
        this.#emitLine();
      } else {
        this.#sawCR = false;
        this.#buffer += ch;
      }
    }
    this.line = this.#buffer;
    this.cursor = this.#buffer.length;
  }

  #emitLine(): void {
    const line = this.#buffer;
    this.#buffer = "";
    this.line = "";
    this.cursor = 0;
    this.#onLine(line);
  }

  #onLine(line: string): void {
    const q = this.#question;
    if (q) {
      this.#question = undefined;
      q(line);
    } else this.emit("line", line);
  }

  getPrompt(): string {
    return this.#prompt;
  }
  setPrompt(prompt: string): void {
    this.#prompt = `${prompt}`;
  }
  prompt(_preserveCursor?: boolean): void {
    if (this.closed) throw closedError();
    if (this.#paused) this.resume();
    this.output?.write(this.#prompt);
  }
  question(query: string, options: unknown, cb?: (answer: string) => void): void {
    if (typeof options === "function") cb = options as (a: string) => void;
    if (this.closed) throw closedError();
    if (typeof cb !== "function") return;
    if (this.#question) {
      this.prompt();
      return;
    }
    this.#question = cb;
    if (this.#paused) this.resume();
    this.output?.write(`${query}`);
  }
  write(data: unknown): void {
    if (this.closed) throw closedError();
    this.#feed(`${data}`);
  }
  pause(): this {
    if (this.#paused) return this;
    this.input?.pause?.();
    this.#paused = true;
    this.emit("pause");
    return this;
  }
  resume(): this {
    if (!this.#paused) return this;
    this.input?.resume?.();
    this.#paused = false;
    this.emit("resume");
    return this;
  }
  close(): void {
    if (this.closed) return;
    this.pause();
    this.input?.removeListener("data", this.#onData);
    this.input?.removeListener("end", this.#onEnd);
    this.closed = true;
    this.emit("close");
  }
  getCursorPos(): { rows: number; cols: number } {
    return { rows: 0, cols: this.cursor };
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    const queue: string[] = [];
    const waiting: ((r: IteratorResult<string>) => void)[] = [];
    let done = this.closed;
    const onLine = (line: string) => {
      const w = waiting.shift();
      if (w) w({ value: line, done: false });
      else queue.push(line);
    };
    const onClose = () => {
      done = true;
      for (const w of waiting.splice(0)) w({ value: undefined, done: true });
    };
    this.on("line", onLine);
    this.on("close", onClose);
    const stop = () => {
      this.removeListener("line", onLine);
      this.removeListener("close", onClose);
    };
    const it: AsyncIterableIterator<string> = {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) {
          stop();
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: () => {
        stop();
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }
}

function closedError(): Error {
  const e = new Error("readline was closed");
  (e as Error & { code: string }).code = "ERR_USE_AFTER_CLOSE";
  return e;
}

/** ANSI cursor helpers (written to the stream as Node does; harmless on a pipe). */
type Stream = { write(s: string, cb?: () => void): boolean } | undefined | null;
export function cursorTo(stream: Stream, x: number, y?: number | (() => void), cb?: () => void): boolean {
  if (typeof y === "function") {
    cb = y;
    y = undefined;
  }
  if (!stream) {
    cb?.();
    return true;
  }
  return stream.write(typeof y !== "number" ? `\x1b[${x + 1}G` : `\x1b[${y + 1};${x + 1}H`, cb);
}
export function moveCursor(stream: Stream, dx: number, dy: number, cb?: () => void): boolean {
  if (!stream || (dx === 0 && dy === 0)) {
    cb?.();
    return true;
  }
  let data = "";
  if (dx < 0) data += `\x1b[${-dx}D`;
  else if (dx > 0) data += `\x1b[${dx}C`;
  if (dy < 0) data += `\x1b[${-dy}A`;
  else if (dy > 0) data += `\x1b[${dy}B`;
  return stream.write(data, cb);
}
export function clearLine(stream: Stream, dir: number, cb?: () => void): boolean {
  if (!stream) {
    cb?.();
    return true;
  }
  return stream.write(dir < 0 ? "\x1b[1K" : dir > 0 ? "\x1b[0K" : "\x1b[2K", cb);
}
export function clearScreenDown(stream: Stream, cb?: () => void): boolean {
  if (!stream) {
    cb?.();
    return true;
  }
  return stream.write("\x1b[0J", cb);
}
