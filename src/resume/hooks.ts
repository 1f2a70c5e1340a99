/**
 * The narrow seams through which clients and servers use resumable
 * sessions, so that their code only asks "is this a resumable stream?".
 * @module
 */

import type { Channel } from "../channel.ts";
import type { Conn } from "../transport/types.ts";
import { ResumableConn } from "./resumable_conn.ts";

/**
 * A channel's pings went unanswered: on a resumable stream only its link
 * is dropped (and a new one sought); returns false when the channel
 * itself should close.
 */
export function resumeLinkDead(channel: Channel): boolean {
  const conn = channel.conn;
  if (!(conn instanceof ResumableConn)) return false;
  channel.pings = [];
  conn.drop();
  return true;
}

/**
 * A send on `conn`: with a resumable stream it resolves once the peer
 * acknowledged it (else as written).
 */
export function resumeDelivered(
  conn: Conn,
  written: Promise<void>,
): Promise<void> {
  return conn instanceof ResumableConn ? conn.delivered(written) : written;
}

/** Calls `fn` each time the stream of `conn` resumes (if it can). */
export function onResume(conn: Conn, fn: () => void): void {
  if (conn instanceof ResumableConn) conn.onResume = fn;
}
