/**
 * The Node implementation of the transport seam, over `node:net` and
 * `node:tls` (the sockets themselves live in `node_sockets.ts`, which the
 * Deno transport also uses for what `Deno.*` cannot do): TCP and Unix
 * sockets, with or without TLS. The npm build puts this file where
 * `deno.ts` was (dnt's `mappings`); nothing above the transport knows
 * which one it got.
 *
 * Escape hatch: every {@linkcode Conn} this transport makes also carries the
 * Node socket it wraps as `socket` (a `net.Socket`, or a `tls.TLSSocket`
 * when TLS is on), for what Sockhop does not cover (keep-alive, ...).
 * Reading from it or ending it behind Sockhop's back is not supported: a
 * client's socket without TLS reads through Node's `onread` option, so a
 * `data` listener on it would hear nothing.
 *
 * TLS options are Node's own (`cert`, `key`, `ca`, `rejectUnauthorized`,
 * `servername`, `requestCert`, and any other `tls.connect` /
 * `tls.createServer` option) and are passed through unchanged. TLS over a
 * Unix socket path works too.
 * @module
 */

import { Buffer } from "node:buffer";
import { connect, listen } from "./node_sockets.ts";
import { listenReclaiming } from "./unix_path.ts";
import type { Conn, Listener, ListenOptions, Transport } from "./types.ts";

export type { NodeConn } from "./node_sockets.ts";

/** The Node transport. */
export const transport: Transport = {
  connect: (options): Promise<Conn> => connect(options),
  listen: (options: ListenOptions): Promise<Listener> =>
    listenReclaiming(listen, connect, options),
  userBytes: (bytes: Uint8Array): Uint8Array =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
};
