/**
 * The server end.
 * @module
 */

import { Channel, type ChannelHooks } from "./channel.ts";
import {
  addressOf,
  destroyedRejection,
  emitReceive,
  PingTimer,
  reportError,
  reportPeerError,
} from "./endpoint.ts";
import { SockhopError } from "./errors.ts";
import {
  addStats,
  countError,
  emptyStats,
  type SockhopServerStats,
  type SockhopStats,
} from "./stats.ts";
import { type MessagesOptions, messageStream } from "./messages.ts";
import { ReadPause } from "./read_pause.ts";
import {
  channelOptions,
  checkedPort,
  type CommonOptions,
  tlsOptions,
} from "./options.ts";
import type {
  SockhopRequest,
  SockhopResponseReadableStream,
  SockhopResponseWriteableStream,
} from "./response_stream.ts";
import {
  type SessionClass,
  type SessionHost,
  SockhopSession,
} from "./session.ts";
import { transport } from "./transport/runtime.ts";
import { unsendable } from "./wire/envelope.ts";
import type { Frame, TxCodec } from "./wire/tx_codec.ts";
import { type ProtocolHooks, sendTypedBuffer } from "./channel_protocol.ts";
import { serverProtocolHooks } from "./protocol_events.ts";
import type {
  ServerReceiveMeta,
  ServerRequestMeta,
  SockhopServerEvents,
} from "./events.ts";
import { rethrow, TypedEmitter } from "./typed_emitter.ts";
import { quiet } from "./util.ts";
import type { Conn, Listener, TlsOptions } from "./transport/types.ts";
import { refusedSocket, SockhopSocket } from "./socket_handle.ts";
import type { NoTypes, TypeRegistry, ValuesOf } from "./typed_values.ts";
import type { ReceiveArgs } from "./receive_events.ts";
import { type ServerResume, serverResume } from "./resume/server_resume.ts";
import { onResume, resumeDelivered, resumeLinkDead } from "./resume/hooks.ts";
import type {
  ChannelOptions,
  Payload,
  ReceiveMeta,
  RemoteCallback,
  RequestOptions,
  SendOptions,
} from "./types.ts";

/** Resolves on a later turn of the event loop (a timer, as the original's). */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 0));

/** Options of {@linkcode SockhopServer}. */
export interface SockhopServerOptions<R extends TypeRegistry = TypeRegistry>
  extends CommonOptions<R> {
  /**
   * Class wrapping each connection: {@linkcode SockhopSession} or a
   * subclass keeping per-client state.
   * @default {SockhopSession}
   */
  session_type?: SessionClass;
  /**
   * TLS only: how long a client may take to finish its handshake, in ms.
   * A connection still handshaking then is closed, and an `error` event
   * with code `ERR_TLS_HANDSHAKE_TIMEOUT` is emitted.
   * @default {10000}
   */
  tls_handshake_timeout?: number;
  /**
   * Most connections served at once, counting those whose session is still
   * starting. One over the limit is closed at once, before a session is
   * made, and the server emits `error` with code `ERR_MAX_CONNECTIONS`
   * (with the refused socket, and a null session). 0 or unset: no limit.
   * @default {Infinity}
   */
  max_connections?: number;
}

/** What a server's connections need of it: one of these per server. */
interface LinkHost {
  /** The server, as its connections emit events on it (any registry). */
  readonly server: TypedEmitter<
    Pick<SockhopServerEvents, "request" | "disconnect">
  >;
  readonly readPause: ReadPause;
  report(
    e: Error,
    sock?: SockhopSocket,
    session?: SockhopSession,
    fromPeer?: boolean,
  ): void;
  /** The connection's channel is gone (before any event about it). */
  forget(link: Link): void;
}

/**
 * One accepted connection: its channel's hooks, as methods rather than a
 * set of closures (a server keeps one of these per idle connection).
 */
class Link implements ChannelHooks {
  readonly #host: LinkHost;
  channel!: Channel;
  /** The handle users see (made with the channel). */
  socket!: SockhopSocket;
  session!: SockhopSession;
  /** Whether the client was announced with `connect`. */
  registered = false;
  #isGone = false;
  #gone: Promise<void> | undefined;
  #markGone: (() => void) | undefined;

