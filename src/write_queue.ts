/**
 * The write path: a frame sent while nothing is being written goes out at
 * once; frames sent while a write is in flight wait and go out together in
 * the next write, in order, with a bound on what may wait.
 * @module
 */

import { SockhopError } from "./errors.ts";
import { counting } from "./stats.ts";
import type { Conn } from "./transport/types.ts";
import type { Frame } from "./wire/tx_codec.ts";
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

/** Shared by every queue (it keeps no state). */
const encoder = new TextEncoder();

/** Default for `max_pending_bytes`: what may wait unwritten per connection. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

/**
 * Default for `write_timeout`, in ms: how long queued bytes may make no
 * progress before the peer counts as a slow consumer and is dropped.
 */
export const DEFAULT_WRITE_TIMEOUT = 30000;

/** How long `idle()` waits for a write that makes no progress. */
const IDLE_STALL_MS = 1000;

/**
 * Larger writes go to the connection in slices of this many bytes, so that
 * a peer reading a huge message slowly but steadily shows progress: a
 * write resolves only once all its bytes are taken.
 */
const WRITE_SLICE = 256 * 1024;

interface Batch {
  /** Frames: text, or binary frames (2.x binary mode). */
  parts: Frame[];
  /** Nothing more joins this batch (it ends with a barrier). */
  sealed?: boolean;
  /** Whether any of its frames is binary. */
  binary?: boolean;
  /** ms to wait after writing it (see `pushBarrier`). */
  pause?: number;
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
  /** What the write in flight counts toward `bytesOut` and `framesOut`. */
  #busyBytes = 0;
  #busyFrames = 0;
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
  /** ms to wait after the write in flight before the next (a barrier's). */
  #pauseAfter = 0;
  /** Waiting for `idle()`: called when nothing is queued or in flight. */
  #idleWaiters: (() => void)[] = [];
  /** Settles the write in flight (bound once: no closure per write). */
  readonly #settled = (err?: unknown): void => this.#done(err);

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
  push(text: Frame): Promise<void> {
    const refused = this.refusal();
    if (refused) return quiet(Promise.reject(refused));
    const length = frameLength(text);
    this.#pending += length;
    if (!this.#busy) {
      const p = new Promise<void>((resolve, reject) => {
        this.#busyResolve = resolve;
        this.#busyReject = reject;
      });
      p.catch(noop);
      this.#write(text, length, 1);
      return p;
    }
    let batch = this.#batches[this.#batches.length - 1];
    if (!batch || batch.chars >= BATCH_CHARS || batch.sealed) {
      batch = newBatch();
      this.#batches.push(batch);
    }
    batch.parts.push(text);
    if (typeof text !== "string") batch.binary = true;
    batch.chars += length;
    return batch.promise;
  }

  /**
   * Queues a frame that must travel in a write of its own, and holds what
   * is pushed after it until `pause` ms after it was written: a Sockhop
   * 2.x peer switches its parser per read, so what follows the binary-mode
   * transition must not arrive in the same read.
   * @param text the frame
   * @param pause ms to wait after it is written
   */
  pushBarrier(text: string, pause: number): Promise<void> {
    const last = this.#batches[this.#batches.length - 1];
    if (last) last.sealed = true;
    const wasBusy = this.#busy;
    const written = this.push(text);
    if (!wasBusy) {
      this.#pauseAfter = pause; // it is the write in flight now
      return written;
    }
    const batch = this.#batches[this.#batches.length - 1];
    if (batch !== last) {
      batch.sealed = true;
      batch.pause = pause;
    }
    return written;
  }

