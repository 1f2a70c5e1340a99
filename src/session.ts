/**
 * The server's per-connection object.
 * @module
 */

import type { EventEmitter } from "node:events";
import type { SockhopResponseReadableStream } from "./response_stream.ts";
import type { SockhopStats } from "./stats.ts";
import type { PeerCertificate } from "./transport/types.ts";
import type { SockhopSocket } from "./socket_handle.ts";
import { rethrow, TypedEmitter } from "./typed_emitter.ts";
import type {
  Payload,
  RemoteCallback,
  RequestOptions,
  SendOptions,
} from "./types.ts";

/** Events of a session: none are built in, any name may be used. */
// deno-lint-ignore no-explicit-any
export type SockhopSessionEvents = Record<string, any[]>;

/**
 * The server as a session sees it (`session.server`): the public surface
 * of {@linkcode SockhopServer}, which is one, so that what users of the
 * original reach through `session.server` (`sendall`, `sockets`,
 * `sessions`, `get_session`, `on("connect", ...)`, ...) compiles without a
 * cast. Declared here rather than as the server's class to keep the
 * session free of the server's module. Its events are the server's
 * ({@linkcode SockhopServerEvents}); for listeners typed by event name,
 * listen on the server itself.
 */
export interface SessionHost extends EventEmitter {
  /** Address the server binds. */
  address: string;
  /** Unix socket path, or null for TCP. */
  path: string | null;
  /** Port the server listens on (the real one after `listen()`). */
  port: number;
  /** Connected clients' connections. */
  readonly sockets: SockhopSocket[];
  /** Connected clients' sessions, in the order of `sockets`. */
  readonly sessions: SockhopSession[];
  /**
   * The session of a connected client by its id.
   * @param id the session's `id`
   */
  get_session(id: string): SockhopSession | undefined;
  /** The address the server is bound to. */
  get_bound_address(): string | undefined;
  /** The port the server is bound to. */
  get_bound_port(): number | undefined;
  /**
   * Sends a value to every client.
   * @param o the value
   */
  sendall(o: unknown): Promise<void[]>;
  /**
   * Pings every client every `delay` ms (0 stops).
   * @param delay interval in ms
   */
  ping(delay?: number): void;
  /** Disconnects every client; the server keeps listening. */
  disconnect(): Promise<void>;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
  /**
   * Sends a value to one client.
   * @param sock the client's connection
   * @param o the value
   * @param callback remote callback
   * @param config error_cb and timeout for the remote callback
   */
  send(
    sock: SockhopSocket,
    o: unknown,
    callback?: RemoteCallback,
    config?: SendOptions,
  ): Promise<void>;
  /**
   * Sends an envelope as is.
   * @param sock the client's connection
   * @param message the envelope: `type` label and `data`
   */
  _send_message(
    sock: SockhopSocket,
    message: { type: string; data: unknown },
  ): Promise<void>;
  /**
   * Sends a request to one client.
   * @param sock the client's connection
   * @param o the request's payload
   * @param config timeout of the response stream
   */
  request(
    sock: SockhopSocket,
    o: unknown,
    config?: RequestOptions,
  ): Promise<SockhopResponseReadableStream>;
  /**
   * Disconnects one client.
   * @param sock the client's connection
   */
  kill_socket(sock: SockhopSocket): Promise<void>;
  /**
   * Reports an error of one client's session as the server reports its
   * own (for the session's async listeners).
   * @param e the error
   * @param sock the client's connection
   * @param session the client's session
   */
  _report(e: Error, sock: SockhopSocket, session: SockhopSession): void;
  /**
   * One connection's counts (behind `session.stats()`).
   * @param sock the client's connection
   */
  _stats(sock: SockhopSocket): SockhopStats;
  /**
   * Sockhop 2.x: sends a typed buffer to one client.
   * @param sock the client's connection
   * @param type the type name
   * @param bytes the bytes
   * @param callback remote callback
   */
  send_typed_buffer(
    sock: SockhopSocket,
    type: string,
    bytes: Uint8Array,
    callback?: RemoteCallback,
  ): Promise<void>;
  /**
   * Sockhop 2.x: whether each direction of one client's connection
   * carries binary frames.
   * @param sock the client's connection
   */
  binary_mode(sock: SockhopSocket): { rx: boolean; tx: boolean };
}

/**
 * Wraps each accepted connection. Subclass it (and pass the class as the
 * server's `session_type`) to keep per-client state, and override `start()`
 * and `end()` for setup and teardown: `start()` is awaited before the
 * connection is registered and `connect` is emitted, `end()` before
 * `disconnect` is emitted.
 *
 * @example
 * ```ts
 * import { SockhopServer, SockhopSession } from "@sockhop/sockhop";
 *
 * class Player extends SockhopSession {
 *   score = 0;
 *   override async start() {
 *     await this.send({ welcome: true, id: this.id });
 *   }
 *   override async end() {
 *     console.log(`player ${this.id} left with ${this.score} points`);
 *   }
 * }
 * const server = new SockhopServer({ port: 0, session_type: Player });
 * server.on("receive", (_data, { session }) => (session as Player).score++);
 * await server.listen();
 *
 * // Elsewhere, knowing a player's id:
 * async function award(id: string) {
 *   const player = server.get_session(id) as Player | undefined;
 *   await player?.send({ bonus: 10 });
 * }
 * await award("no-such-id"); // not connected: nothing happens
 * await server.close();
 * ```
 */
