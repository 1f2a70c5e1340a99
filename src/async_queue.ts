/**
 * The one push/pull queue: a producer pushes, a consumer pulls with
 * `for await`. Used for accepted connections, Node's incoming chunks and
 * response packets read with `for await`.
 * @module
 */

/** Options of {@linkcode AsyncQueue}: a high-water hook for producers that can pause. */
export interface AsyncQueueOptions<T> {
  /** How much one value counts toward `highWater` (default 1). */
  size?: (value: T) => number;
  /** How much may wait unpulled before `onHigh` (default: no limit). */
  highWater?: number;
  /** Called when a push leaves more than `highWater` waiting. */
  onHigh?: () => void;
  /** Called when a pull brings what waits back to `highWater` after `onHigh`. */
  onLow?: () => void;
  /** Called when the consumer leaves its `for await` loop early. */
  onReturn?: () => void;
}

/** Values pushed by a producer, pulled with `for await`. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiter: ((r: IteratorResult<T> | Promise<never>) => void) | null = null;
  #ended = false;
  /** Thrown once to the consumer after the queued values (see `end`). */
  #failure: Error | null = null;
  readonly #opts: AsyncQueueOptions<T>;
  #waiting = 0;
  #high = false;

  /**
   * Makes an empty queue.
   * @param opts the high-water hook and what ends the consumer early
   */
  constructor(opts: AsyncQueueOptions<T> = {}) {
    this.#opts = opts;
  }

  /** Adds a value, waking a waiting consumer. Ignored after `end()`. */
  push(value: T): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const wake = this.#waiter;
      this.#waiter = null;
      wake({ value, done: false });
      return;
    }
    this.#items.push(value);
    const { highWater, size } = this.#opts;
    if (highWater === undefined) return;
    this.#waiting += size ? size(value) : 1;
    if (this.#waiting > highWater) {
      this.#high = true;
      this.#opts.onHigh?.();
    }
  }

  /**
   * Ends the iteration once the queued values are consumed; with `failure`,
   * the consumer's next pull then throws it (once). Later calls change
   * nothing.
   * @param failure why the producer stopped, if the consumer must know
   */
  end(failure?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = failure ?? null;
    if (this.#waiter && this.#items.length === 0) {
      const wake = this.#waiter;
      this.#waiter = null;
      wake(this.#finish());
    }
  }

  /** Drains what is queued and drops it (e.g. connections to close). */
  drain(): T[] {
    const items = this.#items;
    this.#items = [];
    this.#waiting = 0;
    return items;
  }

  /** Iterates values until `end()`. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: (): Promise<IteratorResult<T>> => {
        if (this.#items.length > 0) {
          return Promise.resolve({ value: this.#pull(), done: false });
        }
        if (this.#ended) return Promise.resolve(this.#finish());
        return new Promise((resolve) => (this.#waiter = resolve));
      },
      return: (): Promise<IteratorResult<T>> => {
        this.#opts.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** The end of the iteration: the failure (once), else done. */
  #finish(): IteratorResult<T> | Promise<never> {
    const failure = this.#failure;
    this.#failure = null;
    return failure ? Promise.reject(failure) : { value: undefined, done: true };
  }

  #pull(): T {
    const value = this.#items.shift()!;
    const { highWater, size } = this.#opts;
    if (highWater === undefined) return value;
    this.#waiting -= size ? size(value) : 1;
    if (this.#high && this.#waiting <= highWater) {
      this.#high = false;
      this.#opts.onLow?.();
    }
    return value;
  }
}
