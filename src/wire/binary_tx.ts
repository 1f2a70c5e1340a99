/**
 * The sending codec of Sockhop 2.x binary mode: bytes travel as bytes
 * (messages 13, 14, 15), anything else as JSON in a binary frame (10, 11,
 * 12). Streamed requests and their response packets, which 2.x does not
 * know, travel as ordinary JSON messages (10) of type `SockhopRequest` and
 * `SockhopResponsePacket`, shaped as in JSON mode. Pure code, no I/O.
 * @module
 */

import { encodeBinaryFrame, encodeBinaryFrameParts } from "./binary_frame.ts";
import type {
  SockhopRequest,
  SockhopResponsePacket,
} from "./request_packets.ts";
import type { Frame, TxCodec } from "./tx_codec.ts";

/** Binary frames (see the module doc); one instance serves every channel. */
export class BinaryTx implements TxCodec {
  /** Always true. */
  readonly binary = true;

  /** See {@linkcode TxCodec.envelope}. */
  envelope(
    type: string,
    data: unknown,
    key?: "id" | "callback_id",
    id?: string,
  ): Frame | undefined {
    const ids = key === undefined ? {} : { [key]: id };
    if (data instanceof Uint8Array) {
      // A large buffer is written from the caller's own array, not copied.
      const parts = encodeBinaryFrameParts({
        kind: "bytes",
        type,
        bytes: data,
        ...ids,
      });
      return parts.length === 1 ? parts[0] : parts;
    }
    // Throws ERR_BAD_DATA for what JSON cannot represent.
    return encodeBinaryFrame({ kind: "json", type, data, ...ids });
  }

  /** See {@linkcode TxCodec.request}. */
  request(req: SockhopRequest): Frame | undefined {
    return this.envelope("SockhopRequest", req);
  }

  /** See {@linkcode TxCodec.response}. */
  response(pkt: SockhopResponsePacket): Frame | undefined {
    return this.envelope("SockhopResponsePacket", pkt);
  }

  /** See {@linkcode TxCodec.message}. */
  message(message: unknown): Frame | undefined {
    const m = message as { type?: unknown; data?: unknown } | null;
    if (m === null || typeof m !== "object" || typeof m.type !== "string") {
      return this.envelope("Object", message);
    }
    return this.envelope(m.type, m.data);
  }
}

/** The one binary codec. */
export const BINARY_TX: BinaryTx = new BinaryTx();