export class SockhopSession extends TypedEmitter<SockhopSessionEvents> {
  readonly #sock: SockhopSocket;
  readonly #server: SessionHost;
  /** Made on first use: most sessions are never asked for theirs. */
  #id: string | undefined;

  /**
   * A random UUID naming this session; find a connected client's session
   * by it with {@linkcode SockhopServer.prototype.get_session}.
   */
  get id(): string {
    return this.#id ??= crypto.randomUUID();
  }

  /**
   * Made by the server for each accepted connection.
   * @param sock the connection
   * @param server the server that accepted it
   */
  constructor(sock: SockhopSocket, server: SessionHost) {
    super();
    this.#sock = sock;
    this.#server = server;
  }

  /** The session's connection. */
  get sock(): SockhopSocket {
    return this.#sock;
  }

  /**
   * The certificate the client presented over TLS (the server asks for one
   * with `ssl_options.requestCert`), e.g. `peer_certificate?.subject.CN`;
   * null without one.
   */
  get peer_certificate(): PeerCertificate | null {
    return this.#sock.peerCertificate ?? null;
  }

  /** Sockhop 2.x: whether each direction carries binary frames. */
  get binary_mode(): { rx: boolean; tx: boolean } {
    return this.#server.binary_mode(this.#sock);
  }

  /**
   * Sockhop 2.x: sends a typed buffer to this client (binary mode only;
   * see `SockhopClient.send_typed_buffer`).
   * @param type the type name
   * @param bytes the bytes
   * @param callback remote callback
   */
  send_typed_buffer(
    type: string,
    bytes: Uint8Array,
    callback?: RemoteCallback,
  ): Promise<void> {
    return this.#server.send_typed_buffer(this.#sock, type, bytes, callback);
  }

  /** The server that owns the session. */
  get server(): SessionHost {
    return this.#server;
  }

  /**
   * Sends an envelope as is (the original's API; response streams answer
   * through the channel, not this); prefer `send()`.
   * @param message the envelope: `type` label and `data`
   */
  _send_message(message: { type: string; data: unknown }): Promise<void> {
    return this.#server._send_message(this.#sock, message);
  }

  /**
   * This connection's counts: messages and bytes in and out, `error`
   * events about it by code, remote callbacks and requests waiting for
   * their answer. Still readable once the client has left (the final
   * figures).
   *
   * @example
   * ```ts
   * import { SockhopServer } from "@sockhop/sockhop";
   *
   * const server = new SockhopServer({ port: 0 });
   * server.on("disconnect", (_sock, session) => {
   *   const { messages_in, bytes_in } = session.stats();
   *   console.log(`${session.id} sent ${messages_in} messages, ${bytes_in} bytes`);
   * });
   * await server.listen();
   * await server.close();
   * ```
   */
  stats(): SockhopStats {
    return this.#server._stats(this.#sock);
  }

  /**
   * Sends a value to this client.
   * @param obj the value
   * @param callback remote callback (`A`: the answer's type)
   * @param config error_cb and timeout for the remote callback
   */
  send<A = Payload>(
    obj: unknown,
    callback?: RemoteCallback<A>,
    config?: SendOptions,
  ): Promise<void> {
    return this.#server.send(this.#sock, obj, callback, config);
  }

  /**
   * Sends a request to this client.
   * @param obj the request's payload
   * @param config timeout of the response stream
   */
  request<A = unknown>(
    obj: unknown,
    config?: RequestOptions,
  ): Promise<SockhopResponseReadableStream<A>> {
    return this.#server.request(this.#sock, obj, config) as Promise<
      SockhopResponseReadableStream<A>
    >;
  }

  /** Disconnects this client. */
  kill(): Promise<void> {
    return this.#server.kill_socket(this.#sock);
  }

  /**
   * An async listener's promise rejected: an `error` event on the session
   * if it has `error` listeners, else reported by the server, as the
   * server's own listeners' failures are.
   * @param error the rejection reason
   * @param event the event whose listener failed
   * @param args the listener's arguments
   */
  override _listener_rejected(
    error: unknown,
    event: string,
    args: unknown[],
  ): void {
    if (event !== "error" && this.listenerCount("error") > 0) {
      super._listener_rejected(error, event, args);
    } else if (event === "error") {
      rethrow(error);
    } else {
      this.#server._report(error as Error, this.#sock, this);
    }
  }

  /** Override for setup; awaited before `connect` is emitted. */
  async start(): Promise<void> {}

  /** Override for teardown; awaited before `disconnect` is emitted. */
  async end(): Promise<void> {}

  /**
   * Makes and starts a session (used by the server).
   * @param sock the connection
   * @param server the server
   */
  static async _from_socket(
    this: SessionClass,
    sock: SockhopSocket,
    server: SessionHost,
  ): Promise<SockhopSession> {
    const session = new this(sock, server);
    await session.start();
    return session;
  }
}

/** A session class: {@linkcode SockhopSession} or a subclass. */
export type SessionClass = {
  new (sock: SockhopSocket, server: SessionHost): SockhopSession;
  _from_socket(
    sock: SockhopSocket,
    server: SessionHost,
  ): Promise<SockhopSession>;
};
