/**
 * Guest output: delivered to `onStdio` in order as `{ channel, message }` events and
 * captured into the bounded `stdout`/`stderr` strings of the result. Past the output
 * budget, text is dropped and one truncation marker is written instead.
 */
export type StdioChannel = "stdout" | "stderr";

export interface StdioEvent {
  channel: StdioChannel;
  /** The text exactly as written (console.log adds the trailing "\n", as in Node). */
  message: string;
}

export type StdioHandler = (event: StdioEvent) => void;

export class OutputCapture {
  private readonly chunks: Record<StdioChannel, string[]> = { stdout: [], stderr: [] };
  private used = 0;
  private truncated = false;

  constructor(
    private readonly maxBytes: number,
    private readonly handlers: readonly StdioHandler[],
    /** False: only deliver to the handlers (a worker forwards output and keeps none). */
    private readonly keep = true,
  ) {}

  /** Returns false once the budget is spent (the text was dropped). */
  write(channel: StdioChannel, message: string): boolean {
    if (this.truncated) return false;
    if (this.used + message.length > this.maxBytes) {
      const room = Math.max(0, this.maxBytes - this.used);
      if (room > 0) this.emit(channel, message.slice(0, room));
      this.truncated = true;
      this.emit(channel, `\n[quicksand: output truncated after ${this.maxBytes} characters]\n`);
      return false;
    }
    this.used += message.length;
    this.emit(channel, message);
    return true;
  }

  /** Starts over: empty captures and a fresh budget (a session's next step). */
  reset(): void {
    this.chunks.stdout = [];
    this.chunks.stderr = [];
    this.used = 0;
    this.truncated = false;
  }

  private emit(channel: StdioChannel, message: string): void {
    if (this.keep) this.chunks[channel].push(message);
    for (const h of this.handlers) {
      try {
        h({ channel, message });
      } catch {
        // A throwing host callback must not break the guest's run.
      }
    }
  }

  get stdout(): string {
    return this.chunks.stdout.join("");
  }
  get stderr(): string {
    return this.chunks.stderr.join("");
  }
}
