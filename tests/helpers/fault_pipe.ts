/**
 * One direction of a {@linkcode FaultProxy} link: reads from one socket and
 * writes to the other, with the faults asked of it (a cut or a hold at a
 * byte offset, a delay, split writes), always in order. Runtime-neutral
 * (`node:net` sockets).
 * @module
 */

import type net from "node:net";
import type { SeededRandom } from "./seeded_random.ts";

/** What a pipe reports when it reaches a mark in its queue. */
export type Mark =
  /** The cut offset was reached (bytes before it flushed; later ones dropped). */
  | "cut"
  /** The hold offset was reached (bytes before it flushed; later ones kept). */
  | "hold"
  /** The source ended (FIN): end the destination after the bytes before. */
  | "end"
  /** The source closed without ending (reset, error): everything flushed. */
  | "abort";

/** Bytes to write, or a mark, due at `at` (performance.now() time). */
interface Item {
  at: number;
  bytes?: Uint8Array;
  mark?: Mark;
}

/** Past this many queued bytes the source is paused (memory stays bounded). */
const HIGH_WATER = 64 * 1024;

/**
 * Forwards `from` to `to`. Bytes read and not yet written wait in one FIFO
 * queue, so a delay or a split never reorders them; marks (end, abort,
 * cut, hold) wait in the same queue, so they act after the bytes before them.
 * A held pipe (black hole) reads nothing and writes nothing, and passes on
 * no end or reset either.
 */
export class FaultPipe {
  /** Bytes read from the source and accepted for forwarding. */
  received = 0;
  /** Bytes written to the destination. */
  forwarded = 0;
  /** Write calls made on the destination (pieces, when split). */
  writes = 0;
  /** Milliseconds each chunk waits before it is forwarded. */
  delay = 0;
  /** 0: chunks are written whole; k: in pieces of 1..k bytes, one a turn. */
  split = 0;
  /** Black-holed: nothing moves. */
  #held = false;
  /** The cut offset has been reached: later bytes are dropped. */
  #stopped = false;
  /** Where the next mark goes (bytes of this direction), and which. */
  #markAt = Infinity;
  #mark: "cut" | "hold" = "cut";
  #closed = false;
  #queue: Item[] = [];
  #queuedBytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #awaitingDrain = false;
  /** Writes whose callback has not fired yet. */
  #unflushed = 0;
  #whenFlushed: (() => void) | null = null;
  readonly #from: net.Socket;
  readonly #to: net.Socket;
  readonly #random: SeededRandom;
  readonly #onMark: (mark: Mark) => void;

  /**
   * @param from the socket read
   * @param to the socket written
   * @param random draws the split sizes
   * @param onMark told of each mark once everything before it is flushed
   */
  constructor(
    from: net.Socket,
    to: net.Socket,
    random: SeededRandom,
    onMark: (mark: Mark) => void,
  ) {
    this.#from = from;
    this.#to = to;
    this.#random = random;
    this.#onMark = onMark;
  }

