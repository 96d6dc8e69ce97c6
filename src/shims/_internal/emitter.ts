/**
 * A minimal EventEmitter for objects the bootstrap creates before the `events` builtin
 * is loaded (process). It keeps Node's listener order and `once` semantics.
 */
type Listener = (...args: unknown[]) => unknown;

export class MiniEmitter {
  #listeners = new Map<string | symbol, Listener[]>();

  on(event: string | symbol, fn: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(fn);
    this.#listeners.set(event, list);
    return this;
  }
  addListener(event: string | symbol, fn: Listener): this {
    return this.on(event, fn);
  }
  prependListener(event: string | symbol, fn: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    list.unshift(fn);
    this.#listeners.set(event, list);
    return this;
  }
  once(event: string | symbol, fn: Listener): this {
    const wrapper: Listener & { listener?: Listener } = (...args) => {
      this.off(event, wrapper);
      return fn.apply(this, args);
    };
    wrapper.listener = fn;
    return this.on(event, wrapper);
  }
  off(event: string | symbol, fn: Listener): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const i = list.findIndex((l) => l === fn || (l as { listener?: Listener }).listener === fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }
  removeListener(event: string | symbol, fn: Listener): this {
    return this.off(event, fn);
  }
  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const fn of list.slice()) fn.apply(this, args);
    return true;
  }
  listeners(event: string | symbol): Listener[] {
    return (this.#listeners.get(event) ?? []).map((l) => (l as { listener?: Listener }).listener ?? l);
  }
  listenerCount(event: string | symbol): number {
    return this.#listeners.get(event)?.length ?? 0;
  }
  eventNames(): (string | symbol)[] {
    return [...this.#listeners.keys()];
  }
  setMaxListeners(): this {
    return this;
  }
  getMaxListeners(): number {
    return 10;
  }
}