  constructor(host: LinkHost) {
    this.#host = host;
  }

  get readPause(): ReadPause {
    return this.#host.readPause;
  }

  get protocol(): ProtocolHooks {
    return serverProtocolHooks(this.#host.server, this);
  }

  receive(
    data: unknown,
    type: string,
    callback: ReceiveMeta["callback"] | undefined,
  ): void {
    // Built field by field, not spread from the channel's meta: a spread
    // per message is a measurable cost in Node.
    const meta: ServerReceiveMeta = callback === undefined
      ? { type, socket: this.socket, session: this.session }
      : { type, callback, socket: this.socket, session: this.session };
    emitReceive(this.#host.server, data, meta);
  }

  request(req: SockhopRequest, res: SockhopResponseWriteableStream): void {
    this.#host.server.emit("request", req, res, {
      socket: this.socket,
      session: this.session,
    });
  }

  error(e: Error, fromPeer?: boolean): void {
    this.#host.report(e, this.socket, this.session, fromPeer);
  }

  closed(): void {
    this.#host.forget(this);
    if (!this.registered) return this.#setGone(); // never connected: no events
    const { socket, session } = this;
    const report = (e: Error) => this.#host.report(e, socket, session);
    // end() may be a plain JavaScript override: not async, or throwing.
    Promise.resolve().then(() => session.end()).catch(report).then(() => {
      this.#host.server.emit("disconnect", socket, session);
      if (this.channel.protocol?.negotiation.handshaken) {
        session.emit("unhandshake");
      }
    }).catch(report).finally(() => this.#setGone());
  }

  /** Settles once `disconnect` has been emitted for this client. */
  gone(): Promise<void> {
    if (this.#isGone) return Promise.resolve();
    return this.#gone ??= new Promise((r) => (this.#markGone = r));
  }

  #setGone(): void {
    this.#isGone = true;
    this.#markGone?.();
  }
}

/**
 * Accepts Sockhop clients (this project's or the original's) over TCP,
 * Unix sockets or TLS, and exchanges typed values, remote callbacks and
 * streamed requests with each.
 *
 * Each connection gets a session object (class `session_type`, default
 * {@linkcode SockhopSession}); `sockets` and `sessions` list the connected
 * clients, `get_session(id)` finds one. Send to one client with
 * `send(sock, value)` (or `session.send(value)`), to all with `sendall()`.
 *
 * Events (see {@linkcode SockhopServerEvents}): `connect(sock, session)`,
 * `disconnect(sock, session)`,
 * `receive(data, { type, socket, session, callback? })`,
 * `receive:<type>(data, meta)` (e.g. `receive:Widget`),
 * `request(req, res, { socket, session })`, `error(err, sock, session)`
 * (`sock` and `session` are null when the error belongs to no client).
 *
 * Listeners may be async: a rejected promise is reported as a thrown error
 * is, as an `error` event with the client's socket and session; with no
 * `error` listener a `SockhopError` (a client that left during `sendall()`
 * or `res.write()`, one that stopped reading) is dropped and anything else
 * is rethrown as an uncaught exception.
 *
 * @example
 * ```ts
 * import { SockhopServer } from "@sockhop/sockhop";
 *
 * const server = new SockhopServer({ port: 0 }); // the OS picks the port
 * server.on("receive", (data, meta) => {
 *   console.log(`got a ${meta.type}`, data);
 *   meta.callback?.({ ok: true });
 * });
 * await server.listen();
 * console.log(`listening on ${server.get_bound_address()}:${server.port}`);
 * await server.close();
 * ```
 *
 * @example Unix socket, per-type events, broadcasting
 * ```ts
 * import { SockhopServer } from "@sockhop/sockhop";
 *
 * class Chat {
 *   constructor(public text = "") {}
 * }
 * const server = new SockhopServer({ path: "/tmp/chat-doc-example.sock" });
 * server.on("receive:Chat", async (chat: Chat, { session }) => {
 *   await server.sendall(new Chat(`${session.id}: ${chat.text}`));
 * });
 * await server.listen();
 * await server.close();
 * ```
 */
export class SockhopServer<R extends TypeRegistry = NoTypes>
  extends TypedEmitter<SockhopServerEvents<ValuesOf<R>>>
  implements SessionHost {
  /** Address to bind. */
  address: string;
  /** Unix socket path, or null for TCP. */
  path: string | null;
  /**
   * Port to bind; after `listen()`, the port actually bound. `0` for a
   * server on a Unix socket `path`, which has no TCP port.
   */
  port: number;

  readonly #requestedPort: number;
  readonly #opts: ChannelOptions;
  /** Resumable sessions (the `resume` option), if on. */
  readonly #resume: ServerResume | undefined;
  readonly #tls: TlsOptions | undefined;
  readonly #handshakeTimeout: number | undefined;
  readonly #sessionType: SessionClass;
  readonly #maxConnections: number;
  readonly #clients = new Map<SockhopSocket, Link>();
  #sockets: SockhopSocket[] = [];
  #sessions: SockhopSession[] = [];
  #listener: Listener | null = null;
  #acceptLoop: Promise<void> | null = null;
  readonly #pinger = new PingTimer();
  readonly #readPause = new ReadPause();
  /** What each connection's {@linkcode Link} calls back into. */
  readonly #linkHost: LinkHost = {
    server: this,
    readPause: this.#readPause,
    report: (e, sock, session, fromPeer) =>
      this.#report(e, sock, session, fromPeer),
    forget: (link) => {
      this.#live.delete(link.channel);
      addStats(this.#past, link.channel.stats());
      if (link.registered) this.#unregister(link.socket);
    },
  };
  /** Ends the message iterations in progress (on `close()`). */
  readonly #messageEnds = new Set<() => void>();
  /**
   * Connections whose session is still starting, with their channel: a
   * session may already send or request from its `start()`.
   */
  readonly #starting = new Map<SockhopSocket, Channel>();
  /** Every open channel, registered or starting, for `stats()`. */
  readonly #live = new Set<Channel>();
  /** Each connection's channel, gone ones too, for `session.stats()`. */
  readonly #channels = new WeakMap<SockhopSocket, Channel>();
  /** Counts of the connections gone. */
  readonly #past = emptyStats();
  /** `error` events, by code. */
  readonly #errors: Record<string, number> = {};
  #accepted = 0;
  #refused = 0;

  /**
   * Makes a server; it binds on `listen()`.
   * @param opts where to listen and how to frame
   */
  constructor(opts: SockhopServerOptions<R> = {}) {
    super();
    this.address = opts.address || "127.0.0.1";
    this.path = opts.path || null;
    this.#requestedPort = this.path ? 0 : opts.port ?? 50000;
    this.port = this.#requestedPort;
    this.#opts = channelOptions(opts);
    this.#resume = serverResume(opts.resume, this.#opts);
    this.#tls = tlsOptions(opts);
    this.#handshakeTimeout = opts.tls_handshake_timeout;
    this.#sessionType = opts.session_type ?? SockhopSession;
    const max = opts.max_connections ?? 0;
    this.#maxConnections = max > 0 ? max : Infinity;
  }

  /** The connections of registered clients. */
  get sockets(): SockhopSocket[] {
    return this.#sockets;
  }

  /** The sessions of registered clients, in the order of `sockets`. */
  get sessions(): SockhopSession[] {
    return this.#sessions;
  }

  /**
   * The session with this id, if its client is connected.
   * @param id a session's `id`
   */
  get_session(id: string): SockhopSession | undefined {
    return this.#sessions.find((s) => s.id === id);
  }

  /**
   * Binds and starts accepting. Resolves to the bound listener. A Unix
   * socket path left behind by a dead process is reclaimed; one owned by a
   * live server, or a path that is not a socket, fails with
   * `ERR_ADDRESS_IN_USE` and is left alone.
   */
  async listen(): Promise<Listener> {
    if (this.#listener) return this.#listener;
    const listener = await this.#bind();
    this.#listener = listener;
    if (listener.addr.transport === "tcp") this.port = listener.addr.port;
    this.#acceptLoop = (async () => {
      for await (const conn of listener.connections) this.#accept(conn);
    })();
    return listener;
  }