  /** Starts reading the source. */
  start(): void {
    let ended = false;
    this.#from.on("data", (chunk: Uint8Array) => this.#read(chunk));
    this.#from.on("end", () => {
      ended = true;
      this.#push({ at: this.#due(), mark: "end" });
    });
    this.#from.on("close", () => {
      if (!ended) this.#push({ at: this.#due(), mark: "abort" });
    });
    this.#flow();
  }

  /** Whether the pipe is black-holed. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Places a `cut` or `hold` mark at byte `offset` of this direction
   * (counted from the start of the link): the bytes before it are
   * forwarded and flushed, then the mark is reported. After a cut, later
   * bytes are dropped; after a hold they wait. An offset already passed
   * places it at once.
   */
  markAt(offset: number, mark: "cut" | "hold"): void {
    if (this.#stopped) return;
    this.#markAt = offset;
    this.#mark = mark;
    if (offset <= this.received) this.#placeMark();
    this.#flow();
  }

  /** Black-holes (true) or heals (false) this direction. */
  hold(held: boolean): void {
    this.#held = held;
    this.#flow();
    if (!held) this.#pump();
  }

  /** Drops everything queued and every timer: the link is gone. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#whenFlushed = null;
  }

  #read(chunk: Uint8Array): void {
    if (this.#stopped || this.#closed) return;
    const room = this.#markAt - this.received;
    if (chunk.length < room) {
      this.#enqueue(chunk);
    } else {
      this.#enqueue(chunk.subarray(0, room));
      this.#placeMark();
      if (!this.#stopped) this.#enqueue(chunk.subarray(room));
    }
    this.#flow();
  }

  #enqueue(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.received += bytes.length;
    this.#queuedBytes += bytes.length;
    this.#push({ at: this.#due(), bytes });
  }

  #placeMark(): void {
    this.#markAt = Infinity;
    if (this.#mark === "cut") this.#stopped = true;
    this.#push({ at: this.#due(), mark: this.#mark });
  }

  /** When an item queued now is due: never before the one queued before it. */
  #due(): number {
    const last = this.#queue[this.#queue.length - 1];
    const at = performance.now() + this.delay;
    return last && last.at > at ? last.at : at;
  }

  #push(item: Item): void {
    if (this.#closed) return;
    this.#queue.push(item);
    this.#pump();
  }

  /** Reads from the source only while it may forward and has room. */
  #flow(): void {
    if (this.#closed || this.#from.destroyed) return;
    const go = !this.#held && !this.#stopped && this.#queuedBytes < HIGH_WATER;
    if (go && this.#from.isPaused()) this.#from.resume();
    if (!go && !this.#from.isPaused()) this.#from.pause();
  }

  /** Writes what is due, in order; called again by timer, turn or drain. */
  #pump = (): void => {
    while (this.#queue.length > 0 && !this.#busy()) {
      const item = this.#queue[0];
      const wait = item.at - performance.now();
      if (wait > 0) {
        clearTimeout(this.#timer);
        this.#timer = setTimeout(this.#pump, wait);
        return;
      }
      if (item.mark) {
        this.#queue.shift();
        if (this.#unflushed > 0 && !this.#to.destroyed) {
          // Acts once the bytes before it are out; the pump waits till then.
          this.#whenFlushed = () => {
            this.#onMark(item.mark!);
            this.#pump();
          };
          return;
        }
        this.#onMark(item.mark);
        continue;
      }
      const piece = this.#take(item);
      this.#write(piece);
      if (this.split > 0) {
        // One piece per event-loop turn, so the reader sees them apart.
        this.#immediate = setImmediate(this.#nextTurn);
        return;
      }
    }
    this.#flow();
  };

  #nextTurn = (): void => {
    this.#immediate = undefined;
    this.#pump();
  };

  /** Whether the pump must wait: held, closed, or for a drain, turn or flush. */
  #busy(): boolean {
    return this.#held || this.#closed || this.#awaitingDrain ||
      this.#immediate !== undefined || this.#whenFlushed !== null;
  }

  /** The next piece of `item` to write (all of it unless split). */
  #take(item: Item): Uint8Array {
    const bytes = item.bytes!;
    const n = this.split > 0 ? this.#random.int(1, this.split) : bytes.length;
    if (n < bytes.length) {
      item.bytes = bytes.subarray(n);
      this.#queuedBytes -= n;
      return bytes.subarray(0, n);
    }
    this.#queue.shift();
    this.#queuedBytes -= bytes.length;
    return bytes;
  }

  #write(piece: Uint8Array): void {
    if (this.#to.destroyed) return; // the other pipe reports the close
    this.forwarded += piece.length;
    this.writes++;
    this.#unflushed++;
    const more = this.#to.write(piece, () => {
      if (--this.#unflushed === 0 && this.#whenFlushed) {
        const then = this.#whenFlushed;
        this.#whenFlushed = null;
        then();
      }
    });
    if (!more) {
      this.#awaitingDrain = true;
      this.#to.once("drain", () => {
        this.#awaitingDrain = false;
        this.#pump();
      });
    }
  }
}
