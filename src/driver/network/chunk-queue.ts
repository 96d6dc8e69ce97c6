/**
 * A response body between undici and the sandbox: chunks wait here until the guest asks
 * for the next one. Past `highWaterMark` bytes the producer is told to pause (undici stops
 * reading the socket), and it resumes once the guest has drained the queue, so a body
 * never sits in host memory beyond one window, however large it is.
 */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: unknown;
  #waiter: { resolve: () => void } | undefined;
  /** Called when the queue has drained below the high-water mark after a pause. */
  onDrain: (() => void) | undefined;

  constructor(private readonly highWaterMark = 64 * 1024) {}

  /** Adds a chunk; false means "pause until onDrain". */
  push(chunk: Uint8Array): boolean {
    if (this.#ended) return false;
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    this.#wake();
    return this.#buffered < this.highWaterMark;
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#chunks.length = 0;
    this.#buffered = 0;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) {
        const wasFull = this.#buffered >= this.highWaterMark;
        this.#buffered -= chunk.byteLength;
        if (wasFull && this.#buffered < this.highWaterMark) this.onDrain?.();
        yield chunk;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#waiter = { resolve }));
    }
  }
}
