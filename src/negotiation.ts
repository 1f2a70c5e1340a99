/**
 * The Sockhop 2.x handshake of one connection, as a small state machine:
 * who sends a handshake when, how it is answered, when each direction
 * switches to binary frames, and when the handshake counts as done. It
 * does no I/O itself: its channel carries out what it asks through a
 * {@linkcode NegotiationPort}.
 * @module
 */

import { SockhopError } from "./errors.ts";
import {
  grantsBinary,
  type HandshakeAnswer,
  type HandshakeData,
  readHandshake,
  SockhopHandshake,
} from "./wire/handshake.ts";

/** How a connection negotiates (resolved from the 2.x options). */
export interface NegotiationConfig {
  /** Send our handshake on connect (option `handshake`). */
  send_first: boolean;
  /** Accept binary frames from the peer, and ask to send them. */
  allow_binary_mode: boolean;
  /** Never send a handshake; ignore the peer's; no binary mode. */
  compatibility_mode: boolean;
  /** ms after sending our handshake before it counts as failed. */
  handshake_timeout: number;
}

/** Which direction of a connection: what we receive or what we send. */
export type Direction = "rx" | "tx";

/** What the negotiation asks of its channel, and tells its owner. */
export interface NegotiationPort {
  /** Send our handshake (JSON, with a remote callback for the answer). */
  sendHandshake(
    handshake: SockhopHandshake,
    onAnswer: (answer: unknown) => void,
  ): void;
  /**
   * Write the transition in JSON and send binary frames from then on,
   * never in the same write; resolves once the transition is written.
   */
  switchTx(): Promise<void>;
  /**
   * Receive binary frames from the frame after the transition on; called
   * when a transition is expected (`expected`) or has just been read.
   */
  switchRx(expected: boolean): void;
  /** The handshake is over: done, or failed with `error`. */
  handshake(ok: boolean, error?: SockhopError): void;
  /** A direction switched to (or, when the connection ends, from) binary. */
  binaryMode(direction: Direction, on: boolean): void;
}

/**
 * One connection's negotiation. A handshake is done once ours was answered
 * and the peer's was received (as 2.1 requires of itself), and, when ours
 * was granted binary mode, the transition was written.
 */
export class Negotiation {
  readonly #config: NegotiationConfig;
  readonly #port: NegotiationPort;
  #sent = false;
  #answered = false;
  #switching = false;
  #outcome: boolean | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #peer: HandshakeData | undefined;
  /** Whether each direction carries binary frames. */
  readonly binary_mode = { rx: false, tx: false };

  /**
   * @param config how to negotiate
   * @param port what carries it out
   */
  constructor(config: NegotiationConfig, port: NegotiationPort) {
    this.#config = config;
    this.#port = port;
  }

  /** The peer's handshake, once received. */
  get peer(): HandshakeData | undefined {
    return this.#peer;
  }

  /** Whether the handshake is done (and not yet undone by a close). */
  get handshaken(): boolean {
    return this.#outcome === true;
  }

  /**
   * Whether the peer serves streamed requests: unknown peers (no
   * handshake seen) are taken to be 1.x peers, which do.
   */
  get peerServesRequests(): boolean {
    return this.#peer === undefined || this.#peer.streamed_requests === true;
  }

  /** The connection is up: with `send_first`, our handshake goes out. */
  open(): void {
    if (this.#config.send_first && !this.#config.compatibility_mode) {
      this.#sendOurs();
    }
  }

  /**
   * The peer's handshake arrived: it is answered at once through `reply`,
   * and ours follows if not yet sent (2.1 needs both). Ignored in
   * compatibility mode (no answer, as 2.1 does).
   * @param data the handshake's payload
   * @param reply answers it (its remote callback)
   */
  peerHandshake(data: unknown, reply: (answer: HandshakeAnswer) => void): void {
    if (this.#config.compatibility_mode) return;
    const peer = readHandshake(data);
    if (peer === undefined) return;
    this.#peer = peer;
    const allow = peer.request_binary_mode && this.#config.allow_binary_mode;
    // Ours goes before the answer: the peer switches to binary once
    // answered, and its answer to ours must not come after its switch
    // while still in JSON (2.1 answers in whatever mode it is in).
    if (!this.#sent) this.#sendOurs();
    // Watching for the transition starts before the answer can reach it.
    if (allow && !this.binary_mode.rx) this.#port.switchRx(true);
    reply({ allow_binary_mode: allow });
    this.#settle();
  }

  /**
   * The peer's transition was read: what it sends from now on is binary.
   * Returns false (ignore it) in compatibility mode.
   */
  peerTransition(): boolean {
    if (this.#config.compatibility_mode) return false;
    if (this.binary_mode.rx) return true;
    this.#port.switchRx(false);
    this.binary_mode.rx = true;
    this.#port.binaryMode("rx", true);
    return true;
  }

  /**
   * The connection is gone: binary mode ends, timers stop, and a handshake
   * under way fails (`ERR_SOCKET_DESTROYED`).
   */
  closed(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sent && this.#outcome === undefined) {
      this.#outcome = false;
      this.#port.handshake(
        false,
        new SockhopError(
          "The connection closed before the handshake completed",
          "ERR_SOCKET_DESTROYED",
        ),
      );
    }
    for (const direction of ["tx", "rx"] as const) {
      if (!this.binary_mode[direction]) continue;
      this.binary_mode[direction] = false;
      this.#port.binaryMode(direction, false);
    }
  }

  #sendOurs(): void {
    this.#sent = true;
    const timeout = this.#config.handshake_timeout;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#outcome !== undefined) return;
      this.#outcome = false;
      this.#port.handshake(
        false,
        new SockhopError(
          `No handshake completed within ${timeout} ms (handshake_timeout)`,
          "ERR_HANDSHAKE_TIMEOUT",
        ),
      );
    }, timeout);
    this.#port.sendHandshake(
      new SockhopHandshake(this.#config.allow_binary_mode),
      (answer) => this.#answer(answer),
    );
  }

  #answer(answer: unknown): void {
    if (this.#outcome === false || this.#answered) return; // too late
    this.#answered = true;
    if (!grantsBinary(answer) || !this.#config.allow_binary_mode) {
      return this.#settle();
    }
    this.#switching = true;
    this.#port.switchTx().then(() => {
      this.binary_mode.tx = true;
      this.#port.binaryMode("tx", true);
    }, () => {/* the channel closed: its close says so */}).finally(() => {
      this.#switching = false;
      this.#settle();
    });
  }

  /** Reports success once every condition holds. */
  #settle(): void {
    if (this.#outcome !== undefined || this.#switching) return;
    if (!this.#answered || this.#peer === undefined) return;
    this.#outcome = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#port.handshake(true);
  }
}
