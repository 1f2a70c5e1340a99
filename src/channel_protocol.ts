/**
 * The Sockhop 2.x side of one channel: it runs the connection's
 * {@linkcode Negotiation} and carries out what it asks (the handshake and
 * its answer, swapping the channel's frame codecs per direction), so that
 * the channel only routes protocol frames here. Made on first need: a 1.x
 * connection never has one.
 * @module
 */

import { SockhopError } from "./errors.ts";
import type { Direction, NegotiationConfig } from "./negotiation.ts";
import { Negotiation } from "./negotiation.ts";
import type { FrameDecoder } from "./wire/framing.ts";
import { type HandshakeAnswer, TRANSITION_TEXT } from "./wire/handshake.ts";
import { type RxDecoder, SwitchingDecoder } from "./wire/rx_switch.ts";
import { BINARY_TX } from "./wire/binary_tx.ts";
import { JsonTx, type TxCodec } from "./wire/tx_codec.ts";
import { noop } from "./util.ts";
import type { RemoteCallback } from "./types.ts";

/** ms the sending side waits after its transition before binary frames. */
export const TRANSITION_PAUSE = 10;

/**
 * How a connection negotiates unless told otherwise: it never sends a
 * handshake first (a 1.x peer sees the 1.x wire), answers a peer's, and
 * accepts binary mode.
 */
export const REACTIVE: NegotiationConfig = {
  send_first: false,
  allow_binary_mode: true,
  compatibility_mode: false,
  handshake_timeout: 3000,
};

/**
 * Why `send_typed_buffer` refuses (as 2.1 does), or undefined.
 * @param binary whether the sending side is in binary mode
 * @param type the buffer's type label
 * @param bytes the buffer
 */
export function typedBufferRefusal(
  binary: boolean,
  type: string,
  bytes: Uint8Array,
): SockhopError | undefined {
  if (!binary) {
    return new SockhopError(
      "You cannot send typed buffers unless binary mode is enabled",
      "ERR_SEND_TYPED_BUFFER_NO_BINARY_MODE",
    );
  }
  if (type === "Buffer" || typeof type !== "string" || type.length === 0) {
    return new SockhopError(
      `A typed buffer's type must be a name other than "Buffer" (got ${type})`,
      "ERR_SEND_TYPED_BUFFER_INVALID_TYPE",
    );
  }
  if (!(bytes instanceof Uint8Array)) {
    return new SockhopError(
      "A typed buffer must be a Uint8Array (or a Buffer)",
      "ERR_SEND_TYPED_BUFFER_INVALID_TYPE",
    );
  }
  return undefined;
}

/** What an owner hears of the 2.x protocol (see `ChannelHooks.protocol`). */
export interface ProtocolHooks {
  /** The handshake is done, or failed with `error`. */
  handshake(ok: boolean, error?: SockhopError): void;
  /** A direction switched to or from binary frames. */
  binaryMode(direction: Direction, on: boolean): void;
  /** A typed buffer arrived (a binary frame whose type is not "Buffer"). */
  receiveBuffer(
    bytes: Uint8Array,
    type: string,
    callback: ((reply?: unknown) => Promise<void>) | undefined,
  ): void;
}

/**
 * Sends a typed buffer on a channel that may have no 2.x side (then it is
 * not in binary mode, and refused).
 */
export function sendTypedBuffer(
  protocol: ChannelProtocol | undefined,
  type: string,
  bytes: Uint8Array,
  callback?: RemoteCallback,
): Promise<void> {
  if (protocol) return protocol.send_typed_buffer(type, bytes, callback);
  return Promise.reject(typedBufferRefusal(false, type, bytes));
}

