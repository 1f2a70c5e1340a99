/**
 * Reads one physical connection for a resumable link, whichever way its
 * runtime delivers bytes (pushed chunks or a read loop), handing each
 * chunk to whoever reads it now: the hello exchange first, then the
 * records, or a plain channel. Pausable, for the channel's flow control.
 * @module
 */

import type { Conn } from "../transport/types.ts";

/** A connection's reader whose consumer can change between chunks. */
export class Pump {
  readonly conn: Conn;
  /** Gets each chunk (valid only during the call). */
  onChunk: (chunk: Uint8Array) => void = () => {};
  /** The stream is over. */
  onEnd: (error?: Error) => void = () => {};
  #handle: { pause(): void; resume(): void } | undefined;
  #paused = false;
  #wake: (() => void) | undefined;
  #over = false;
  /** Set once the stream is over (with what ended it). */
  ended: { error?: Error } | undefined;

  /** @param conn the connection to read (from now on, only through this) */
  constructor(conn: Conn) {
    this.conn = conn;
    if (conn.receive) {
      this.#handle = conn.receive({
        chunk: (c) => this.onChunk(c),
        end: (e) => this.#end(e),
      });
    } else {
      this.#loop();
    }
  }

  async #loop(): Promise<void> {
    let error: Error | undefined;
    try {
      for await (const chunk of this.conn.readable) {
        this.onChunk(chunk);
        while (this.#paused && !this.#over) {
          await new Promise<void>((r) => (this.#wake = r));
        }
        if (this.#over) break;
      }
    } catch (e) {
      error = e as Error;
    }
    this.#end(error);
  }

  #end(error?: Error): void {
    this.#over = true;
    this.ended = { error };
    const end = this.onEnd;
    this.onEnd = () => {};
    this.onChunk = () => {};
    end(error);
  }

  /** Stops handing out chunks (flow control). */
  pause(): void {
    this.#paused = true;
    this.#handle?.pause();
  }

  /** Hands out chunks again. */
  resume(): void {
    this.#paused = false;
    this.#handle?.resume();
    this.#wake?.();
    this.#wake = undefined;
  }

  /** Closes the connection; no chunk or end is handed out after this. */
  stop(): void {
    this.onChunk = () => {};
    this.onEnd = () => {};
    this.#over = true;
    this.#wake?.();
    this.conn.close();
  }
}

/**
 * Collects bytes up to a terminator: a line of text and what came after
 * it. Bounded: more than `max` bytes without a terminator is refused.
 */
export class LineTaker {
  readonly #term: Uint8Array;
  readonly #max: number;
  /** Everything taken so far (copied). */
  bytes: Uint8Array = new Uint8Array(0);
  #searched = 0;
  #lineStart = 0;

  /**
   * @param terminator the line terminator
   * @param max the longest line accepted
   */
  constructor(terminator: string, max: number) {
    this.#term = new TextEncoder().encode(terminator);
    this.#max = max;
  }

  /** Keeps a chunk's bytes. */
  add(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.bytes.length + chunk.length);
    joined.set(this.bytes);
    joined.set(chunk, this.bytes.length);
    this.bytes = joined;
  }

  /**
   * The next whole line, or undefined (none yet), or null (too long).
   * After a line, `rest()` is what follows it.
   */
  next(): string | undefined | null {
    const term = this.#term;
    const bytes = this.bytes;
    for (let i = this.#searched; i + term.length <= bytes.length; i++) {
      let hit = true;
      for (let j = 0; j < term.length; j++) {
        if (bytes[i + j] !== term[j]) {
          hit = false;
          break;
        }
      }
      if (!hit) continue;
      const line = new TextDecoder().decode(bytes.subarray(this.#lineStart, i));
      this.#lineStart = this.#searched = i + term.length;
      return line;
    }
    this.#searched = Math.max(this.#lineStart, bytes.length - term.length + 1);
    return bytes.length - this.#lineStart > this.#max ? null : undefined;
  }

  /** The bytes after the last line returned. */
  rest(): Uint8Array {
    return this.bytes.subarray(this.#lineStart);
  }
}
