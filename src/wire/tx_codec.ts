/**
 * How a connection's sending side turns envelopes into frames: JSON lines
 * (the 1.x protocol, and 2.x before binary mode) or binary frames (2.x
 * binary mode). A channel holds one codec for what it sends and swaps it
 * when the protocol says so. Pure code, no I/O.
 * @module
 */

import { payload } from "./envelope.ts";
import { envelopeText, requestText, responseText } from "./envelope_text.ts";
import { frameText } from "./framing.ts";
import { toBase64 } from "./base64.ts";
import type {
  SockhopRequest,
  SockhopResponsePacket,
} from "./request_packets.ts";

/**
 * One frame as written: JSON text, or the bytes of a binary frame, or
 * those bytes in pieces to be written in order (a large buffer's own bytes
 * between its frame's head and tail, so that they are never copied).
 */
export type Frame = string | Uint8Array | Uint8Array[];

/**
 * Builds frames. Each method returns undefined when JSON cannot represent
 * the payload (a function, a symbol) and throws what `JSON.stringify`
 * throws (a cycle, a BigInt).
 */
export interface TxCodec {
  /** Whether frames are binary (2.x binary mode). */
  readonly binary: boolean;
  /** `{type, data}`, plus `id` (a callback is wanted) or `callback_id`. */
  envelope(
    type: string,
    data: unknown,
    key?: "id" | "callback_id",
    id?: string,
  ): Frame | undefined;
  /** A streamed request. */
  request(req: SockhopRequest): Frame | undefined;
  /** A packet of a streamed response. */
  response(pkt: SockhopResponsePacket): Frame | undefined;
  /** A whole message object as it is (pings, pongs, `_send_message`). */
  message(message: unknown): Frame | undefined;
}

/** Bytes as JSON for a Sockhop 2.x peer: base64 text. */
function base64Payload(data: unknown): unknown {
  return data instanceof Uint8Array ? toBase64(data) : data;
}

/**
 * JSON lines. A `Uint8Array` payload goes as Node's Buffer JSON (what 1.x
 * peers read) or, toward a 2.x peer, as base64 (what 2.x peers read).
 */
export class JsonTx implements TxCodec {
  /** Always false. */
  readonly binary = false;
  readonly #tx: string;
  readonly #payload: (data: unknown) => unknown;
  #v2: JsonTx | undefined;

  /**
   * @param tx the transmit terminator
   * @param bytes how bytes travel: "node" (1.x) or "base64" (2.x)
   */
  constructor(tx: string, bytes: "node" | "base64" = "node") {
    this.#tx = tx;
    this.#payload = bytes === "node" ? payload : base64Payload;
  }

  /** The transmit terminator. */
  get terminator(): string {
    return this.#tx;
  }

  /** The codec for a 2.x peer in JSON mode (bytes as base64). */
  get v2(): JsonTx {
    return this.#v2 ??= new JsonTx(this.#tx, "base64");
  }

  /** See {@linkcode TxCodec.envelope}. */
  envelope(
    type: string,
    data: unknown,
    key?: "id" | "callback_id",
    id?: string,
  ): string | undefined {
    const json = JSON.stringify(this.#payload(data));
    if (json === undefined) return undefined;
    return envelopeText(type, json, key, id) + this.#tx;
  }

  /** See {@linkcode TxCodec.request}. */
  request(req: SockhopRequest): string | undefined {
    const json = JSON.stringify(payload(req.data));
    if (json === undefined) return undefined;
    return requestText(req.uuid, json, req.type) + this.#tx;
  }

  /** See {@linkcode TxCodec.response}. */
  response(pkt: SockhopResponsePacket): string | undefined {
    const json = JSON.stringify(payload(pkt.data));
    if (json === undefined) return undefined;
    return responseText(pkt.uuid, pkt.type, json, pkt.last) + this.#tx;
  }

  /** See {@linkcode TxCodec.message}. */
  message(message: unknown): string | undefined {
    return frameText(message, this.#tx);
  }
}
