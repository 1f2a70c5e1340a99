/**
 * The events of clients, servers and response streams, with their
 * listeners' arguments, for {@linkcode TypedEmitter}.
 * @module
 */

import type {
  SockhopRequest,
  SockhopResponseWriteableStream,
} from "./response_stream.ts";
import type { SockhopSession } from "./session.ts";
import type { SockhopSocket } from "./socket_handle.ts";
import type { ReceiveMeta } from "./types.ts";
import type { SockhopErrorCode } from "./errors.ts";
import type { WithReceiveEvents } from "./receive_events.ts";
import type { UntypedValues } from "./typed_values.ts";

/**
 * What `error` listeners get: a {@linkcode SockhopError}, or an error of
 * the runtime with Node's `code` (a refused TLS handshake:
 * `ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE`, `ERR_TLS_HANDSHAKE_TIMEOUT`,
 * ...), or whatever a listener of yours threw.
 *
 * @example
 * ```ts
 * import { SockhopServer } from "@sockhop/sockhop";
 *
 * const server = new SockhopServer({ port: 0 });
 * server.on("error", (err) => console.log(err.code ?? "no code", err.message));
 * ```
 */
export type SockhopEventError = Error & {
  /** The failure kind, when known. */
  code?: SockhopErrorCode | (string & Record<never, never>);
};

/** Metadata of a value a server received. */
export interface ServerReceiveMeta extends ReceiveMeta {
  /** The connection it came from. */
  socket: SockhopSocket;
  /** That connection's session. */
  session: SockhopSession;
}

/** What a client's `connect_error` event tells besides the error. */
export interface ConnectErrorInfo {
  /** Failed attempts in a row, this one included (1 for the first). */
  attempt: number;
  /**
   * ms until the next attempt (see `auto_reconnect_max_interval`); an
   * attempt is made only while auto-reconnect is on.
   */
  next_delay: number;
}

/**
 * Events of {@linkcode SockhopClient}; `M` is the value type of each
 * label, as the client's `types` registry makes them known (see
 * `ValuesOf`): `receive` (`meta.callback` is set when an answer is wanted)
 * and `receive:<label>` (e.g. `receive:Widget`) follow it.
 */
export type SockhopClientEvents<M = UntypedValues> = WithReceiveEvents<
  SockhopClientOwnEvents,
  M,
  ReceiveMeta
>;

/** Events of {@linkcode SockhopClient} besides the received values. */
export type SockhopClientOwnEvents = {
  /** A connection was made (first or automatic). */
  connect: [sock: SockhopSocket];
  /** The connection dropped or was closed; once per connection. */
  disconnect: [sock: SockhopSocket];
  /** An automatic reconnection succeeded (after its `connect`). */
  reconnect: [sock: SockhopSocket];
  /**
   * With `resume`: the link dropped and the session went on over a new
   * one, nothing lost (no `disconnect`/`connect` pair). The session on
   * the server emits `resume` too.
   */
  resume: [];
  /**
   * An automatic connection attempt failed; `info` numbers the attempt
   * and tells the delay until the next one.
   */
  connect_error: [error: SockhopEventError, info: ConnectErrorInfo];
  /** A request arrived; answer through `res`. */
  request: [req: SockhopRequest, res: SockhopResponseWriteableStream];
  /**
   * Bad input from the peer, a server that stopped reading
   * (`ERR_WRITE_TIMEOUT`, then the drop), a TLS failure (e.g. the server
   * refused this client's certificate), or a listener that threw.
   */
  error: [error: SockhopEventError];
  /**
   * Sockhop 2.x: the handshake is over: `ok`, or failed with `error`
   * (`ERR_HANDSHAKE_TIMEOUT`). Fires once per connection that negotiates
   * (see the `handshake` option), after `binary_mode:tx` when binary mode
   * was granted.
   */
  handshake: [ok: boolean, error?: SockhopEventError];
  /** Sockhop 2.x: a handshaken connection dropped (after `disconnect`). */
  unhandshake: [];
  /**
   * Sockhop 2.x: what the server sends switched to binary frames (`true`),
   * or the connection dropped (`false`).
   */
  "binary_mode:rx": [on: boolean];
  /** Sockhop 2.x: what this client sends switched to (or from) binary. */
  "binary_mode:tx": [on: boolean];
  /**
   * Sockhop 2.x: a typed buffer arrived (see `send_typed_buffer`):
   * `meta.type` is its type name; bytes are a `Buffer` in Node and Bun.
   */
  "receive:buffer": [bytes: Uint8Array, meta: ReceiveMeta];
};

/** Meta of a server's `request` event. */
export interface ServerRequestMeta {
  /** The client's connection. */
  socket: SockhopSocket;
  /** The client's session. */
  session: SockhopSession;
}

/**
 * Events of {@linkcode SockhopServer}; `M` as in
 * {@linkcode SockhopClientEvents}.
 */
export type SockhopServerEvents<M = UntypedValues> = WithReceiveEvents<
  SockhopServerOwnEvents,
  M,
  ServerReceiveMeta
>;

/** Events of {@linkcode SockhopServer} besides the received values. */
export type SockhopServerOwnEvents = {
  /** A client connected (after its session's `start()`). */
  connect: [sock: SockhopSocket, session: SockhopSession];
  /** A client left (after its session's `end()`). */
  disconnect: [sock: SockhopSocket, session: SockhopSession];
  /** A request arrived from a client; answer through `res`. */
  request: [
    req: SockhopRequest,
    res: SockhopResponseWriteableStream,
    meta: ServerRequestMeta,
  ];
  /**
   * Bad input from a client, a client dropped as a slow consumer
   * (`ERR_WRITE_TIMEOUT`), a connection refused over `max_connections`
   * (`ERR_MAX_CONNECTIONS`, with a null session), a TLS handshake refused
   * or stalled (`sock` and `session` null), or a listener that threw.
   */
  error: [
    error: SockhopEventError,
    sock: SockhopSocket | null,
    session: SockhopSession | null,
  ];
  /**
   * Sockhop 2.x: a client's handshake is over: `ok`, or failed with
   * `error`. The session then emits `handshake(ok, error)` too, and
   * `binary_mode:rx` / `binary_mode:tx` (on) and `unhandshake` as they
   * happen.
   */
  handshake: [
    sock: SockhopSocket,
    session: SockhopSession,
    ok: boolean,
    error?: SockhopEventError,
  ];
  /** Sockhop 2.x: a typed buffer arrived from a client. */
  "receive:buffer": [bytes: Uint8Array, meta: ServerReceiveMeta];
};
