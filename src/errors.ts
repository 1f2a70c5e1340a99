/**
 * The error type every Sockhop failure uses, and its codes.
 * @module
 */

/**
 * Every code a {@linkcode SockhopError} can carry. The first eleven are the
 * original sockhop's and keep its meaning; the rest name failure kinds this
 * project added.
 *
 * - `ERR_MULTICONNECT`: `connect()` while another attempt is under way.
 * - `ERR_SOCKET_DESTROYED`: sending or requesting on a connection that is
 *   closed or was never made; a response stream whose connection closed;
 *   `disconnect()` while `start()` waited or sends were held.
 * - `ERR_REMOTE_CALLBACK_TYPE`: a remote callback with `peer_type: "json"`,
 *   or a callback that is not a function.
 * - `ERR_REQUEST_TYPE`: `request()` with `peer_type: "json"`.
 * - `ERR_NO_SOCKET`: a server `send()` / `request()` without a socket.
 * - `ERR_BAD_DATA`: sending `null`, `undefined` or a value JSON cannot
 *   represent (a cycle, a BigInt, a function, a symbol); a malformed
 *   envelope from the peer (one without `data` included); an empty
 *   terminator.
 * - `ERR_OBJECTBUFFER_BAD_BUFFER`: `ObjectBuffer.buf2obj()` given
 *   something that is not bytes.
 * - `ERR_OBJECTBUFFER_BAD_BUFFER_DATA`: a received frame that is not JSON
 *   (skipped; the connection goes on).
 * - `ERR_OBJECTBUFFER_BAD_OBJECT`: sending a non-object with
 *   `peer_type: "json"` and without `allow_non_objects`.
 * - `ERR_RESPONSE_TIMEOUT`: a response stream did not end in time.
 * - `ERR_RESPONSE_SEND`: a response packet after the last one; `next()` on
 *   a stream that ended without data.
 * - `ERR_MESSAGE_TOO_LARGE`: an incoming frame over `max_message_bytes`.
 * - `ERR_SEND_QUEUE_FULL`: over `max_pending_bytes` wait unwritten, or the
 *   client's offline queue is full.
 * - `ERR_CONNECT_TIMEOUT`: no connection within `connect_timeout`.
 * - `ERR_TLS_OPTION`: a TLS option the runtime cannot honour, or a TLS
 *   server without `key` and `cert`.
 * - `ERR_ABORTED`: an `AbortSignal` given to `connect()`, `start()`,
 *   `send()` or `request()` was aborted; `cause` is the signal's reason.
 * - `ERR_ADDRESS_IN_USE`: `listen()` on a Unix socket path where another
 *   server is running.
 * - `ERR_WRITE_TIMEOUT`: bytes queued for a peer made no progress for
 *   `write_timeout` ms (a slow consumer): the connection is closed and its
 *   pending sends reject with this code.
 * - `ERR_SOCKET_BAD_PORT`: `connect()` or `listen()` with a `port` that
 *   is not a whole number from 0 to 65535 (Node's code and message).
 * - `ERR_MAX_CONNECTIONS`: a server refused (closed at once) a connection
 *   over `max_connections`.
 * - `ERR_INVALID_VALUE`: a received value failed the `types` registry's
 *   check (its schema, or its revival), or a value failed its schema
 *   before sending (`validate_outgoing`); the error is a
 *   `SockhopInvalidValueError` carrying `label` and `issues`.
 * - `ERR_OBJECTBUFFER_NO_SCHEMA`: a binary-mode frame (2.x protocol) with a
 *   message id no schema has (skipped; the connection goes on). 2.1's code.
 * - `ERR_OBJECTBUFFER_DESERIALIZE_FAILED`: a binary-mode frame whose payload
 *   does not hold its fields, or whose JSON does not parse (skipped; the
 *   connection goes on). 2.1's code.
 * - `ERR_HANDSHAKE_TIMEOUT`: a Sockhop 2.x handshake did not complete within
 *   `handshake_timeout` (a 2.x client's `start()` rejects with it).
 * - `ERR_HANDSHAKE_COMPATIBILITY_MODE`: `start()` of a 2.x client in
 *   `compatibility_mode`, or `allow_binary_mode` with it (as in 2.1).
 * - `ERR_AUTO_REHANDSHAKE_CONNECT`: `connect()` on a client with
 *   `auto_rehandshake` (use `start()`).
 * - `ERR_SEND_TYPED_BUFFER_NO_BINARY_MODE`: `send_typed_buffer()` while the
 *   sending direction is not in binary mode.
 * - `ERR_SEND_TYPED_BUFFER_INVALID_TYPE`: `send_typed_buffer()` with the
 *   type `"Buffer"`, or bytes that are not a `Uint8Array`.
 * - `ERR_REQUEST_UNSUPPORTED`: `request()` to a peer whose handshake says
 *   it does not serve streamed requests (Sockhop 2.x dropped them).
 * - `ERR_SESSION_LOST`: with `resume`, the session ended (its window
 *   passed, the server no longer knew it, or it was closed) before the peer
 *   acknowledged this message.
 */
