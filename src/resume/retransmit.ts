/**
 * What a resumable link has sent and the peer has not yet acknowledged:
 * DATA records in stream order, trimmed by cumulative acknowledgements and
 * resent, from the peer's count, after a reconnection. Pure code.
 * @module
 */

import { DATA_HEADER, dataRecord } from "./records.ts";

/** One promise waiting for stream bytes up to `until` to be acknowledged. */
interface Waiter {
  until: number;
  promise?: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** The unacknowledged records of one direction, and who waits on them. */
export class RetransmitBuffer {
  /** Records kept, oldest first, from index `#head`. */
  #records: Uint8Array[] = [];
  #head = 0;
  /** Stream offset where the oldest kept record's payload starts. */
  #base = 0;
  /** Stream bytes sent so far (the offset after the newest record). */
  sent = 0;
  /** Stream bytes the peer has acknowledged. */
  acked = 0;
  /** Payload bytes sent and not acknowledged. */
  get unacked(): number {
    return this.sent - this.acked;
  }
  #waiters: Waiter[] = [];
  /** Why waiting is over for good (the session ended). */
  #failed: Error | undefined;
  #waiterHead = 0;

  /** Keeps a DATA record; returns the stream offset after it. */
  push(record: Uint8Array): number {
    this.#records.push(record);
    const length = record.length - DATA_HEADER;
    this.sent += length;
    return this.sent;
  }

  /**
   * The peer has received `received` stream bytes: records wholly covered
   * are dropped and their waiters resolved. Returns false for a count the
   * peer cannot have (more than was sent): a broken or lying peer.
   */
  ack(received: number): boolean {
    if (received > this.sent) return false;
    if (received <= this.acked) return true;
    this.acked = received;
    const records = this.#records;
    while (this.#head < records.length) {
      const length = records[this.#head].length - DATA_HEADER;
      if (this.#base + length > received) break;
      this.#base += length;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > records.length) {
      this.#records = records.slice(this.#head);
      this.#head = 0;
    }
    const waiters = this.#waiters;
    while (
      this.#waiterHead < waiters.length &&
      waiters[this.#waiterHead].until <= received
    ) {
      waiters[this.#waiterHead++].resolve();
    }
    if (this.#waiterHead === waiters.length) {
      this.#waiters = [];
      this.#waiterHead = 0;
    }
    return true;
  }

  /**
   * The records the peer lacks, having received `received` bytes (the
   * first cut to what it lacks of it); undefined when it claims bytes
   * never sent or already forgotten (they cannot be resent: the session
   * cannot go on).
   */
  from(received: number): Uint8Array[] | undefined {
    if (received > this.sent || received < this.#base) return undefined;
    if (!this.ack(received)) return undefined;
    const missing = this.#records.slice(this.#head);
    const skip = received - this.#base;
    if (skip > 0 && missing.length > 0) {
      missing[0] = dataRecord(missing[0].subarray(DATA_HEADER + skip));
    }
    return missing;
  }

  /**
   * Resolves once stream bytes up to `until` are acknowledged (sends
   * written together share one promise).
   */
  acknowledged(until: number): Promise<void> {
    if (until <= this.acked) return Promise.resolve();
    if (this.#failed) return Promise.reject(this.#failed);
    const last = this.#waiters[this.#waiters.length - 1];
    if (last?.until === until && last.promise) return last.promise;
    const waiter = { until } as Waiter;
    waiter.promise = new Promise<void>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    this.#waiters.push(waiter);
    return waiter.promise;
  }

  /** Rejects every waiter with `error` and forgets every record. */
  fail(error: Error): void {
    const waiters = this.#waiters;
    for (let i = this.#waiterHead; i < waiters.length; i++) {
      waiters[i].reject(error);
    }
    this.#waiters = [];
    this.#waiterHead = 0;
    this.#records = [];
    this.#head = 0;
    this.#failed = error;
  }
}
