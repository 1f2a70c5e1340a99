/**
 * The Sockhop 2.x events of clients, servers and sessions: what each
 * owner emits when its channel's protocol reports a handshake, a switch to
 * binary mode or a typed buffer.
 * @module
 */

import type { EventEmitter } from "node:events";
import type { ProtocolHooks } from "./channel_protocol.ts";
import type { SockhopSession } from "./session.ts";
import type { SockhopSocket } from "./socket_handle.ts";
import type { ReceiveMeta } from "./types.ts";

/**
 * A client's protocol events, emitted on the client.
 * @param client the client
 */
export function clientProtocolHooks(client: EventEmitter): ProtocolHooks {
  return {
    handshake: (ok, error) => client.emit("handshake", ok, error),
    binaryMode: (direction, on) => client.emit(`binary_mode:${direction}`, on),
    receiveBuffer: (bytes, type, callback) =>
      client.emit(
        "receive:buffer",
        bytes,
        callback === undefined ? { type } : { type, callback },
      ),
  };
}

/**
 * A server connection's protocol events: the handshake and typed buffers
 * on the server (and the session), binary mode on the session.
 * @param server the server
 * @param link the connection and its session
 */
export function serverProtocolHooks(
  server: EventEmitter,
  link: { socket: SockhopSocket; session: SockhopSession },
): ProtocolHooks {
  return {
    handshake: (ok, error) => {
      server.emit("handshake", link.socket, link.session, ok, error);
      link.session?.emit("handshake", ok, error);
    },
    binaryMode: (direction, on) =>
      link.session?.emit(`binary_mode:${direction}`, on),
    receiveBuffer: (bytes, type, callback) => {
      const meta: ReceiveMeta = callback === undefined
        ? { type }
        : { type, callback };
      server.emit("receive:buffer", bytes, {
        ...meta,
        socket: link.socket,
        session: link.session,
      });
      link.session?.emit("receive:buffer", bytes, meta);
    },
  };
}
