/**
 * Options shared by clients and servers, with the original's names and
 * defaults.
 * @module
 */

import { SockhopError } from "./errors.ts";
import { transport } from "./transport/runtime.ts";
import type { TlsOptions } from "./transport/types.ts";
import type { ChannelOptions } from "./types.ts";
import { TypeBook, type TypeRegistry } from "./typed_values.ts";
import { type Terminator, terminatorPair } from "./wire/framing.ts";
import { DEFAULT_WRITE_TIMEOUT } from "./write_queue.ts";
import type { NegotiationConfig } from "./negotiation.ts";
import { JsonTx } from "./wire/tx_codec.ts";

/**
 * Options common to {@linkcode SockhopClient} and {@linkcode SockhopServer}.
 * Both ends of a connection must agree on `peer_type` and `terminator`.
 *
 * @example
 * ```ts
 * import { type CommonOptions, SockhopServer } from "@sockhop/sockhop";
 *
 * const options: CommonOptions = {
 *   port: 0, // a server on port 0: the OS picks one
 *   response_timeout: 5000,
 *   max_message_bytes: 1024 * 1024, // refuse frames over 1 MiB
 * };
 * const server = new SockhopServer(options);
 * await server.listen();
 * await server.close();
 * ```
 */
export interface CommonOptions<R extends TypeRegistry = TypeRegistry> {
  /** Unix domain socket path; overrides `address` and `port`. */
  path?: string;
  /**
   * IP address to connect to (client) or bind (server).
   * @default {"127.0.0.1"}
   */
  address?: string;
  /**
   * TCP port. A server given 0 lets the OS pick (read `server.port` after
   * `listen()`); a client given 0 uses the default.
   * @default {50000}
   */
  port?: number;
  /**
   * `"Sockhop"`: values travel in typed envelopes (remote callbacks and
   * requests need this). `"json"`: raw JSON values, one per frame, to talk
   * to programs that are not Sockhop.
   * @default {"Sockhop"}
   */
  peer_type?: "Sockhop" | "json";
  /**
   * Frame terminator used both ways, or `[rx, tx]`: split incoming bytes
   * on `rx`, append `tx` to outgoing frames.
   * @default {"\n"}
   */
  terminator?: Terminator;
  /**
   * Deliver received frames that are not JSON as strings (instead of
   * `ERR_OBJECTBUFFER_BAD_BUFFER_DATA` error events) and, with
   * `peer_type: "json"`, allow sending values that are not objects.
   * @default {false}
   */
  allow_non_objects?: boolean;
  /**
   * How long response streams and remote callbacks wait for their answer,
   * in ms, unless a request or send gives its own `timeout`.
   * @default {30000}
   */
  response_timeout?: number;
  /**
   * Longest incoming frame, counted in characters of decoded text (never
   * more than its UTF-8 bytes). A peer sending a longer one causes an
   * `ERR_MESSAGE_TOO_LARGE` error event on this side and is disconnected.
   * @default {268435456} (256 MiB, {@linkcode DEFAULT_MAX_MESSAGE_BYTES})
   */
  max_message_bytes?: number;
  /**
   * How much frame text (in characters) may wait unwritten per connection
   * before `send()` rejects with `ERR_SEND_QUEUE_FULL`: a bound on memory
   * when the peer stops reading.
   * @default {67108864} (64 MiB, {@linkcode DEFAULT_MAX_PENDING_BYTES})
   */
  max_pending_bytes?: number;
  /**
   * How long bytes queued for the peer may make no progress, in ms, before
   * the peer counts as a slow consumer: the connection is closed, an
   * `error` event with code `ERR_WRITE_TIMEOUT` is emitted and the sends
   * still waiting reject with that code. This frees an awaited `send()` or
   * `sendall()` loop held up by a peer that stopped reading. 0 turns it
   * off.
   * @default {30000} ({@linkcode DEFAULT_WRITE_TIMEOUT})
   */
  write_timeout?: number;
  /**
   * Closes a connection that has received nothing for this long, in ms;
   * `disconnect` follows. Anything the peer sends counts, pings and pongs
   * too. 0 turns it off.
   * @default {0}
   */
  idle_timeout?: number;
  /**
   * Use TLS (also turned on by any `ssl_options`). A TLS server needs
   * `ssl_options.key` and `ssl_options.cert`.
   * @default {false}
   */
  ssl?: boolean;
  /**
   * TLS options in Node's names: `key`, `cert`, `ca`, `servername`, ...
   * Setting any turns TLS on. See {@linkcode TlsOptions} for what each
   * runtime accepts.
   */
  ssl_options?: TlsOptions;
  /**
   * The registry of types: labels mapped to a class, a Standard Schema
   * (Zod, Valibot, ArkType, ...) or `{ class, schema }`, or an array of
   * classes labelled by their names. A received value whose label is
   * registered is validated by its schema, then revived as an instance of
   * its class (by its static `fromJSON(data)`, or without running the
   * constructor, given the received fields) before any listener, remote
   * callback or response stream gets it; one that fails emits `error` with
   * `ERR_INVALID_VALUE` instead. A server's sessions use the server's.
   * Typed events follow the registry: `receive:<label>` listeners get the
   * label's type. Nothing changes on the wire. With `peer_type: "json"`
   * (no labels) nothing is checked. See README "Typed values".
   */
  types?: R;
  /**
   * Also validate values before sending them, with the schema of their
   * label (the name of their class) in `types`: a value that fails makes
   * the send reject with `ERR_INVALID_VALUE`, before anything is written.
   * Outgoing checks are synchronous: an async schema refuses the value.
   * @default {false}
   */
  validate_outgoing?: boolean;
  /**
   * Sockhop 2.x: send a handshake as soon as a connection is up (as 2.x
   * peers do), to get binary mode with a peer that answers it. Off, a
   * connection never sends a handshake first, so a 1.x peer sees exactly
   * the 1.x wire; a peer's handshake is still answered (and ours sent in
   * return), so 2.x peers get binary mode either way. On by default only
   * on the 2.x names (`Client`, `Server`).
   * @default {false}
   */
  handshake?: boolean;
  /**
   * Sockhop 2.x: accept binary frames from a peer that asks, and ask to
   * send them. Must stay off with `compatibility_mode`.
   * @default {true} (false with `compatibility_mode`)
   */
  allow_binary_mode?: boolean;
  /**
   * Sockhop 2.x: ms after sending our handshake before it counts as
   * failed (`handshake` event with `ERR_HANDSHAKE_TIMEOUT`).
   * @default {3000}
   */
  handshake_timeout?: number;
  /**
   * Sockhop 2.x: behave as a 1.x peer: never send a handshake, ignore the
   * peer's (unanswered, never shown to the application), no binary mode.
   * @default {false}
   */
  compatibility_mode?: boolean;
  /**
   * Resumable sessions, between peers of this library that both set it:
   * how long, in ms, a session outlives a dropped link. The client
   * reconnects (its backoff applies) and the server re-attaches the same
   * session; what either side sent and the other had not acknowledged is
   * resent, nothing twice, in order; `resume` is emitted on the client
   * and the session instead of `disconnect`/`connect`. `send()` then
   * resolves once the peer acknowledged the message, and rejects with
   * `ERR_SESSION_LOST` if the session ends first. A client with `resume`
   * always opens with a handshake (a 1.x server sees it as a message, as
   * with `handshake`). 0: off, today's behaviour.
   * @default {0}
   */
  resume?: number;
}

