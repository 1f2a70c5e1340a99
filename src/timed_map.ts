/**
 * A map whose entries expire.
 * @module
 */

/** Why an entry left a {@linkcode TimedMap}. */
export type TimedMapReason =
  | "timed-out"
  | "deleted"
  | "overwritten"
  | "stopped";

/** Told why an entry left the map. */
export type TimedMapCallback = (reason: TimedMapReason) => void;

interface Entry<V> {
  value: V;
  timer: ReturnType<typeof setTimeout> | undefined;
  cb: TimedMapCallback;
}

/**
 * A `Map` whose entries remove themselves after a timeout, telling their
 * callback why they left. Sockhop keeps pending remote callbacks and
 * response streams in these so that nothing unanswered lives forever.
 *
 * @example
 * ```ts
 * import { TimedMap } from "@sockhop/sockhop";
 *
 * const map = new TimedMap<string, number>({ timeout: 1000 });
 * map.set("a", 1, (reason) => console.log("a left:", reason));
 * map.delete("a"); // a left: deleted
 * map.stop();
 * ```
 */
export class TimedMap<K = unknown, V = unknown> {
  readonly #map = new Map<K, Entry<V>>();
  readonly #timeout: number | null;

  /**
   * Makes an empty map.
   * @param opts.timeout default lifetime of an entry in ms (default 30000;
   *   `null` or 0: entries never expire)
   */
  constructor({ timeout = 30000 }: { timeout?: number | null } = {}) {
    this.#timeout = timeout;
  }

  /** How many entries are held. */
  get size(): number {
    return this.#map.size;
  }

  /**
   * Stores a value; an entry already under `key` is told "overwritten".
   * @param key the key
   * @param value the value
   * @param cb told why the entry left
   * @param timeout this entry's lifetime in ms; `undefined` or 0: the
   *   map's default (as in the original); `null`: this entry never expires
   */
  set(
    key: K,
    value: V,
    cb: TimedMapCallback = () => {},
    timeout?: number | null,
  ): this {
    const old = this.#map.get(key);
    if (old) {
      clearTimeout(old.timer);
      this.#map.delete(key);
      old.cb("overwritten");
    }
    const ms = timeout === null ? null : (timeout || this.#timeout);
    const entry: Entry<V> = { value, timer: undefined, cb };
    if (ms) {
      entry.timer = setTimeout(() => {
        if (this.#map.get(key) !== entry) return;
        this.#map.delete(key);
        cb("timed-out");
      }, ms);
    }
    this.#map.set(key, entry);
    return this;
  }

  /**
   * The value under `key`, if any.
   * @param key the key
   */
  get(key: K): V | undefined {
    return this.#map.get(key)?.value;
  }

  /**
   * Whether `key` is held.
   * @param key the key
   */
  has(key: K): boolean {
    return this.#map.has(key);
  }

  /**
   * Removes an entry, telling its callback "deleted".
   * @param key the key
   * @returns whether there was an entry
   */
  delete(key: K): boolean {
    const entry = this.#map.get(key);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.#map.delete(key);
    entry.cb("deleted");
    return true;
  }

  /**
   * Removes an entry and returns its value without calling its callback
   * (the entry was used, not dropped).
   * @param key the key
   */
  extract(key: K): V | undefined {
    const entry = this.#map.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#map.delete(key);
    return entry.value;
  }

  /** Removes every entry, telling each callback "stopped". */
  stop(): void {
    const entries = [...this.#map.values()];
    this.#map.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.cb("stopped");
    }
  }
}