  /** The IP address (or socket path) bound, once listening. */
  get_bound_address(): string | undefined {
    return addressOf(this.#listener?.addr);
  }

  /** The TCP port bound, once listening. */
  get_bound_port(): number | undefined {
    const addr = this.#listener?.addr;
    return addr?.transport === "tcp" ? addr.port : undefined;
  }

  /**
   * Sends a value to one client.
   * @param sock the client's connection (from an event or `sockets`)
   * @param o the value (not null or undefined)
   * @param callback remote callback (`A`: the answer's type)
   * @param config error_cb and timeout for the remote callback
   */
  send<A = Payload>(
    sock: SockhopSocket,
    o: unknown,
    callback?: RemoteCallback<A>,
    config?: SendOptions,
  ): Promise<void> {
    const found = this.#find(sock);
    if (found instanceof Promise) return found;
    return resumeDelivered(found.conn, found.send(o, callback, config));
  }

  /**
   * Sends an envelope as is (behind `session._send_message`; response
   * streams answer through the channel, not this); prefer `send()`.
   * @param sock the client's connection
   * @param message the envelope: `type` label and `data`
   */
  _send_message(
    sock: SockhopSocket,
    message: { type: string; data: unknown },
  ): Promise<void> {
    const found = this.#find(sock);
    if (found instanceof Promise) return found;
    return found._send_message(message);
  }

  /**
   * Sends a request to one client; resolves to its response stream.
   * @param sock the client's connection
   * @param o the request's payload
   * @param config timeout of the response stream
   */
  request<A = unknown>(
    sock: SockhopSocket,
    o: unknown,
    config?: RequestOptions,
  ): Promise<SockhopResponseReadableStream<A>> {
    const found = this.#find(sock);
    if (found instanceof Promise) return found;
    return found.request<A>(o, config);
  }

  /**
   * Sockhop 2.x: sends a typed buffer to a client (see
   * `SockhopClient.send_typed_buffer`).
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
  ): Promise<void> {
    const found = this.#find(sock);
    if (found instanceof Promise) return found;
    return sendTypedBuffer(found.protocol, type, bytes, callback);
  }

  /**
   * Sockhop 2.x: whether each direction of a client's connection carries
   * binary frames.
   * @param sock the client's connection
   */
  binary_mode(sock: SockhopSocket): { rx: boolean; tx: boolean } {
    const mode = this.#channels.get(sock)?.protocol?.negotiation.binary_mode;
    return { rx: mode?.rx ?? false, tx: mode?.tx ?? false };
  }

  /**
   * Sends a value to every connected client. Each send is independent: a
   * stalled client does not hold up delivery to the others. Settles once
   * every send has settled (so awaiting it paces the caller to the slowest
   * client), then rejects with the first failure, if any.
   * @param o the value
   */
  sendall(o: unknown): Promise<void[]> {
    // Refused even with no client connected, as every send would refuse it.
    const bad = unsendable(o);
    if (bad) return Promise.reject(bad);
    const channels: Channel[] = [];
    for (const { channel } of this.#clients.values()) {
      if (!channel.closed) channels.push(channel); // killed, not yet gone
    }
    if (channels.length === 0) return Promise.resolve([]);
    // Serialised once per codec (channels of one server share them).
    const frames = new Map<TxCodec, Frame | Promise<never>>();
    const sends = channels.map((channel) => {
      let frame = frames.get(channel.codec);
      if (frame === undefined) {
        frames.set(channel.codec, frame = channel.frame(o));
      }
      return frame instanceof Promise ? frame : channel.send_frame(frame);
    });
    // Like send(): a failure (a stalled or vanished peer) must not crash a
    // program that fires sendall() without awaiting it.
    return quiet(
      Promise.allSettled(sends).then((results) =>
        results.map((r) => {
          if (r.status === "rejected") throw r.reason;
          return r.value;
        })
      ),
    );
  }

  /**
   * Disconnects one client; resolves once `disconnect` has been emitted.
   * @param sock the client's connection
   */
  kill_socket(sock: SockhopSocket): Promise<void> {
    const client = this.#clients.get(sock);
    if (!client) {
      const starting = this.#starting.get(sock);
      if (starting) starting.close();
      else sock?.destroy?.();
      return Promise.resolve();
    }
    client.channel.close();
    return client.gone();
  }

  /**
   * Values received from every client as an async iterable of
   * `[data, meta]` (`meta.socket` and `meta.session` say who sent it),
   * until `close()`. At most `options.buffer` values wait for the loop;
   * past that, reading from every client pauses (TCP pushes back) until
   * the loop catches up. Leaving the loop early stops the buffering.
   * `receive` events are still emitted as usual.
   *
   * @example
   * ```ts
   * import { SockhopServer } from "@sockhop/sockhop";
   *
   * const server = new SockhopServer({ port: 0 });
   * await server.listen();
   * for await (const [data, { type, session }] of server.messages()) {
   *   console.log(session.id, type, data);
   *   if (type === "Shutdown") break;
   * }
   * await server.close();
   * ```
   * @param options the buffer's size
   */
  messages(
    options?: MessagesOptions,
  ): AsyncIterable<ReceiveArgs<ValuesOf<R>, ServerReceiveMeta>> {
    return messageStream<ReceiveArgs<ValuesOf<R>, ServerReceiveMeta>>({
      emitter: this,
      pause: this.#readPause,
      onEnd: (end) => {
        this.#messageEnds.add(end);
        return () => this.#messageEnds.delete(end);
      },
    }, options);
  }

  /**
   * Counts over every connection this server accepted, those gone
   * included: messages and bytes in and out, `error` events by code,
   * remote callbacks and requests still waiting for their answer, and
   * connections accepted, refused (over `max_connections`) and open. A
   * fresh plain object on each call; a session's own counts are
   * `session.stats()`.
   *
   * @example
   * ```ts
   * import { SockhopServer } from "@sockhop/sockhop";
   *
   * const server = new SockhopServer({ port: 0, max_connections: 100 });
   * await server.listen();
   * const every = setInterval(() => {
   *   const s = server.stats();
   *   console.log(
   *     `${s.connections_open} open, ${s.connections_refused} refused,`,
   *     `${s.messages_in} messages in, ${s.bytes_out} bytes out`,
   *   );
   * }, 10_000);
   * clearInterval(every);
   * await server.close();
   * ```
   */
  stats(): SockhopServerStats {
    const totals = emptyStats();
    addStats(totals, this.#past);
    for (const channel of this.#live) addStats(totals, channel.stats());
    return {
      ...totals,
      errors: { ...this.#errors },
      connections_accepted: this.#accepted,
      connections_refused: this.#refused,
      connections_open: this.#live.size,
    };
  }

  /**
   * One connection's counts (behind `session.stats()`); zeros for a
   * connection this server never accepted.
   * @param sock the connection
   */
  _stats(sock: SockhopSocket): SockhopStats {
    return this.#channels.get(sock)?.stats() ?? emptyStats();
  }

  /** Disconnects every client and stops pinging; keeps listening. */
  async disconnect(): Promise<void> {
    this.ping(0);
    for (const channel of this.#starting.values()) channel.close();
    await Promise.all(this.#sockets.map((s) => this.kill_socket(s)));
  }

  /** Disconnects every client and stops listening. */
  async close(): Promise<void> {
    const listener = this.#listener;
    this.#listener = null;
    listener?.close();
    await this.disconnect();
    await this.#acceptLoop;
    this.#acceptLoop = null;
    this.port = this.#requestedPort;
    for (const end of [...this.#messageEnds]) end();
  }

  /**
   * Closes the server when a scope ends:
   * `await using server = new SockhopServer(...)`. Same as `close()`.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Pings every client every `delay` ms (0 stops); a client that leaves
   * four pings in a row unanswered is disconnected.
   * @param delay interval in ms
   */
  ping(delay = 0): void {
    for (const { channel } of this.#clients.values()) channel.pings = [];
    this.#pinger.every(delay, () => {
      for (const [sock, { channel }] of this.#clients) {
        if (!channel.pingTick() && !resumeLinkDead(channel)) {
          this.kill_socket(sock);
        }
      }
    });
  }

  #find(sock: SockhopSocket): Channel | Promise<never> {
    if (!sock) {
      return Promise.reject(
        new SockhopError(
          "SockhopServer sending requires a socket",
          "ERR_NO_SOCKET",
        ),
      );
    }
    const channel = this.#clients.get(sock)?.channel ??
      this.#starting.get(sock);
    if (!channel) return destroyedRejection("Socket was destroyed");
    return channel;
  }

  #bind(): Promise<Listener> {
    return transport.listen({
      hostname: this.address,
      port: this.path ? 0 : checkedPort(this.#requestedPort),
      path: this.path ?? undefined,
      tls: this.#tls,
      handshakeTimeout: this.#handshakeTimeout,
      // A refused or stalled handshake is the peer's doing: never thrown.
      onRefused: (e: Error) => reportPeerError(this, e, null, null),
    });
  }

  async #accept(conn: Conn): Promise<void> {
    const open = this.#clients.size + this.#starting.size;
    if (open >= this.#maxConnections) {
      this.#refused++;
      conn.close();
      this.#report(
        new SockhopError(
          `Connection refused: ${open} connections open (max_connections ${this.#maxConnections})`,
          "ERR_MAX_CONNECTIONS",
        ),
        refusedSocket(conn),
      );
      return;
    }
    if (this.#resume) {
      const stream = await this.#resume.accept(conn);
      if (stream === undefined) return; // given back to its session
      conn = stream;
    }
    // The channel exists (writable, not yet read) while the session starts,
    // so that start() can send and request, as it could in the original.
    const link = new Link(this.#linkHost);
    const channel = link.channel = new Channel(conn, this.#opts, link);
    const sock = link.socket = new SockhopSocket(channel);
    onResume(conn, () => link.session?.emit("resume"));
    this.#accepted++;
    this.#live.add(channel);
    this.#channels.set(sock, channel);
    this.#starting.set(sock, channel);
    const drop = () => {
      this.#starting.delete(sock);
      channel.close();
      channel.run(); // reads nothing; ends what run() left open
    };
    const wanted = () =>
      this.#starting.has(sock) && !channel.closed && this.#listener !== null;
    try {
      // As in the original, the session starts on a later turn: a client in
      // this process has seen its connect() resolve by then.
      await nextTurn();
      if (!wanted()) return drop();
      link.session = await this.#sessionType._from_socket(sock, this);
    } catch (e) {
      drop();
      this.#report(e as Error, sock);
      return;
    }
    if (!wanted()) return drop();
    this.#starting.delete(sock);
    link.registered = true;
    this.#clients.set(sock, link);
    this.#sockets.push(sock);
    this.#sessions.push(link.session);
    try {
      this.emit("connect", sock, link.session);
    } finally {
      channel.run();
    }
  }

  #unregister(sock: SockhopSocket): void {
    if (!this.#clients.delete(sock)) return;
    const i = this.#sockets.indexOf(sock);
    if (i >= 0) {
      this.#sockets.splice(i, 1);
      this.#sessions.splice(i, 1);
    }
  }

  /**
   * An `error` event for one client (see reportError; `fromPeer`: see
   * reportPeerError).
   */
  #report(
    e: Error,
    sock?: SockhopSocket,
    session?: SockhopSession,
    fromPeer = false,
  ): void {
    countError(this.#errors, e);
    (fromPeer ? reportPeerError : reportError)(
      this,
      e,
      sock ?? null,
      session ?? null,
    );
  }

  /**
   * Reports an error of one client's session as the server reports its
   * own (used by sessions for their async listeners).
   * @param e the error
   * @param sock the client's connection
   * @param session the client's session
   */
  _report(e: Error, sock: SockhopSocket, session: SockhopSession): void {
    this.#report(e, sock, session);
  }

  /**
   * An async listener's promise rejected: reported as if it had thrown,
   * with the client it was about; a failing `error` listener is rethrown.
   * @param error the rejection reason
   * @param event the event whose listener failed
   * @param args the listener's arguments
   */
  override _listener_rejected(
    error: unknown,
    event: string,
    args: unknown[],
  ): void {
    if (event === "error") return rethrow(error);
    let client:
      | { socket?: SockhopSocket; session?: SockhopSession }
      | undefined;
    if (event === "connect" || event === "disconnect") {
      client = {
        socket: args[0] as SockhopSocket,
        session: args[1] as SockhopSession,
      };
    } else if (event === "request") {
      client = args[2] as ServerRequestMeta;
    } else if (event.startsWith("receive")) {
      client = args[1] as ServerReceiveMeta;
    }
    this.#report(error as Error, client?.socket, client?.session);
  }
}
