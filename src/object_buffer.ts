/**
 * The public framing object: the wire codec with the original's
 * `ObjectBuffer` API (`buf2obj`, `obj2buf`, `error` events), handing out
 * bytes the way the runtime's users expect them.
 * @module
 */

import { EventEmitter } from "node:events";
import { SockhopError } from "./errors.ts";
import { transport } from "./transport/runtime.ts";
import {
  FrameDecoder,
  frameText,
  type Terminator,
  terminatorPair,
} from "./wire/framing.ts";

/** Shared by every buffer (it keeps no state). */
const encoder = new TextEncoder();

/** Options of {@linkcode ObjectBuffer}. */
export interface ObjectBufferOptions {
  /** Frame terminator (default `"\n"`), or `[rx, tx]`. */
  terminator?: Terminator;
  /** Pass frames that are not JSON through as strings, and allow sending
   * non-objects (default `false`). */
  allow_non_objects?: boolean;
  /**
   * Longest frame accepted, counted in characters of decoded text (never
   * more than its UTF-8 bytes). Longer input is dropped with an
   * `ERR_MESSAGE_TOO_LARGE` error event. Default 256 MiB.
   */
  max_message_bytes?: number;
}

/**
 * Splits a byte stream into JSON values, and turns values into terminated
 * frames. Bad input is reported through the `error` event (as the original
 * library did), never thrown.
 *
 * @example
 * ```ts
 * import { ObjectBuffer } from "@sockhop/sockhop";
 *
 * const ob = new ObjectBuffer();
 * ob.on("error", (e) => console.error(e.code));
 * const bytes = ob.obj2buf({ hello: "world" })!;
 * console.log(ob.buf2obj(bytes.subarray(0, 5))); // []
 * console.log(ob.buf2obj(bytes.subarray(5))); // [ { hello: "world" } ]
 * ```
 */
export class ObjectBuffer extends EventEmitter {
  readonly #tx: string;
  readonly #allowNonObjects: boolean;
  readonly #decoder: FrameDecoder;

  /**
   * Makes a buffer with its own framing state.
   * @param opts terminator, allow_non_objects and max_message_bytes
   */
  constructor(opts: ObjectBufferOptions = {}) {
    super();
    const [rx, tx] = terminatorPair(opts.terminator);
    this.#tx = tx;
    this.#allowNonObjects = opts.allow_non_objects === true;
    this.#decoder = new FrameDecoder(
      rx,
      opts,
      (e) => this.emit("error", e),
    );
  }

  /** The transmit terminator appended by {@linkcode obj2str}. */
  get tx_terminator(): string {
    return this.#tx;
  }

  /**
   * Feeds received bytes; returns every value completed by them, in order.
   * @param chunk bytes from the stream, any size, cut anywhere
   */
  buf2obj(chunk: Uint8Array): unknown[] {
    if (!(chunk instanceof Uint8Array)) {
      this.#error(
        "buf2obj called with non buffer object",
        "ERR_OBJECTBUFFER_BAD_BUFFER",
      );
      return [];
    }
    return this.#decoder.decode(chunk);
  }

  /**
   * Serialises a value to a frame, as bytes (a `Buffer` in Node). Emits an
   * `error` event and returns `undefined` for a value it cannot send.
   * @param obj the value to send
   */
  obj2buf(obj: unknown): Uint8Array | undefined {
    const text = this.obj2str(obj);
    if (text === undefined) return undefined;
    return transport.userBytes(encoder.encode(text));
  }

  /**
   * Serialises a value to frame text (JSON plus the transmit terminator).
   * Emits an `error` event and returns `undefined` for a value it cannot
   * send.
   * @param obj the value to send
   */
  obj2str(obj: unknown): string | undefined {
    if (!this.#allowNonObjects && typeof obj !== "object") {
      this.#error(
        "obj2buf called with non object type (set allow_non_objects if you want this behavior)",
        "ERR_OBJECTBUFFER_BAD_OBJECT",
      );
      return undefined;
    }
    let text: string | undefined;
    try {
      text = frameText(obj, this.#tx);
    } catch (e) {
      this.#error(
        `obj2buf cannot serialise this value: ${(e as Error).message}`,
        "ERR_OBJECTBUFFER_BAD_OBJECT",
      );
      return undefined;
    }
    if (text === undefined) {
      this.#error(
        "obj2buf called with a value JSON cannot represent",
        "ERR_OBJECTBUFFER_BAD_OBJECT",
      );
    }
    return text;
  }

  /** Drops any partial frame (e.g. when a connection is reused). */
  reset(): void {
    this.#decoder.reset();
  }

  #error(
    message: string,
    code: "ERR_OBJECTBUFFER_BAD_BUFFER" | "ERR_OBJECTBUFFER_BAD_OBJECT",
  ): void {
    this.emit("error", new SockhopError(message, code));
  }
}
