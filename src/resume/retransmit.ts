/**
 * What a resumable link has sent and the peer has not yet acknowledged:
 * DATA records in stream order, trimmed by cumulative acknowledgements and
 * resent, from the peer's count, after a reconnection. Pure code.
 * @module
 */

import { DATA_HEADER } from "./records.ts";

/** One promise waiting for stream bytes up to `until` to be acknowledged. */
interface Waiter {
  until: number;
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
  /** Payload bytes kept (sent, not acknowledged). */
  unacked = 0;
  #waiters: Waiter[] = [];
  #waiterHead = 0;

  /** Keeps a DATA record; returns the stream offset after it. */
  push(record: Uint8Array): number {
    this.#records.push(record);
    const length = record.length - DATA_HEADER;
    this.sent += length;
    this.unacked += length;
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
      this.unacked -= length;
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
   * The records the peer lacks, having received `received` bytes; undefined
   * when it claims bytes never sent or already forgotten (they cannot be
   * resent: the session cannot go on).
   */
  from(received: number): Uint8Array[] | undefined {
    if (received > this.sent || received < this.#base) return undefined;
    if (!this.ack(received)) return undefined;
    return this.#records.slice(this.#head);
  }

  /** Resolves once stream bytes up to `until` are acknowledged. */
  acknowledged(until: number): Promise<void> {
    if (until <= this.acked) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ until, resolve, reject });
    });
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
    this.unacked = 0;
  }
}
