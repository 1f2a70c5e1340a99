/**
 * The write path: frames sent in one turn of the event loop go out in one
 * socket write, in order, with a bound on what may wait.
 * @module
 */

import { SockhopError } from "./errors.ts";
import { counting } from "./stats.ts";
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

/**
 * Default for `write_timeout`, in ms: how long queued bytes may make no
 * progress before the peer counts as a slow consumer and is dropped.
 */
export const DEFAULT_WRITE_TIMEOUT = 30000;

/**
 * Larger writes go to the connection in slices of this many bytes, so that
 * a peer reading a huge message slowly but steadily shows progress: a
 * write resolves only once all its bytes are taken.
 */
const WRITE_SLICE = 256 * 1024;

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
  /** UTF-8 bytes written so far. */
  bytesOut = 0;
  /** Frames written so far. */
  framesOut = 0;

  readonly #onBroken: (error: SockhopError) => void;
  readonly #timeout: number;
  /** The stall check: armed while bytes wait, re-armed lazily. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the waiting bytes last made progress (or began to wait). */
  #progressAt = 0;

  /**
   * @param conn where bytes go
   * @param limit characters that may wait before sends are refused
   * @param onBroken called once when a write fails or stalls: the
   *   connection is dead (`ERR_SOCKET_DESTROYED`) or a slow consumer
   *   (`ERR_WRITE_TIMEOUT`), and its owner should close it now, not when
   *   reading notices
   * @param timeout ms that waiting bytes may make no progress before the
   *   queue fails with `ERR_WRITE_TIMEOUT` (0: never)
   */
  constructor(
    conn: Conn,
    limit: number = DEFAULT_MAX_PENDING_BYTES,
    onBroken: (error: SockhopError) => void = () => conn.close(),
    timeout = 0,
  ) {
    this.#conn = conn;
    this.#limit = limit;
    this.#onBroken = onBroken;
    this.#timeout = timeout > 0 ? timeout : 0;
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
      if (this.#timeout > 0) {
        this.#progressAt = Date.now();
        // Left armed when the queue drains: it disarms itself on firing,
        // so a busy connection costs one timer per timeout, not per write.
        this.#timer ??= setTimeout(() => this.#check(), this.#timeout);
      }
      queueMicrotask(() => this.#flush());
    }
    return batch.promise;
  }

  /** Rejects everything waiting and refuses further sends. */
  fail(error: SockhopError): void {
    if (!this.#error) this.#error = error;
    for (const batch of this.#batches.splice(0)) batch.reject(error);
    this.#pending = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The stall check fired: fail if nothing moved for the whole timeout.
   * A first verdict is confirmed one turn later, so that writes which
   * completed while the event loop was busy elsewhere are counted first.
   */
  #check(confirming = false): void {
    this.#timer = undefined;
    if (this.#error || this.#batches.length === 0) return; // drained
    const still = Date.now() - this.#progressAt;
    if (still < this.#timeout) {
      this.#timer = setTimeout(() => this.#check(), this.#timeout - still);
      return;
    }
    if (!confirming) {
      this.#timer = setTimeout(() => this.#check(true), 0);
      return;
    }
    const error = new SockhopError(
      `Write timeout: ${this.#pending} bytes made no progress for ${this.#timeout} ms (write_timeout); the peer is not reading`,
      "ERR_WRITE_TIMEOUT",
    );
    this.fail(error);
    this.#onBroken(error);
  }

  /** Writes bytes, in slices when large, noting each slice's progress. */
  async #write(bytes: Uint8Array): Promise<void> {
    if (bytes.length <= WRITE_SLICE) {
      await this.#conn.write(bytes);
      return;
    }
    for (let at = 0; at < bytes.length && !this.#error; at += WRITE_SLICE) {
      await this.#conn.write(bytes.subarray(at, at + WRITE_SLICE));
      this.#progressAt = Date.now();
    }
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
      let bytes: number;
      try {
        if (scratch !== undefined) {
          bytes = encoder.encodeInto(text, scratch).written;
          await this.#conn.write(scratch.subarray(0, bytes));
        } else {
          const encoded = encoder.encode(text);
          bytes = encoded.length;
          await this.#write(encoded);
        }
      } catch {
        if (this.#error) break; // failed meanwhile (closed, timed out)
        const error = new SockhopError(
          "Unable to send() - socket has been destroyed",
          "ERR_SOCKET_DESTROYED",
        );
        this.fail(error);
        this.#onBroken(error);
        break;
      } finally {
        if (scratch !== undefined) scratchFree.push(scratch);
      }
      if (counting.on) {
        this.bytesOut += bytes;
        this.framesOut += batch.parts.length;
      }
      if (this.#batches[0] !== batch) break; // failed meanwhile
      if (this.#timeout > 0) this.#progressAt = Date.now();
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
