/**
 * The write path: a frame sent while nothing is being written goes out at
 * once; frames sent while a write is in flight wait and go out together in
 * the next write, in order, with a bound on what may wait.
 * @module
 */

import { SockhopError } from "./errors.ts";
import type { Conn } from "./transport/types.ts";
import { noop, quiet } from "./util.ts";

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
 * connections, so the memory is fixed: SCRATCH_COUNT × SCRATCH_BYTES. Not
 * used when the connection takes text itself (`Conn.writeText`).
 */
const SCRATCH_BYTES = 16 * 1024;
const SCRATCH_COUNT = 4;
const scratchFree: Uint8Array[] = [];
for (let i = 0; i < SCRATCH_COUNT; i++) {
  scratchFree.push(new Uint8Array(SCRATCH_BYTES));
}

/** Default for `max_pending_bytes`: what may wait unwritten per connection. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

interface Batch {
  parts: string[];
  chars: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Ordered, coalescing, bounded writer for one connection. At most one write
 * is in flight. A frame pushed while none is goes straight to the
 * connection, without waiting for a microtask and without a batch: that is
 * the whole write path of a request/response round trip. Frames pushed
 * while one is in flight are joined and written, in order, when it settles.
 */
export class WriteQueue {
  readonly #conn: Conn;
  readonly #limit: number;
  readonly #encoder = new TextEncoder();
  /** Frames waiting for the write in flight to settle, in order. */
  readonly #batches: Batch[] = [];
  #pending = 0;
  /** The write in flight: its characters, and how to settle its promise. */
  #busy = false;
  #busyChars = 0;
  /** The shared buffer lent to the write in flight, if any. */
  #busyScratch: Uint8Array | undefined;
  #busyResolve: () => void = noop;
  #busyReject: (e: Error) => void = noop;
  #error: SockhopError | null = null;
  readonly #onBroken: () => void;
  /** Settles the write in flight (bound once: no closure per write). */
  readonly #settled = (err?: unknown): void => this.#done(err);

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
    this.#pending += text.length;
    if (!this.#busy) {
      const p = new Promise<void>((resolve, reject) => {
        this.#busyResolve = resolve;
        this.#busyReject = reject;
      });
      p.catch(noop);
      this.#write(text, text.length);
      return p;
    }
    let batch = this.#batches[this.#batches.length - 1];
    if (!batch || batch.chars >= BATCH_CHARS) {
      batch = newBatch();
      this.#batches.push(batch);
    }
    batch.parts.push(text);
    batch.chars += text.length;
    return batch.promise;
  }

  /** Rejects everything waiting and refuses further sends. */
  fail(error: SockhopError): void {
    if (!this.#error) this.#error = error;
    if (this.#busy) {
      this.#busyReject(error);
      this.#busyResolve = noop;
      this.#busyReject = noop;
    }
    for (const batch of this.#batches.splice(0)) batch.reject(error);
    this.#pending = 0;
  }

  /** Starts the one write in flight; `#done` follows when it settles. */
  #write(text: string, chars: number): void {
    this.#busy = true;
    this.#busyChars = chars;
    const conn = this.#conn;
    if (conn.writeText !== undefined) {
      conn.writeText(text, this.#settled);
      return;
    }
    // A UTF-16 code unit needs at most 3 UTF-8 bytes.
    const scratch = text.length * 3 <= SCRATCH_BYTES
      ? scratchFree.pop()
      : undefined;
    this.#busyScratch = scratch;
    let written: Promise<void>;
    try {
      written = scratch === undefined
        ? conn.write(this.#encoder.encode(text))
        : conn.write(
          scratch.subarray(0, this.#encoder.encodeInto(text, scratch).written),
        );
    } catch (e) {
      written = Promise.reject(e);
    }
    written.then(this.#wrote, this.#writeFailed);
  }

  /** A `write` settled; its lent buffer goes back either way. */
  readonly #wrote = (): void => {
    this.#returnScratch();
    this.#done();
  };
  readonly #writeFailed = (e: unknown): void => {
    this.#returnScratch();
    this.#done(e ?? new Error("write failed"));
  };

  #returnScratch(): void {
    const scratch = this.#busyScratch;
    if (scratch !== undefined) {
      this.#busyScratch = undefined;
      scratchFree.push(scratch);
    }
  }

  /** The write in flight settled: resolves it and starts the next one. */
  #done(err?: unknown): void {
    if (err !== undefined && err !== null) {
      if (this.#error) { // failed meanwhile: already rejected
        this.#busy = false;
        return;
      }
      this.fail(
        new SockhopError(
          "Unable to send() - socket has been destroyed",
          "ERR_SOCKET_DESTROYED",
        ),
      );
      this.#busy = false;
      this.#onBroken();
      return;
    }
    const resolve = this.#busyResolve;
    this.#busyResolve = noop;
    this.#busyReject = noop;
    if (!this.#error) this.#pending -= this.#busyChars;
    resolve();
    const next = this.#error ? undefined : this.#batches.shift();
    if (next === undefined) {
      this.#busy = false;
      return;
    }
    this.#busyResolve = next.resolve;
    this.#busyReject = next.reject;
    this.#write(
      next.parts.length === 1 ? next.parts[0] : next.parts.join(""),
      next.chars,
    );
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
  return { parts: [], chars: 0, promise, resolve, reject };
}
