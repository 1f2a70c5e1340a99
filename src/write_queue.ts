/**
 * The write path: frames sent in one turn of the event loop go out in one
 * socket write, in order, with a bound on what may wait.
 * @module
 */

import { SockhopError } from "./errors.ts";
import type { Conn } from "./transport/types.ts";
import { quiet } from "./util.ts";

/**
 * Frames are grouped into writes of about this many characters: one
 * socket write per small message caps throughput far below what batching
 * many messages per write reaches.
 */
const BATCH_CHARS = 128 * 1024;

/**
 * Small writes are encoded into one of a few reusable buffers rather than a
 * fresh `Uint8Array` each: nearly all of `TextEncoder.encode`'s cost for a
 * small frame is allocating the new buffer, which `encodeInto` an existing
 * one avoids (and the GC sees one allocation less per frame). A buffer is
 * lent for one write and returned once that write settles; when all are
 * lent, or the text may not fit, `encode` is used instead. Shared by all
 * connections, so the memory is fixed: SCRATCH_COUNT × SCRATCH_BYTES.
 */
const SCRATCH_BYTES = 16 * 1024;
const SCRATCH_COUNT = 4;
const scratchFree: Uint8Array[] = [];
for (let i = 0; i < SCRATCH_COUNT; i++) {
  scratchFree.push(new Uint8Array(SCRATCH_BYTES));
}

/** Shared by every queue (it keeps no state). */
const encoder = new TextEncoder();

/** Default for `max_pending_bytes`: what may wait unwritten per connection. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

interface Batch {
  parts: string[];
  chars: number;
  writing: boolean;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Ordered, coalescing, bounded writer for one connection. */
export class WriteQueue {
  readonly #conn: Conn;
  readonly #limit: number;
  readonly #batches: Batch[] = [];
  #pending = 0;
  #flushing = false;
  #error: SockhopError | null = null;

  readonly #onBroken: () => void;

  /**
   * @param conn where bytes go
   * @param limit characters that may wait before sends are refused
   * @param onBroken called once when a write fails: the connection is dead
   *   and its owner should close it now, not when reading notices
   */
  constructor(
    conn: Conn,
    limit: number = DEFAULT_MAX_PENDING_BYTES,
    onBroken: () => void = () => conn.close(),
  ) {
    this.#conn = conn;
    this.#limit = limit;
    this.#onBroken = onBroken;
  }

  /** Characters queued and not yet written. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues frame text. Resolves once its bytes are written; rejects with
   * `ERR_SEND_QUEUE_FULL` when more than the limit is already waiting (a
   * peer that stopped reading), or `ERR_SOCKET_DESTROYED` if the connection
   * dies first.
   */
  push(text: string): Promise<void> {
    if (this.#error) return quiet(Promise.reject(this.#error));
    if (this.#pending > this.#limit) {
      return quiet(Promise.reject(
        new SockhopError(
          `Send queue full: ${this.#pending} bytes wait unwritten (max_pending_bytes ${this.#limit}); the peer is not reading`,
          "ERR_SEND_QUEUE_FULL",
        ),
      ));
    }
    let batch = this.#batches[this.#batches.length - 1];
    if (!batch || batch.writing || batch.chars >= BATCH_CHARS) {
      batch = newBatch();
      this.#batches.push(batch);
    }
    batch.parts.push(text);
    batch.chars += text.length;
    this.#pending += text.length;
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => this.#flush());
    }
    return batch.promise;
  }

  /** Rejects everything waiting and refuses further sends. */
  fail(error: SockhopError): void {
    if (!this.#error) this.#error = error;
    for (const batch of this.#batches.splice(0)) batch.reject(error);
    this.#pending = 0;
  }

  async #flush(): Promise<void> {
    while (this.#batches.length > 0 && !this.#error) {
      const batch = this.#batches[0];
      batch.writing = true;
      const text = batch.parts.length === 1
        ? batch.parts[0]
        : batch.parts.join("");
      // A UTF-16 code unit needs at most 3 UTF-8 bytes.
      const scratch = text.length * 3 <= SCRATCH_BYTES
        ? scratchFree.pop()
        : undefined;
      try {
        if (scratch !== undefined) {
          const { written } = encoder.encodeInto(text, scratch);
          await this.#conn.write(scratch.subarray(0, written));
        } else {
          await this.#conn.write(encoder.encode(text));
        }
      } catch {
        this.fail(
          new SockhopError(
            "Unable to send() - socket has been destroyed",
            "ERR_SOCKET_DESTROYED",
          ),
        );
        this.#onBroken();
        break;
      } finally {
        if (scratch !== undefined) scratchFree.push(scratch);
      }
      if (this.#batches[0] !== batch) break; // failed meanwhile
      this.#batches.shift();
      this.#pending -= batch.chars;
      batch.resolve();
    }
    this.#flushing = false;
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = quiet(
    new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    }),
  );
  return { parts: [], chars: 0, writing: false, promise, resolve, reject };
}
