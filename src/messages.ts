/**
 * Received values as an async iterable, for `client.messages()` and
 * `server.messages()`. A bounded buffer: when the loop falls behind,
 * reading from the peers pauses instead of memory growing.
 * @module
 */

import type { EventEmitter } from "node:events";
import { AsyncQueue } from "./async_queue.ts";
import type { ReadPause } from "./read_pause.ts";

/** Options of `messages()`. */
export interface MessagesOptions {
  /**
   * How many received values may wait for the loop before reading from
   * the peer pauses (a chunk already read is still delivered whole).
   * @default {256}
   */
  buffer?: number;
}

/** Where a message iteration gets its values from. */
export interface MessageSource {
  /** The client or server: values come from its `receive` event. */
  emitter: EventEmitter;
  /** Paused while the buffer is full. */
  pause: ReadPause;
  /**
   * Registers what ends the iteration (a client's disconnect, a server's
   * close); returns how to unregister it.
   */
  onEnd(end: () => void): () => void;
}

/**
 * An async iterable of `[data, meta]` pairs (`P`: their type). Buffering starts when the
 * iteration starts and stops when it ends: at the source's end, or when
 * the loop is left early (`break`, `return`, a throw).
 * @param source values, the pause switch and the end
 * @param options the buffer's size
 */
export function messageStream<P extends [unknown, unknown]>(
  source: MessageSource,
  { buffer = 256 }: MessagesOptions = {},
): AsyncIterable<P> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<P> {
      let holding = false;
      const release = () => {
        if (holding) source.pause.release();
        holding = false;
      };
      const stop = () => {
        source.emitter.off("receive", onReceive);
        unregister();
        release();
      };
      const queue = new AsyncQueue<P>({
        highWater: Math.max(1, buffer),
        onHigh: () => {
          if (!holding) source.pause.hold();
          holding = true;
        },
        onLow: release,
        onReturn: () => {
          stop();
          queue.drain();
          queue.end();
        },
      });
      const onReceive = (...pair: P) => queue.push(pair);
      source.emitter.on("receive", onReceive);
      const unregister = source.onEnd(() => {
        stop();
        queue.end();
      });
      return queue[Symbol.asyncIterator]();
    },
  };
}
