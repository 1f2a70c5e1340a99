/**
 * The sending codec of Sockhop 2.x binary mode: bytes travel as bytes
 * (messages 13, 14, 15), anything else as JSON in a binary frame (10, 11,
 * 12). Streamed requests and their response packets, which 2.x does not
 * know, travel as ordinary JSON messages (10) of type `SockhopRequest` and
 * `SockhopResponsePacket`, shaped as in JSON mode. Pure code, no I/O.
 * @module
 */

import { encodeBinaryFrameParts } from "./binary_frame.ts";
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
  ): Frame {
    const ids = key === undefined ? {} : { [key]: id };
    // Large bytes come back as [head, bytes, (id)]: written without a copy.
    // Throws ERR_BAD_DATA for what JSON cannot represent.
    const parts = encodeBinaryFrameParts(
      data instanceof Uint8Array
        ? { kind: "bytes", type, bytes: data, ...ids }
        : { kind: "json", type, data, ...ids },
    );
    return parts.length === 1 ? parts[0] : parts;
  }

  /** See {@linkcode TxCodec.request}. */
  request(req: SockhopRequest): Frame {
    return this.envelope("SockhopRequest", req);
  }

  /** See {@linkcode TxCodec.response}. */
  response(pkt: SockhopResponsePacket): Frame {
    return this.envelope("SockhopResponsePacket", pkt);
  }

  /** See {@linkcode TxCodec.message}. */
  message(message: unknown): Frame {
    const m = message as { type?: unknown; data?: unknown } | null;
    if (m === null || typeof m !== "object" || typeof m.type !== "string") {
      return this.envelope("Object", message);
    }
    return this.envelope(m.type, m.data);
  }
}

/** The one binary codec. */
export const BINARY_TX: BinaryTx = new BinaryTx();
