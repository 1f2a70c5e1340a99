/**
 * Traffic counters of clients, servers and sessions (`stats()`), and the
 * arithmetic that sums connections into their owner's totals.
 * @module
 */

/**
 * What a connection, or all connections of a client or server, moved and
 * met: a plain object, a snapshot taken by `stats()`.
 *
 * Messages count frames, whatever they carry (values, remote-callback
 * answers, request and response packets, pings and pongs). Bytes in are
 * the bytes read from the socket; bytes out are the UTF-8 bytes of frames
 * handed to the socket (with TLS, both before encryption).
 */
export interface SockhopStats {
  /** Frames received. */
  messages_in: number;
  /** Frames written. */
  messages_out: number;
  /** Bytes received. */
  bytes_in: number;
  /** Bytes written. */
  bytes_out: number;
  /**
   * `error` events (emitted, or dropped for want of a listener), by the
   * error's `code` (`"ERR_BAD_DATA"`, ...); errors without a code count
   * under `"other"`.
   */
  errors: Record<string, number>;
  /** Remote callbacks sent and not yet answered, timed out or dropped. */
  callbacks_pending: number;
  /** Requests whose response stream is still open. */
  requests_pending: number;
}

/** {@linkcode SockhopStats} of a client, over all its connections. */
export interface SockhopClientStats extends SockhopStats {
  /** Automatic reconnections that succeeded (`reconnect` events). */
  reconnects: number;
  /** Automatic connection attempts that failed (`connect_error` events). */
  connect_errors: number;
}

/**
 * {@linkcode SockhopStats} of a server: the sums over every connection it
 * accepted, those gone included.
 */
export interface SockhopServerStats extends SockhopStats {
  /** Connections taken in (those whose session failed to start too). */
  connections_accepted: number;
  /** Connections closed at once because `max_connections` were open. */
  connections_refused: number;
  /** Connections open now, counting those whose session is starting. */
  connections_open: number;
}

/** Whether channels count traffic; off only to measure what counting costs. */
export const counting: { on: boolean } = { on: true };

/** Stats with every count at zero. */
export function emptyStats(): SockhopStats {
  return {
    messages_in: 0,
    messages_out: 0,
    bytes_in: 0,
    bytes_out: 0,
    errors: {},
    callbacks_pending: 0,
    requests_pending: 0,
  };
}

/**
 * Adds `from` into `into`.
 * @param into the totals, changed in place
 * @param from what to add
 */
export function addStats(into: SockhopStats, from: SockhopStats): void {
  into.messages_in += from.messages_in;
  into.messages_out += from.messages_out;
  into.bytes_in += from.bytes_in;
  into.bytes_out += from.bytes_out;
  into.callbacks_pending += from.callbacks_pending;
  into.requests_pending += from.requests_pending;
  addErrors(into.errors, from.errors);
}

/**
 * Adds error counts into others.
 * @param into counts by code, changed in place
 * @param from counts to add
 */
export function addErrors(
  into: Record<string, number>,
  from: Record<string, number>,
): void {
  for (const code in from) into[code] = (into[code] ?? 0) + from[code];
}

/**
 * Counts one error by its code.
 * @param errors counts by code, changed in place
 * @param e the error
 */
export function countError(errors: Record<string, number>, e: unknown): void {
  const code = (e as { code?: unknown } | null)?.code;
  const key = typeof code === "string" ? code : "other";
  errors[key] = (errors[key] ?? 0) + 1;
}
