/**
 * The error type every Sockhop failure uses, and its codes.
 * @module
 */

/**
 * Every code a {@linkcode SockhopError} can carry. The first eleven are the
 * original sockhop's and keep its meaning; the rest name failure kinds this
 * project added.
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
  | "ERR_CALLBACK_TIMEOUT";

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
   */
  constructor(message: string, code: SockhopErrorCode) {
    super(message);
    this.name = "SockhopError";
    this.code = code;
  }
}
