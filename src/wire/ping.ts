/**
 * Ping and pong messages (§3 and §5 of PROTOCOL.md, at the package root).
 * Pure data, no I/O.
 * @module
 */

import { messageId } from "./ids.ts";

/**
 * A liveness probe. Its JSON form is
 * `{"_id":U,"_created":ISO,"_returned":null,"_finished":null}`.
 */
export class SockhopPing {
  /** The id the pong must echo. */
  _id: string;
  /** When it was made. */
  _created: Date | string;
  /** When the peer answered (peer's clock), once answered. */
  _returned: Date | string | null;
  /** When the answer arrived (our clock), once answered. */
  _finished: Date | null;

  /**
   * Makes a ping.
   * @param o fields to copy (a new ping when omitted)
   */
  constructor(o: Partial<SockhopPing> = {}) {
    this._id = o._id ?? messageId();
    this._created = o._created ?? new Date();
    this._returned = o._returned ?? null;
    this._finished = o._finished ?? null;
  }

  /** Whether no matching pong has arrived yet. */
  unanswered(): boolean {
    return this._finished === null;
  }

  /**
   * Marks this ping answered if the pong carries its id.
   * @param pong the received pong's data
   */
  conclude_with_pong(pong: { _id?: unknown; _returned?: unknown }): void {
    if (pong._id === this._id) {
      this._returned = typeof pong._returned === "string"
        ? pong._returned
        : null;
      this._finished = new Date();
    }
  }
}

/**
 * The automatic answer to a ping: copies `_id` and `_created`, stamps
 * `_returned` with the answering side's clock.
 */
export class SockhopPong {
  /** The ping's id. */
  _id: string | null;
  /** The ping's creation time, as received. */
  _created: Date | string | null;
  /** When this side answered. */
  _returned: Date | string;
  /** Always null on the wire. */
  _finished: Date | null;

  /**
   * Makes the answer to a ping.
   * @param o the ping being answered
   */
  constructor(o: { _id?: unknown; _created?: unknown } = {}) {
    this._id = typeof o._id === "string" ? o._id : null;
    this._created = typeof o._created === "string" ? o._created : null;
    this._returned = new Date();
    this._finished = null;
  }

  /** When the pong was finished (always null for a fresh pong). */
  get finished(): Date | null {
    return this._finished;
  }
}
