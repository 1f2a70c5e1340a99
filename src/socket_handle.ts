/**
 * The connection handle users see: what events, `meta.socket`,
 * `session.sock`, `server.sockets` and `client.socket` give, in place of the
 * transport's connection.
 * @module
 */

import { emptyStats, type SockhopStats } from "./stats.ts";
import type { Addr, Conn, PeerCertificate } from "./transport/types.ts";

/**
 * What a {@linkcode SockhopSocket} reads and closes: its connection's
 * channel, which owns the close path (so that `disconnect` follows once).
 */
export interface SocketSource {
  /** The transport connection. */
  readonly conn: Conn;
  /** Whether the connection is gone (or going). */
  readonly closed: boolean;
  /** Closes now; pending writes are dropped. */
  close(): void;
  /** Closes once what was sent so far has been written. */
  closeWhenFlushed(): Promise<void> | void;
  /** Traffic so far. */
  stats(): SockhopStats;
}

/** `net.Socket`'s names for the states a handle can be in. */
export type SockhopSocketState = "open" | "readOnly" | "writeOnly" | "closed";

/**
 * One connection, as events and `server.sockets` hand it out: the
 * read-only properties and the few methods of Node's `net.Socket` that
 * programs written for the original `sockhop` use, with the values a
 * `net.Socket` reports in the same situation (in Deno, Node and Bun
 * alike). Not a `net.Socket`: there is no `write()`, send with
 * `server.send(sock, ...)` or `session.send(...)`.
 *
 * Compare handles by identity: the same object stands for a connection in
 * every event about it and in `server.sockets`. `end()` and `destroy()`
 * close through Sockhop, so the owner emits `disconnect` once, as for any
 * other drop.
 *
 * @example
 * ```ts
 * import { SockhopServer } from "@sockhop/sockhop";
 *
 * const server = new SockhopServer({ port: 0 });
 * server.on("connect", (sock) => {
 *   console.log(`${sock.remoteAddress}:${sock.remotePort} ${sock.readyState}`);
 *   if (sock.remoteFamily !== "IPv4") sock.end(); // IPv4 clients only
 * });
 * await server.listen();
 * await server.close();
 * ```
 */
export class SockhopSocket {
  readonly #source: SocketSource;
  /** `end()` was called: writing is over, the close is under way. */
  #ending = false;

  /**
   * Made by clients and servers for each connection.
   * @param source the connection's channel
   */
  constructor(source: SocketSource) {
    this.#source = source;
  }

  /** The peer's IP address; undefined for a Unix socket. */
  get remoteAddress(): string | undefined {
    return hostOf(this.#source.conn.remoteAddr);
  }

  /** The peer's port; undefined for a Unix socket. */
  get remotePort(): number | undefined {
    return portOf(this.#source.conn.remoteAddr);
  }

  /** `"IPv4"` or `"IPv6"`; undefined for a Unix socket. */
  get remoteFamily(): "IPv4" | "IPv6" | undefined {
    return familyOf(this.remoteAddress);
  }

  /**
   * This end's IP address; undefined for a Unix socket, and once closed
   * (as `net.Socket` reports it).
   */
  get localAddress(): string | undefined {
    return this.destroyed ? undefined : hostOf(this.#source.conn.localAddr);
  }

  /** This end's port; undefined for a Unix socket, and once closed. */
  get localPort(): number | undefined {
    return this.destroyed ? undefined : portOf(this.#source.conn.localAddr);
  }

  /**
   * `"open"`; `"readOnly"` after `end()`, until the connection is gone;
   * then `"closed"`.
   */
  get readyState(): SockhopSocketState {
    if (this.#source.closed) return "closed";
    return this.#ending ? "readOnly" : "open";
  }

  /** Whether the connection is gone (closed by either end). */
  get destroyed(): boolean {
    return this.#source.closed;
  }

  /** Bytes received so far. */
  get bytesRead(): number {
    return this.#source.stats().bytes_in;
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.#source.stats().bytes_out;
  }

  /** This end's address, in Sockhop's terms. */
  get localAddr(): Addr {
    return this.#source.conn.localAddr;
  }

  /** The peer's address, in Sockhop's terms. */
  get remoteAddr(): Addr {
    return this.#source.conn.remoteAddr;
  }

  /**
   * The certificate a TLS client presented to this server (see
   * `ssl_options.requestCert`); undefined otherwise.
   */
  get peerCertificate(): PeerCertificate | undefined {
    return this.#source.conn.peerCertificate;
  }

  /**
   * The transport's connection, for diagnostics (in Node, its `socket` is
   * the `net.Socket`); not a stable interface.
   */
  get _conn(): Conn {
    return this.#source.conn;
  }

  /**
   * Closes the connection once what was sent has been written; sends made
   * after this fail. `disconnect` follows.
   */
  end(): this {
    if (!this.#ending && !this.#source.closed) {
      this.#ending = true;
      this.#source.closeWhenFlushed();
    }
    return this;
  }

  /** Closes the connection now, dropping unwritten sends; `disconnect` follows. */
  destroy(): this {
    this.#source.close();
    return this;
  }

  /**
   * Turns Nagle's algorithm off (true, Sockhop's default: frames go out at
   * once) or on. Does nothing where the transport cannot (Deno's TLS).
   * @param noDelay whether to send without delay
   */
  setNoDelay(noDelay = true): this {
    if (!this.#source.closed) this.#source.conn.setNoDelay?.(noDelay);
    return this;
  }

  /**
   * Turns TCP keep-alive probes on or off. `initialDelay` (ms of idleness
   * before the first probe) is honoured in Node and Bun; Deno uses the
   * system's.
   * @param enable whether to probe
   * @param initialDelay ms before the first probe (0: the system's)
   */
  setKeepAlive(enable = false, initialDelay = 0): this {
    if (!this.#source.closed) {
      this.#source.conn.setKeepAlive?.(enable, initialDelay);
    }
    return this;
  }
}

/**
 * A handle for a connection refused before it had a channel (over
 * `max_connections`): closed, with its addresses.
 * @param conn the refused connection
 */
export function refusedSocket(conn: Conn): SockhopSocket {
  return new SockhopSocket({
    conn,
    closed: true,
    close: () => conn.close(),
    closeWhenFlushed: () => conn.close(),
    stats: emptyStats,
  });
}

function hostOf(addr: Addr): string | undefined {
  return addr.transport === "tcp" ? addr.hostname : undefined;
}

function portOf(addr: Addr): number | undefined {
  return addr.transport === "tcp" ? addr.port : undefined;
}

function familyOf(host: string | undefined): "IPv4" | "IPv6" | undefined {
  if (host === undefined) return undefined;
  return host.includes(":") ? "IPv6" : "IPv4";
}