/**
 * Resolved channel options; throws `ERR_BAD_DATA` for an unusable
 * terminator, so a bad option fails in the constructor, not per connection.
 */
export function channelOptions(opts: CommonOptions): ChannelOptions {
  const terminator = terminatorPair(opts.terminator);
  return {
    peer_type: opts.peer_type === "json" ? "json" : "Sockhop",
    terminator,
    allow_non_objects: opts.allow_non_objects === true,
    max_message_bytes: opts.max_message_bytes,
    max_pending_bytes: opts.max_pending_bytes,
    write_timeout: duration(opts.write_timeout, DEFAULT_WRITE_TIMEOUT),
    idle_timeout: duration(opts.idle_timeout, 0),
    response_timeout: opts.response_timeout ?? 30000,
    user_bytes: transport.userBytes,
    ...typeOptions(opts),
    tx_codec: new JsonTx(terminator[1]),
    negotiation: negotiationConfig(opts),
  };
}

/**
 * The 2.x negotiation the options ask for; throws
 * `ERR_HANDSHAKE_COMPATIBILITY_MODE` for binary mode in compatibility mode,
 * as 2.1 does.
 */
function negotiationConfig(opts: CommonOptions): NegotiationConfig {
  const compatibility_mode = opts.compatibility_mode === true;
  const allow_binary_mode = opts.allow_binary_mode ?? !compatibility_mode;
  if (compatibility_mode && allow_binary_mode) {
    throw new SockhopError(
      "You cannot request binary mode in compatibility mode",
      "ERR_HANDSHAKE_COMPATIBILITY_MODE",
    );
  }
  return {
    // A "json" peer is not Sockhop: it is never sent a handshake.
    send_first: opts.handshake === true && !compatibility_mode &&
      opts.peer_type !== "json",
    allow_binary_mode,
    compatibility_mode,
    handshake_timeout: opts.handshake_timeout || 3000,
  };
}

