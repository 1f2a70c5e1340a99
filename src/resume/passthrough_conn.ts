/**
 * A connection that turned out not to resume (a plain client of a server
 * with `resume` on, or a server that does not resume): the bytes already
 * read come first, then the rest, so its channel sees the whole stream.
 * @module
 */

import type { Addr, ChunkSink, Conn } from "../transport/types.ts";
import type { Pump } from "./pump.ts";

/** A physical connection read through a {@linkcode Pump}, with a prefix. */
export class PassthroughConn implements Conn {
  readonly #pump: Pump;
  #prefix: Uint8Array | undefined;

  /**
   * @param pump the connection's reader
   * @param prefix bytes read before the hand-over
   */
  constructor(pump: Pump, prefix: Uint8Array) {
    this.#pump = pump;
    this.#prefix = prefix.length > 0 ? prefix : undefined;
  }

  get localAddr(): Addr {
    return this.#pump.conn.localAddr;
  }

  get remoteAddr(): Addr {
    return this.#pump.conn.remoteAddr;
  }

  get peerCertificate(): Conn["peerCertificate"] {
    return this.#pump.conn.peerCertificate;
  }

  get readable(): AsyncIterable<Uint8Array> {
    throw new Error("read through receive()");
  }

  receive(sink: ChunkSink): { pause(): void; resume(): void } {
    const pump = this.#pump;
    const prefix = this.#prefix;
    this.#prefix = undefined;
    pump.onChunk = (c) => sink.chunk(c);
    pump.onEnd = (e) => sink.end(e);
    const ended = pump.ended;
    queueMicrotask(() => {
      if (prefix) sink.chunk(prefix);
      if (ended) sink.end(ended.error);
    });
    return pump;
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.#pump.conn.write(bytes);
  }

  get writeText(): Conn["writeText"] {
    const conn = this.#pump.conn;
    return conn.writeText ? (t, done) => conn.writeText!(t, done) : undefined;
  }

  close(): void {
    this.#pump.conn.close();
  }

  setNoDelay(noDelay: boolean): void {
    this.#pump.conn.setNoDelay?.(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelay: number): void {
    this.#pump.conn.setKeepAlive?.(enable, initialDelay);
  }
}