export type SockhopErrorCode =
  | "ERR_MULTICONNECT"
  | "ERR_SOCKET_DESTROYED"
  | "ERR_REMOTE_CALLBACK_TYPE"
  | "ERR_REQUEST_TYPE"
  | "ERR_NO_SOCKET"
  | "ERR_BAD_DATA"
  | "ERR_OBJECTBUFFER_BAD_BUFFER"
  | "ERR_OBJECTBUFFER_BAD_BUFFER_DATA"
  | "ERR_OBJECTBUFFER_BAD_OBJECT"
  | "ERR_RESPONSE_TIMEOUT"
  | "ERR_RESPONSE_SEND"
  | "ERR_MESSAGE_TOO_LARGE"
  | "ERR_SEND_QUEUE_FULL"
  | "ERR_CONNECT_TIMEOUT"
  | "ERR_TLS_OPTION"
  | "ERR_ADDRESS_IN_USE"
  | "ERR_WRITE_TIMEOUT"
  | "ERR_MAX_CONNECTIONS"
  | "ERR_ABORTED"
  | "ERR_SOCKET_BAD_PORT"
  | "ERR_INVALID_VALUE"
  | "ERR_OBJECTBUFFER_NO_SCHEMA"
  | "ERR_OBJECTBUFFER_DESERIALIZE_FAILED"
  | "ERR_HANDSHAKE_TIMEOUT"
  | "ERR_HANDSHAKE_COMPATIBILITY_MODE"
  | "ERR_AUTO_REHANDSHAKE_CONNECT"
  | "ERR_SEND_TYPED_BUFFER_NO_BINARY_MODE"
  | "ERR_SEND_TYPED_BUFFER_INVALID_TYPE"
  | "ERR_REQUEST_UNSUPPORTED"
  | "ERR_SESSION_LOST";

/**
 * An error raised by Sockhop. `code` says what kind of failure it is, so
 * callers can branch on it without parsing the message.
 *
 * @example
 * ```ts
 * import { SockhopClient, SockhopError } from "@sockhop/sockhop";
 *
 * const client = new SockhopClient({ port: 1 });
 * try {
 *   await client.send({ hello: "world" });
 * } catch (e) {
 *   if (e instanceof SockhopError && e.code === "ERR_SOCKET_DESTROYED") {
 *     console.log("not connected yet");
 *   }
 * }
 * ```
 */
export class SockhopError extends Error {
  /** The failure kind, stable across versions. */
  code: SockhopErrorCode;

  /**
   * Makes an error with a code.
   * @param message what went wrong, for people
   * @param code the failure kind, for programs
   * @param options `cause`: the error or reason behind this one
   */
  constructor(
    message: string,
    code: SockhopErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SockhopError";
    this.code = code;
  }
}
