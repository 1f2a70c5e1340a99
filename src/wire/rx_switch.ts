/**
 * The receiving side of a connection that may switch from JSON lines to
 * binary frames (Sockhop 2.x binary mode). It switches at the frame
 * boundary: the bytes after the peer's transition, in the same read, are
 * already binary frames (2.1 itself switches per read and loses them).
 * Both decoders yield envelopes (`{type, data, id?, callback_id?}`), so
 * the channel handles frames the same way in either mode. Pure code.
 * @module
 */

import type { SockhopError } from "../errors.ts";
import { BinaryFrameDecoder, type BinaryMessage } from "./binary_frame.ts";
import type { FrameDecoder } from "./framing.ts";
import { TRANSITION_TYPE } from "./handshake.ts";

/** What a channel reads frames with. */
export interface RxDecoder {
  /** Every frame completed by `chunk`, in order. */
  decode(chunk: Uint8Array): unknown[];
}

/** A binary message as the envelope the channel handles. */
function envelopeOf(m: BinaryMessage): Record<string, unknown> {
  const data = m.kind === "json" ? m.data : m.bytes;
  if (m.callback_id !== undefined) {
    return { type: m.type, data, callback_id: m.callback_id };
  }
  if (m.id !== undefined) return { type: m.type, data, id: m.id };
  return { type: m.type, data };
}

const OPEN_BRACE = 0x7b; // "{"
const QUOTE = 0x22; // '"'

function isTransition(frame: unknown): boolean {
  return (frame as { type?: unknown } | null)?.type === TRANSITION_TYPE;
}

/**
 * JSON lines until the transition, binary frames after it. While
 * `watch()`ed, the JSON decoder stops at the transition and hands back the
 * bytes after it.
 */
export class SwitchingDecoder implements RxDecoder {
  readonly #json: FrameDecoder;
  readonly #maxBytes: number;
  readonly #onError: (e: SockhopError) => void;
  #binary: BinaryFrameDecoder | undefined;
  #watching = false;
  /** A JSON line after the switch (see `#startsJsonLine`) is being read. */
  #jsonLine = false;
  /** The first bytes of a frame, too few to tell which kind it is. */
  #held: Uint8Array | undefined;
  #out: unknown[] = [];

  /**
   * @param json the connection's JSON decoder (its partial frame goes on)
   * @param maxBytes the largest binary frame accepted
   * @param onError told of bad binary input
   */
  constructor(
    json: FrameDecoder,
    maxBytes: number,
    onError: (e: SockhopError) => void,
  ) {
    this.#json = json;
    this.#maxBytes = maxBytes;
    this.#onError = onError;
  }

  /** Whether binary frames are being read. */
  get binary(): boolean {
    return this.#binary !== undefined;
  }

  /** Looks for the transition frame by frame from now on. */
  watch(): void {
    this.#watching = true;
  }

  /** Reads binary frames from the next chunk on. */
  switchNow(): void {
    this.#watching = false;
    this.#binary ??= new BinaryFrameDecoder(
      { max_message_bytes: this.#maxBytes },
      (m) => this.#out.push(envelopeOf(m)),
      this.#onError,
    );
  }

  /** See {@linkcode RxDecoder.decode}. */
  decode(chunk: Uint8Array): unknown[] {
    if (this.#binary) return this.#decodeBinary(chunk);
    if (!this.#watching) return this.#json.decode(chunk);
    const { values, rest } = this.#json.decodeUntil(chunk, isTransition);
    if (rest === undefined) return values;
    this.switchNow();
    for (const frame of this.#decodeBinary(rest)) values.push(frame);
    return values;
  }

  #decodeBinary(chunk: Uint8Array): unknown[] {
    const out: unknown[] = [];
    this.#out = out;
    let rest: Uint8Array | undefined = chunk;
    if (this.#held !== undefined) {
      rest = new Uint8Array(this.#held.length + chunk.length);
      rest.set(this.#held);
      rest.set(chunk, this.#held.length);
      this.#held = undefined;
    }
    while (rest !== undefined && rest.length > 0) {
      if (this.#mayStartJsonLine(rest)) {
        // Too few bytes to tell a JSON line from a binary header: wait.
        this.#held = rest.slice();
        rest = undefined;
      } else if (this.#jsonLine || this.#startsJsonLine(rest)) {
        const line = this.#json.decodeUntil(rest, () => true);
        for (const v of line.values) out.push(v);
        this.#jsonLine = line.values.length === 0;
        rest = this.#jsonLine ? undefined : line.rest;
      } else {
        this.#binary!.push(rest);
        rest = undefined;
      }
    }
    this.#out = [];
    return out;
  }

  /**
   * Whether a JSON line starts here, at a frame boundary. 2.1 switches what
   * it sends only when its transition's write has completed, so a frame it
   * writes meanwhile (its answer to our handshake, say) is still a JSON
   * line: `{` where a length begins, and text where a binary frame has its
   * message id (10 to 15).
   */
  #mayStartJsonLine(bytes: Uint8Array): boolean {
    return !this.#jsonLine && bytes.length <= 4 && bytes[0] === OPEN_BRACE &&
      (bytes.length < 2 || bytes[1] === QUOTE) && this.#binary!.atBoundary;
  }

  #startsJsonLine(bytes: Uint8Array): boolean {
    return bytes.length > 4 && bytes[0] === OPEN_BRACE && bytes[1] === QUOTE &&
      bytes[4] >= 0x20 && this.#binary!.atBoundary;
  }
}