/** The parts of a channel the protocol may touch: a narrow seam. */
export interface ProtocolSeam {
  /** Sends a value with a remote callback (and a type label of ours). */
  send(o: unknown, callback: RemoteCallback, label?: string): Promise<void>;
  /** Sends `{type, data}`, plus an id field. */
  envelope(
    type: string,
    data: unknown,
    key?: "id" | "callback_id",
    id?: string,
  ): Promise<void>;
  /** Writes a frame alone, holding later writes a moment after it. */
  barrier(text: string, pause: number): Promise<void>;
  /** The channel's sending codec. */
  codec(): TxCodec;
  /** Swaps it. */
  setCodec(codec: TxCodec): void;
  /** The channel's receiving decoder (a `FrameDecoder` until swapped). */
  decoder(): RxDecoder;
  /** Swaps it. */
  setDecoder(decoder: RxDecoder): void;
  /** The largest frame accepted. */
  max_message_bytes: number;
  /** Bad binary input. */
  report(e: SockhopError): void;
  /** Ends the connection. */
  close(): void;
  /** The owner's hooks. */
  hooks: ProtocolHooks | undefined;
}

/** One channel's 2.x protocol state. */
export class ChannelProtocol {
  readonly negotiation: Negotiation;
  readonly #seam: ProtocolSeam;
  readonly #compatible: boolean;
  #switching: SwitchingDecoder | undefined;

  /**
   * @param config how to negotiate
   * @param seam the channel
   */
  constructor(config: NegotiationConfig, seam: ProtocolSeam) {
    this.#seam = seam;
    this.#compatible = config.compatibility_mode;
    this.negotiation = new Negotiation(config, {
      sendHandshake: (h, onAnswer) => void seam.send(h, onAnswer).catch(noop),
      switchTx: () => {
        const written = seam.barrier(
          TRANSITION_TEXT + (seam.codec() as JsonTx).terminator,
          TRANSITION_PAUSE,
        );
        seam.setCodec(BINARY_TX);
        return written;
      },
      switchRx: (expected) => {
        const rx = this.#switching ??= new SwitchingDecoder(
          seam.decoder() as FrameDecoder,
          seam.max_message_bytes,
          (e) => {
            seam.report(e);
            // As with JSON frames: an oversized frame ends the connection.
            if (e.code === "ERR_MESSAGE_TOO_LARGE") seam.close();
          },
        );
        seam.setDecoder(rx);
        if (expected) rx.watch();
        else rx.switchNow();
      },
      handshake: (ok, error) => seam.hooks?.handshake(ok, error),
      binaryMode: (direction, on) => seam.hooks?.binaryMode(direction, on),
    });
  }

  /**
   * The peer's handshake: answered (once, through its id) and negotiated;
   * bytes sent in JSON mode go as base64 from now on, as 2.x peers read
   * them.
   */
  peerHandshake(data: unknown, id: string | undefined): void {
    const seam = this.#seam;
    if (this.#compatible) return; // ignored, as 2.1 does
    const codec = seam.codec();
    if (codec instanceof JsonTx) seam.setCodec(codec.v2);
    const reply = (answer: HandshakeAnswer) => {
      if (id === undefined) return;
      seam.envelope("Object", answer, "callback_id", id).catch(noop);
    };
    this.negotiation.peerHandshake(data, reply);
  }

  /**
   * Sends a typed buffer (binary mode only; see
   * {@linkcode typedBufferRefusal}).
   * @param type its type name
   * @param bytes the bytes
   * @param callback remote callback
   */
  send_typed_buffer(
    type: string,
    bytes: Uint8Array,
    callback?: RemoteCallback,
  ): Promise<void> {
    const seam = this.#seam;
    const refused = typedBufferRefusal(seam.codec().binary, type, bytes);
    if (refused) return Promise.reject(refused);
    return callback === undefined
      ? seam.envelope(type, bytes)
      : seam.send(bytes, callback, type);
  }

  /**
   * Why a streamed request cannot go to this peer (its handshake says it
   * does not serve them: a 2.x peer), or undefined.
   */
  requestRefusal(): SockhopError | undefined {
    if (this.negotiation.peerServesRequests) return undefined;
    const version = this.negotiation.peer?.library_version;
    return new SockhopError(
      `The peer (Sockhop ${version}) does not serve streamed requests: Sockhop 2.x dropped them`,
      "ERR_REQUEST_UNSUPPORTED",
    );
  }

  /** Whether the peer is a Sockhop 2.x peer (it sent a handshake). */
  get peerIs2x(): boolean {
    return this.negotiation.peer !== undefined;
  }
}