/** The registry's channel options; none without a registry. */
function typeOptions(
  opts: CommonOptions,
): Pick<ChannelOptions, "types" | "outgoing"> {
  const types = opts.types && new TypeBook(opts.types);
  if (!types?.size) return {};
  if (!opts.validate_outgoing) return { types };
  return { types, outgoing: (value) => types.refuses(value) };
}

/** A timeout option in ms: its default when unset; 0 (off) unless positive. */
function duration(ms: number | undefined, fallback: number): number {
  if (ms === undefined) return fallback;
  return ms > 0 ? ms : 0;
}

/** The TLS options to use, or undefined for plain sockets. */
export function tlsOptions(opts: CommonOptions): TlsOptions | undefined {
  const ssl = opts.ssl_options ?? {};
  return opts.ssl || Object.keys(ssl).length > 0 ? ssl : undefined;
}

/**
 * A port as a number, or a `SockhopError` with code `ERR_SOCKET_BAD_PORT`
 * and Node's message, so that every runtime refuses a bad port alike. As in
 * Node, a whole number from 0 to 65535 or a string of one is a port.
 * @param port the `port` option
 */
export function checkedPort(port: unknown): number {
  const kind = typeof port;
  const ok = (kind === "number" || kind === "string") &&
    !(kind === "string" && (port as string).trim() === "") &&
    +(port as number) === (+(port as number) >>> 0) &&
    +(port as number) <= 0xffff;
  if (ok) return +(port as number);
  throw new SockhopError(
    `Port should be >= 0 and < 65536. Received ${described(port)}.`,
    "ERR_SOCKET_BAD_PORT",
  );
}

/** A value as Node's error messages describe what they received. */
function described(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function") return `function ${value.name}`;
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: string } }).constructor
      ?.name;
    return name ? `an instance of ${name}` : "[Object: null prototype]";
  }
  let shown = typeof value === "string"
    ? quoted(value)
    : typeof value === "bigint"
    ? `${value}n`
    : String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

/** A string in the quotes Node's `inspect` picks: ', else ", else `. */
function quoted(text: string): string {
  const body = JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"');
  for (const quote of ["'", '"', "`"]) {
    if (!text.includes(quote)) return quote + body + quote;
  }
  return `'${body.replaceAll("'", "\\'")}'`;
}