  /**
   * Why `push` would refuse a frame now (the queue failed, or is full), or
   * undefined: lets a sender know before it pushes.
   */
  refusal(): SockhopError | undefined {
    if (this.#error) return this.#error;
    if (this.#pending > this.#limit) {
      return new SockhopError(
        `Send queue full: ${this.#pending} bytes wait unwritten (max_pending_bytes ${this.#limit}); the peer is not reading`,
        "ERR_SEND_QUEUE_FULL",
      );
    }
    return undefined;
  }

  /**
   * Resolves once everything queued is written, the queue has failed, or
   * nothing has been written for a second (or the write timeout, if
   * shorter): a graceful close waits for a peer that reads, not for one
   * that stopped.
   */
  idle(): Promise<void> {
    if (!this.#busy || this.#error) return Promise.resolve();
    const stallMs = this.#timeout > 0
      ? Math.min(this.#timeout, IDLE_STALL_MS)
      : IDLE_STALL_MS;
    return new Promise((resolve) => {
      let pending = -1;
      let progressAt = -1;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const check = () => {
        if (this.#pending === pending && this.#progressAt === progressAt) {
          return done();
        }
        pending = this.#pending;
        progressAt = this.#progressAt;
        timer = setTimeout(check, stallMs);
      };
      check();
      this.#idleWaiters.push(done);
    });
  }

  #wakeIdle(): void {
    for (const wake of this.#idleWaiters.splice(0)) wake();
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
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wakeIdle();
  }

  /**
   * The stall check fired: fail if nothing moved for the whole timeout.
   * A first verdict is confirmed one turn later, so that writes which
   * completed while the event loop was busy elsewhere are counted first.
   */
  #check(confirming = false): void {
    this.#timer = undefined;
    if (this.#error || !this.#busy) return; // drained
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

  /** Writes large bytes in slices, noting each slice's progress. */
  async #writeSliced(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length && !this.#error; at += WRITE_SLICE) {
      await this.#conn.write(bytes.subarray(at, at + WRITE_SLICE));
      this.#progressAt = Date.now();
    }
  }

  /** Starts the one write in flight; `#done` follows when it settles. */
  #write(text: Frame, chars: number, frames: number): void {
    if (!this.#busy && this.#timeout > 0) {
      this.#progressAt = Date.now();
      // Left armed when the queue drains: it disarms itself on firing,
      // so a busy connection costs one timer per timeout, not per write.
      this.#timer ??= setTimeout(() => this.#check(), this.#timeout);
    }
    this.#busy = true;
    this.#busyChars = chars;
    this.#busyFrames = frames;
    const conn = this.#conn;
    if (typeof text !== "string") {
      this.#busyBytes = chars;
      const written = Array.isArray(text)
        ? this.#writePieces(text)
        : this.#writeBytes(text);
      written.then(this.#wrote, this.#writeFailed);
      return;
    }
    // Large text goes the sliced way, so that slow progress is seen.
    if (conn.writeText !== undefined && text.length <= WRITE_SLICE) {
      // The runtime encodes, and counts what it will write.
      this.#busyBytes = conn.writeText(text, this.#settled);
      return;
    }
    // A UTF-16 code unit needs at most 3 UTF-8 bytes.
    const scratch = text.length * 3 <= SCRATCH_BYTES
      ? scratchFree.pop()
      : undefined;
    this.#busyScratch = scratch;
    let written: Promise<void>;
    try {
      if (scratch === undefined) {
        const bytes = encoder.encode(text);
        this.#busyBytes = bytes.length;
        written = this.#writeBytes(bytes);
      } else {
        const { written: n } = encoder.encodeInto(text, scratch);
        this.#busyBytes = n;
        written = conn.write(scratch.subarray(0, n));
      }
    } catch (e) {
      written = Promise.reject(e);
    }
    written.then(this.#wrote, this.#writeFailed);
  }

  /** Byte pieces of one write, in order (see `joined`). */
  async #writePieces(pieces: Uint8Array[]): Promise<void> {
    for (const piece of pieces) {
      if (this.#error) return;
      await this.#writeBytes(piece);
    }
  }

  #writeBytes(bytes: Uint8Array): Promise<void> {
    return bytes.length <= WRITE_SLICE
      ? this.#conn.write(bytes)
      : this.#writeSliced(bytes);
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
      const error = new SockhopError(
        "Unable to send() - socket has been destroyed",
        "ERR_SOCKET_DESTROYED",
      );
      this.fail(error);
      this.#busy = false;
      this.#onBroken(error);
      return;
    }
    if (this.#timeout > 0) this.#progressAt = Date.now();
    const resolve = this.#busyResolve;
    this.#busyResolve = noop;
    this.#busyReject = noop;
    if (!this.#error) this.#pending -= this.#busyChars;
    if (counting.on) {
      this.bytesOut += this.#busyBytes;
      this.framesOut += this.#busyFrames;
    }
    resolve();
    const pause = this.#pauseAfter;
    if (pause > 0 && !this.#error) {
      // Still busy while paused: what is pushed meanwhile waits.
      this.#pauseAfter = this.#busyChars = this.#busyBytes = 0;
      this.#busyFrames = 0;
      setTimeout(() => this.#next(), pause);
      return;
    }
    this.#next();
  }

  /** Writes the next batch, if any. */
  #next(): void {
    const next = this.#error ? undefined : this.#batches.shift();
    if (next === undefined) {
      this.#busy = false;
      this.#wakeIdle();
      return;
    }
    this.#busyResolve = next.resolve;
    this.#busyReject = next.reject;
    this.#pauseAfter = next.pause ?? 0;
    const { parts } = next;
    let frame: Frame;
    if (parts.length === 1) frame = parts[0];
    else if (!next.binary) frame = parts.join("");
    else {
      const pieces = joined(parts);
      frame = pieces.length === 1 ? pieces[0] : pieces;
    }
    this.#write(frame, next.chars, parts.length);
  }
}

/** A frame's length: characters of text, bytes of a binary frame. */
function frameLength(frame: Frame): number {
  if (!Array.isArray(frame)) return frame.length;
  let n = 0;
  for (const piece of frame) n += piece.length;
  return n;
}

/** Pieces smaller than this on average are joined into one write. */
const JOIN_BELOW = 8 * 1024;

/**
 * Frames, some binary, as the byte pieces of one write: neighbouring small
 * pieces joined into one array (or one view, when they lie back to back), large ones (a big buffer's own bytes, see
 * `encodeBinaryFrameParts`) left as they are, so that they are never
 * copied.
 */
function joined(parts: Frame[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const flush = () => {
    if (run.length === 1 || runBytes >= JOIN_BELOW * run.length) {
      // One piece, or few large ones: written as they are.
      for (const piece of run) out.push(piece);
    } else if (run.length > 1) {
      const bytes = new Uint8Array(runBytes);
      let at = 0;
      for (const piece of run) {
        bytes.set(piece, at);
        at += piece.length;
      }
      out.push(bytes);
    }
    run = [];
    runBytes = 0;
  };
  for (const part of parts) {
    const pieces = typeof part === "string"
      ? [encoder.encode(part)]
      : Array.isArray(part)
      ? part
      : [part];
    for (const piece of pieces) {
      if (piece.length >= WRITE_SLICE) {
        flush();
        out.push(piece);
      } else {
        const last = run[run.length - 1];
        if (
          last !== undefined && last.buffer === piece.buffer &&
          last.byteOffset + last.length === piece.byteOffset
        ) {
          // Adjacent in memory (frames encoded back to back): one view.
          run[run.length - 1] = new Uint8Array(
            last.buffer,
            last.byteOffset,
            last.length + piece.length,
          );
        } else {
          run.push(piece);
        }
        runBytes += piece.length;
      }
    }
  }
  flush();
  return out;
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
