/**
 * The Sockhop 2.x handshake on the wire: what a handshake carries, the
 * answer to it, and the message that announces a switch to binary frames.
 * Pure code, no I/O.
 * @module
 */

/** The protocol version 2.x peers announce (no peer checks it). */
export const PROTOCOL_VERSION = 2;

/**
 * What this library says it is. A 2.x peer only shows it; this library
 * reads its own marker field ({@linkcode HandshakeData.streamed_requests})
 * instead of parsing versions.
 */
export const LIBRARY_VERSION = "2.0.0-sockhop-ts";

/** Type label of a handshake. */
export const HANDSHAKE_TYPE = "SockhopHandshake";

/** Type label of the binary-mode transition. */
export const TRANSITION_TYPE = "SockhopBinaryModeTransition";

/**
 * A handshake's payload. Sent with a remote callback; the answer is a
 * {@linkcode HandshakeAnswer}.
 */
export interface HandshakeData {
  /** Always 2. */
  protocol_version: number;
  /** The sender's library and version. */
  library_version: string;
  /** Whether the sender wants to send binary frames. */
  request_binary_mode: boolean;
  /**
   * Set by this library only: the sender serves streamed requests
   * (`request()`), which 2.x dropped. A 2.x peer ignores the field.
   */
  streamed_requests?: boolean;
}

/** The answer to a handshake (an ordinary remote-callback reply). */
export interface HandshakeAnswer {
  /** Whether the asker may switch its sending side to binary frames. */
  allow_binary_mode: boolean;
}

/**
 * The handshake object sent on the wire: its class name is its type label,
 * so it travels like any other value.
 */
export class SockhopHandshake implements HandshakeData {
  /** Always {@linkcode PROTOCOL_VERSION}. */
  protocol_version = PROTOCOL_VERSION;
  /** Always {@linkcode LIBRARY_VERSION}. */
  library_version = LIBRARY_VERSION;
  /** Always true: this library serves streamed requests. */
  streamed_requests = true;
  /**
   * @param request_binary_mode whether we want to send binary frames
   */
  constructor(public request_binary_mode: boolean) {}
}

/** A received handshake payload in the shape we rely on. */
export function readHandshake(data: unknown): HandshakeData | undefined {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return undefined;
  }
  const d = data as Record<string, unknown>;
  return {
    protocol_version: Number(d.protocol_version),
    library_version: String(d.library_version ?? ""),
    request_binary_mode: d.request_binary_mode === true,
    streamed_requests: d.streamed_requests === true,
  };
}

/** Whether a handshake answer grants binary mode. */
export function grantsBinary(answer: unknown): boolean {
  return answer !== null && typeof answer === "object" &&
    (answer as Partial<HandshakeAnswer>).allow_binary_mode === true;
}

/**
 * The transition's frame text before the terminator: JSON mode, no id,
 * exactly as 2.1 writes it.
 */
export const TRANSITION_TEXT = `{"type":"${TRANSITION_TYPE}","data":{}}`;
