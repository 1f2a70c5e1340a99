/**
 * Options shared by clients and servers, with the original's names and
 * defaults.
 * @module
 */

import type { Terminator } from "./wire/object_buffer.ts";
import type { ChannelOptions } from "./channel.ts";
import type { TlsOptions } from "./transport/types.ts";

/** Options common to {@linkcode SockhopClient} and {@linkcode SockhopServer}. */
export interface CommonOptions {
  /** Unix domain socket path; overrides `address` and `port`. */
  path?: string;
  /** IP address to connect to or bind (default `"127.0.0.1"`). */
  address?: string;
  /** TCP port (default `50000`; 0 lets a server's OS pick). */
  port?: number;
  /** `"Sockhop"` (default): typed envelopes; `"json"`: raw JSON values. */
  peer_type?: "Sockhop" | "json";
  /** Frame terminator (default `"\n"`), or `[rx, tx]`. */
  terminator?: Terminator;
  /** Accept and send values that are not objects (default `false`). */
  allow_non_objects?: boolean;
  /**
   * How long response streams and remote callbacks wait for their answer,
   * in ms (default 30000).
   */
  response_timeout?: number;
  /**
   * Longest incoming frame; a peer sending more is sent an error event and
   * disconnected (default 256 MiB).
   */
  max_message_bytes?: number;
  /**
   * How much may wait unwritten per connection before `send()` rejects
   * with `ERR_SEND_QUEUE_FULL` (default 64 MiB).
   */
  max_pending_bytes?: number;
  /** Use TLS (also turned on by any `ssl_options`). */
  ssl?: boolean;
  /** TLS options in Node's names: `key`, `cert`, `ca`, `servername`, ... */
  ssl_options?: TlsOptions;
}

/** Resolved channel options. */
export function channelOptions(opts: CommonOptions): ChannelOptions {
  return {
    peer_type: opts.peer_type === "json" ? "json" : "Sockhop",
    terminator: opts.terminator ?? "\n",
    allow_non_objects: opts.allow_non_objects === true,
    max_message_bytes: opts.max_message_bytes,
    max_pending_bytes: opts.max_pending_bytes,
    response_timeout: opts.response_timeout ?? 30000,
  };
}

/** The TLS options to use, or undefined for plain sockets. */
export function tlsOptions(opts: CommonOptions): TlsOptions | undefined {
  const ssl = opts.ssl_options ?? {};
  return opts.ssl || Object.keys(ssl).length > 0 ? ssl : undefined;
}
