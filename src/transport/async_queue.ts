/**
 * A minimal unbounded push/pull queue exposed as an async iterable, used by
 * listeners to hand out connections accepted in the background.
 * @module
 */

/** Values pushed by a producer, pulled with `for await`. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiter: ((r: IteratorResult<T>) => void) | null = null;
  #ended = false;

  /** Adds a value, waking a waiting consumer. Ignored after `end()`. */
  push(value: T): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const wake = this.#waiter;
      this.#waiter = null;
      wake({ value, done: false });
    } else {
      this.#items.push(value);
    }
  }

  /** Ends the iteration once the queued values are consumed. */
  end(): void {
    this.#ended = true;
    if (this.#waiter && this.#items.length === 0) {
      const wake = this.#waiter;
      this.#waiter = null;
      wake({ value: undefined, done: true });
    }
  }

  /** Drains what is queued and drops it (e.g. connections to close). */
  drain(): T[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  /** Iterates values until `end()`. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: (): Promise<IteratorResult<T>> => {
        if (this.#items.length > 0) {
          return Promise.resolve({ value: this.#items.shift()!, done: false });
        }
        if (this.#ended) {
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve) => (this.#waiter = resolve));
      },
    };
  }
}
