/**
 * A map whose entries expire.
 * @module
 */

/**
 * Why an entry left a {@linkcode TimedMap}; "invalid" is given by
 * {@linkcode TimedMap.prototype.drop} (a refused remote-callback answer).
 */
export type TimedMapReason =
  | "timed-out"
  | "deleted"
  | "overwritten"
  | "stopped"
  | "invalid";

/** Told why an entry left the map. */
export type TimedMapCallback = (reason: TimedMapReason) => void;

interface Entry<V> {
  value: V;
  /** When the entry expires (`performance.now()` time); Infinity: never. */
  deadline: number;
  cb: TimedMapCallback;
}

/** Node's and Deno's timer handles both have these; a bare number not. */
interface RefTimer {
  ref?(): void;
  unref?(): void;
}

/**
 * An entry counts as expired when its deadline is this close (ms): a timer
 * may fire a fraction of a millisecond before the clock we compare with
 * shows its deadline, and re-arming for that sliver would cost a whole
 * extra millisecond of lateness.
 */
const EARLY_MS = 1;

/**
 * After the timer fires it is re-armed no sooner than this (ms), so that
 * many pending entries with staggered deadlines cost one scan per 10 ms,
 * not one per entry. An entry may therefore expire up to this much late.
 */
const MIN_REARM_MS = 10;

/** The Map of every TimedMap that never held an entry: never written to. */
const NO_ENTRIES: Map<unknown, unknown> = new Map();

/**
 * A `Map` whose entries remove themselves after a timeout, telling their
 * callback why they left. Sockhop keeps pending remote callbacks and
 * response streams in these so that nothing unanswered lives forever.
 *
 * Expiry is checked by one timer per map: an entry leaves within about
 * 10 ms after its timeout (a per-entry timer was within about 1 ms). An
 * empty map keeps no process alive.
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
  /**
   * The entries. An empty map shares one empty Map (its table takes some
   * 180 bytes, and a server keeps two maps per connection, mostly empty);
   * the first `set` gives the map its own.
   */
  #map = NO_ENTRIES as Map<K, Entry<V>>;
  readonly #timeout: number | null;
  /**
   * One timer per map, armed for the earliest deadline it knows of, instead
   * of a setTimeout/clearTimeout per entry. Removing an entry leaves the
   * timer alone (expiry is checked when it fires), and while the map is
   * empty the timer is unref'd so that it keeps no process alive, as a
   * cleared per-entry timer would not. Arming and clearing a timer per
   * entry was a visible share of the CPU of each request round trip.
   */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline `#timer` is armed for. */
  #timerAt = Infinity;
  #timerRef = true;
  readonly #keepAlive: boolean;

  /**
   * Makes an empty map.
   * @param opts.timeout default lifetime of an entry in ms (default 30000;
   *   `null` or 0: entries never expire)
   * @param opts.keep_alive whether waiting entries keep the process alive
   *   until they expire (default `true`). With `false` the timer never does:
   *   for a map whose owner holds something that does (Sockhop's
   *   connections), which saves re-referencing the timer each time the map
   *   fills and empties.
   */
  constructor(
    { timeout = 30000, keep_alive = true }: {
      timeout?: number | null;
      keep_alive?: boolean;
    } = {},
  ) {
    this.#timeout = timeout;
    this.#keepAlive = keep_alive;
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
      this.#map.delete(key);
      old.cb("overwritten");
    }
    const ms = timeout === null ? null : (timeout || this.#timeout);
    const deadline = ms ? performance.now() + ms : Infinity;
    if (this.#map === NO_ENTRIES) this.#map = new Map<K, Entry<V>>();
    this.#map.set(key, { value, deadline, cb });
    if (deadline < this.#timerAt) this.#arm(deadline);
    else if (!this.#timerRef) this.#ref(true);
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
    return this.drop(key, "deleted");
  }

  /**
   * Removes an entry, telling its callback `reason` (a connection drops a
   * remote callback whose answer was refused with "invalid").
   * @param key the key
   * @param reason why it left
   * @returns whether there was an entry
   */
  drop(key: K, reason: TimedMapReason): boolean {
    const entry = this.#map.get(key);
    if (!entry) return false;
    this.#map.delete(key);
    if (this.#map.size === 0) this.#ref(false);
    entry.cb(reason);
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
    this.#map.delete(key);
    if (this.#map.size === 0) this.#ref(false);
    return entry.value;
  }

  /** Removes every entry, telling each callback "stopped". */
  stop(): void {
    const entries = [...this.#map.values()];
    this.#map.clear();
    this.#disarm();
    for (const entry of entries) entry.cb("stopped");
  }

  /** Arms the map's timer for `deadline`, replacing any armed one. */
  #arm(deadline: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = deadline;
    this.#timerRef = true;
    this.#timer = setTimeout(
      () => this.#expire(),
      Math.max(0, deadline - performance.now()),
    );
    if (!this.#keepAlive) this.#ref(false);
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#timerRef = true;
  }

  /** Lets the armed timer keep the process alive, or not. */
  #ref(on: boolean): void {
    if (on === this.#timerRef || (on && !this.#keepAlive)) return;
    this.#timerRef = on;
    const timer = this.#timer as unknown as RefTimer | undefined;
    if (on) timer?.ref?.();
    else timer?.unref?.();
  }

  /** The timer fired: expires what is due, in deadline order, and re-arms. */
  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#timerRef = true;
    const due = performance.now() + EARLY_MS;
    const expired: [K, Entry<V>][] = [];
    for (const item of this.#map) {
      if (item[1].deadline <= due) expired.push(item);
    }
    expired.sort((a, b) => a[1].deadline - b[1].deadline);
    try {
      for (const [key, entry] of expired) {
        // A callback may have removed or replaced a later entry meanwhile.
        if (this.#map.get(key) !== entry) continue;
        this.#map.delete(key);
        entry.cb("timed-out");
      }
    } finally {
      // Re-armed even if a callback threw, so nothing is left to live on.
      let next = Infinity;
      for (const entry of this.#map.values()) {
        if (entry.deadline < next) next = entry.deadline;
      }
      next = Math.max(next, performance.now() + MIN_REARM_MS);
      if (next < this.#timerAt) this.#arm(next);
    }
  }
}
