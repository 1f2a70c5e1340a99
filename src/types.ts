/**
 * The vocabulary shared by clients, servers, sessions and channels: what a
 * received value comes with, what a send or a request takes, and the
 * options a channel runs with. Types only, at the bottom of the imports.
 * @module
 */

import type { SockhopError } from "./errors.ts";
import type { TimedMapReason } from "./timed_map.ts";
import type { TypeBook } from "./typed_values.ts";
import type { Terminator } from "./wire/framing.ts";
import type { JsonTx } from "./wire/tx_codec.ts";
import type { NegotiationConfig } from "./negotiation.ts";

/**
 * A received payload. Typed `any` so that listeners may name the type they
 * expect (`(data: Widget, meta) => ...`); check `meta.type` first.
 */
// deno-lint-ignore no-explicit-any
export type Payload = any;

/** Metadata of a received value. */
export interface ReceiveMeta {
  /** The value's type label. */
  type: string;
  /** Present when the sender wants an answer: call it with the reply. */
  callback?: (reply?: unknown) => Promise<void>;
}

/**
 * Called with a remote callback's answer; `A` states the answer's type
 * (revived by the `types` registry when its label is registered).
 */
// deno-lint-ignore no-explicit-any
export type RemoteCallback<A = any> = (data: A, meta: { type: string }) => void;

/** Options of a send that asks for a remote callback. */
export interface SendOptions {
  /**
   * Told why the callback was dropped unanswered: `"timed-out"` when no
   * answer came within `timeout`, `"stopped"` when the connection closed
   * first (a disconnect, a kill, or the peer going away), `"aborted"` when
   * `signal` aborted, `"invalid"` when the answer failed the `types`
   * registry's check (an `ERR_INVALID_VALUE` error event tells why). Not
   * called once the answer has come, nor when the send itself failed (its
   * promise rejects instead).
   */
  error_cb?: (reason: TimedMapReason | "aborted") => void;
  /** How long to wait for the answer, in ms (default `response_timeout`). */
  timeout?: number;
  /**
   * Aborting drops the remote callback (`error_cb` is told `"aborted"`);
   * an already-aborted signal rejects the send with `ERR_ABORTED`.
   */
  signal?: AbortSignal;
}

/** Options of a request. */
export interface RequestOptions {
  /** How long the response stream may stay open, in ms. */
  timeout?: number;
  /**
   * Aborting ends the response stream with `ERR_ABORTED` (the signal's
   * reason as `cause`); an already-aborted signal rejects the request.
   */
  signal?: AbortSignal;
}

/** Options a channel takes from its client or server. */
export interface ChannelOptions {
  peer_type: "Sockhop" | "json";
  terminator: Terminator;
  allow_non_objects: boolean;
  max_message_bytes?: number;
  max_pending_bytes?: number;
  /** ms queued bytes may make no progress before the peer is dropped (0, unset: off). */
  write_timeout?: number;
  /** ms without receiving anything before the connection is closed (0, unset: off). */
  idle_timeout?: number;
  /** Default lifetime of response streams and remote callbacks (ms). */
  response_timeout: number;
  /**
   * Wraps received bytes handed to users (the transport's `userBytes`: a
   * `Buffer` in Node); default: the bytes as they are.
   */
  user_bytes?: (bytes: Uint8Array) => Uint8Array;
  /** The `types` registry: received values are checked and revived. */
  types?: TypeBook;
  /** With `validate_outgoing`: why a value may not be sent, if it may not. */
  outgoing?: (value: unknown) => SockhopError | undefined;
  /**
   * The JSON codec of what we send, shared by the channels of one client
   * or server (default: one per channel, from the terminator).
   */
  tx_codec?: JsonTx;
  /**
   * Sockhop 2.x negotiation (default: never send a handshake first,
   * answer a peer's, accept binary mode).
   */
  negotiation?: NegotiationConfig;
}
