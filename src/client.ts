/**
 * The client end.
 * @module
 */

import { Channel } from "./channel.ts";
import {
  addressOf,
  destroyedRejection,
  emitReceive,
  PingTimer,
  reportError,
} from "./endpoint.ts";
import { SockhopError } from "./errors.ts";
import { channelOptions, type CommonOptions, tlsOptions } from "./options.ts";
import type { SockhopResponseReadableStream } from "./response_stream.ts";
import { transport } from "./transport/runtime.ts";
import type { Conn, TlsOptions } from "./transport/types.ts";
import type { SockhopClientEvents } from "./events.ts";
import { TypedEmitter } from "./typed_emitter.ts";
import { noop, quiet } from "./util.ts";
import type {
  ChannelOptions,
  ReceiveMeta,
  RemoteCallback,
  RequestOptions,
  SendOptions,
} from "./types.ts";
import type { SockhopPing } from "./wire/ping.ts";

/** Options of {@linkcode SockhopClient}. */
export interface SockhopClientOptions extends CommonOptions {
  /**
   * Interval between automatic connection attempts (`start()`,
   * `connect({ auto_reconnect: true })`), in ms.
   * @default {2000}
   */
  auto_reconnect_interval?: number;
  /**
   * How long a connection attempt may take, in ms, before it fails with
   * `ERR_CONNECT_TIMEOUT` ("Timeout exceeded on connect()").
   * @default {5000}
   */
  connect_timeout?: number;
  /**
   * Opt-in: how many sends to hold while disconnected, to be written in
   * order as soon as a connection is made (default 0: sends while
   * disconnected reject with `ERR_SOCKET_DESTROYED`, as in the original).
   * Past the limit, sends reject with `ERR_SEND_QUEUE_FULL`; `disconnect()`
   * rejects what is held.
   * @default {0}
   */
  offline_queue_size?: number;
}

/** A send held while disconnected. */
interface HeldSend {
  o: unknown;
  callback?: RemoteCallback;
  config?: SendOptions;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Connects to a {@linkcode SockhopServer} (or the original sockhop's) and
 * exchanges typed values, remote callbacks and streamed requests over TCP,
 * a Unix socket (`path`) or TLS (`ssl` / `ssl_options`).
 *
 * Connect once with `connect()`, or keep a connection up with `start()`
 * (retries every `auto_reconnect_interval` ms and repairs drops) until
 * `disconnect()`. Sending while disconnected rejects with
 * `ERR_SOCKET_DESTROYED` unless `offline_queue_size` holds the sends.
 *
 * Events (see {@linkcode SockhopClientEvents}): `connect(sock)`,
 * `disconnect(sock)` (once per drop), `reconnect(sock)` (an automatic
 * reconnection, after its `connect`), `connect_error(err)` (a failed
 * automatic attempt), `receive(data, { type, callback? })`,
 * `receive:<type>(data, meta)` (e.g. `receive:Widget`), `request(req, res)`
 * and `error(err)`.
 *
 * @example Send a value and get a remote callback's answer
 * ```ts
 * import { SockhopClient, SockhopServer } from "@sockhop/sockhop";
 *
 * class Widget {
 *   constructor(public name = "gear") {}
 * }
 * const server = new SockhopServer({ port: 0 });
 * server.on("receive", (data, meta) => {
 *   console.log(meta.type, data); // Widget { name: "gear" }
 *   meta.callback?.({ thanks: true });
 * });
 * await server.listen();
 *
 * const client = new SockhopClient({ port: server.port });
 * await client.connect();
 * const reply = await new Promise((resolve) =>
 *   client.send(new Widget(), (answer) => resolve(answer))
 * );
 * console.log(reply); // { thanks: true }
 * await client.disconnect();
 * await server.close();
 * ```
 *
 * @example Stay connected: start(), reconnects and the offline queue
 * ```ts
 * import { SockhopClient } from "@sockhop/sockhop";
 *
 * const client = new SockhopClient({
 *   port: 50000,
 *   auto_reconnect_interval: 1000,
 *   offline_queue_size: 100, // hold sends while disconnected
 * });
 * client.on("connect_error", (e) => console.log("retrying:", e.message));
 * client.on("reconnect", () => console.log("back online"));
 * const held = client.send({ hello: "whenever you are ready" });
 * const started = client.start(); // resolves once connected
 * // ... later: stop retrying; what is still held or waiting is rejected
 * await client.disconnect();
 * await Promise.allSettled([held, started]);
 * ```
 */
export class SockhopClient extends TypedEmitter<SockhopClientEvents> {
  /** Unix socket path, or null for TCP. */
  path: string | null;
  /** Server address. */
  address: string;
  /** Server port. */
  port: number;
  /**
   * Pings of the current connection (the last four), to see whether and
   * when the server answered; see `ping()`.
   */
  get pings(): SockhopPing[] {
    return this.#channel?.pings ?? [];
  }

  readonly #opts: ChannelOptions;
  readonly #tls: TlsOptions | undefined;
  readonly #reconnectInterval: number;
  readonly #connectTimeout: number;
  #channel: Channel | null = null;
  #connecting = false;
  #autoReconnect = false;
  #reconnectTimer: ReturnType<typeof setInterval> | null = null;
  readonly #pinger = new PingTimer();
  /** Bumped by disconnect(), so a connection attempt in flight is dropped. */
  #epoch = 0;
  #startWaiters = new Set<(e: Error) => void>();
  readonly #offlineLimit: number;
  #held: HeldSend[] = [];
  /** Connections made so far, to tell a reconnection from the first. */
  #connections = 0;

  /**
   * Makes a client; nothing happens on the network until `connect()` or
   * `start()`.
   * @param opts where to connect and how to frame
   */
  constructor(opts: SockhopClientOptions = {}) {
    super();
    this.path = opts.path || null;
    this.address = opts.address || "127.0.0.1";
    this.port = opts.port || 50000;
    this.#opts = channelOptions(opts);
    this.#tls = tlsOptions(opts);
    this.#reconnectInterval = opts.auto_reconnect_interval || 2000;
    this.#connectTimeout = opts.connect_timeout || 5000;
    this.#offlineLimit = opts.offline_queue_size ?? 0;
  }

  /** Whether a connection is up. */
  get connected(): boolean {
    return this.#channel !== null && !this.#channel.closed;
  }

  /** Whether the client reconnects by itself after drops. */
  get auto_reconnect_active(): boolean {
    return this.#autoReconnect;
  }

  /** Same as `auto_reconnect_active`. */
  get auto_reconnect(): boolean {
    return this.#autoReconnect;
  }

  /**
   * @deprecated Use `start()` or `connect({ auto_reconnect: true })`.
   * @throws always
   */
  set auto_reconnect(_value: boolean) {
    throw new Error("The .auto_reconnect setter has been deprecated");
  }

  /** The current connection, or null. */
  get socket(): Conn | null {
    return this.#channel?.conn ?? null;
  }

  /**
   * Connects once. Rejects on refusal ("connect ECONNREFUSED ..."), on
   * timeout ("Timeout exceeded on connect()"), and with `ERR_MULTICONNECT`
   * while another attempt is under way. With `auto_reconnect`, later drops
   * are repaired by reconnecting every `auto_reconnect_interval` ms.
   */
  async connect(
    { auto_reconnect = false }: { auto_reconnect?: boolean } = {},
  ): Promise<this> {
    await this.#connect();
    this.#autoReconnect = auto_reconnect;
    this.#refreshReconnectTimer();
    return this;
  }

  /**
   * Keeps a connection alive: resolves once connected (trying every
   * `auto_reconnect_interval` ms until then) and reconnects after drops,
   * until `disconnect()`.
   */
  start(): Promise<this> {
    this.#autoReconnect = true;
    this.#refreshReconnectTimer();
    if (this.connected) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        this.#startWaiters.delete(onStop);
        resolve(this);
      };
      const onStop = (e: Error) => {
        this.off("connect", onConnect);
        reject(e);
      };
      this.once("connect", onConnect);
      this.#startWaiters.add(onStop);
      this.#autoConnect();
    });
  }

  /**
   * Closes the connection and stops reconnecting and pinging. Resolves once
   * the socket is closed and `disconnect` has been emitted.
   */
  async disconnect(): Promise<void> {
    this.#autoReconnect = false;
    this.#refreshReconnectTimer();
    this.ping(0);
    this.#epoch++;
    const stopped = new SockhopError(
      "disconnect() was called before a connection was made",
      "ERR_SOCKET_DESTROYED",
    );
    for (const reject of this.#startWaiters) reject(stopped);
    this.#startWaiters.clear();
    for (const held of this.#held.splice(0)) held.reject(stopped);
    const channel = this.#channel;
    if (!channel) return;
    channel.close();
    await channel.start();
  }

  /**
   * Sends a value. With `callback`, the server's `meta.callback(reply)`
   * calls it with `(reply, { type })`; an answer that has not come within
   * `config.timeout` (default `response_timeout`) is dropped and
   * `config.error_cb` is told `"timed-out"`. Resolves once the bytes are
   * handed to the OS; rejects with `ERR_SOCKET_DESTROYED` when not
   * connected (unless `offline_queue_size` holds it), `ERR_BAD_DATA` for
   * `null`, `undefined` or a value JSON cannot represent, and
   * `ERR_SEND_QUEUE_FULL` when `max_pending_bytes` wait unwritten.
   * @param o the value (not null or undefined)
   * @param callback remote callback
   * @param config error_cb and timeout for the remote callback
   */
  send(
    o: unknown,
    callback?: RemoteCallback,
    config?: SendOptions,
  ): Promise<void> {
    const channel = this.#channel;
    if (channel && (!channel.closed || this.#offlineLimit <= 0)) {
      return channel.send(o, callback, config);
    }
    if (this.#offlineLimit <= 0) return this.#notConnected();
    if (o === null || o === undefined) {
      return Promise.reject(
        new SockhopError(`Cannot send ${o}: there is no data`, "ERR_BAD_DATA"),
      );
    }
    if (this.#held.length >= this.#offlineLimit) {
      return quiet(Promise.reject(
        new SockhopError(
          `Offline queue full (offline_queue_size ${this.#offlineLimit})`,
          "ERR_SEND_QUEUE_FULL",
        ),
      ));
    }
    // A dropped held send must not crash a caller that did not await it.
    return quiet(
      new Promise<void>((resolve, reject) => {
        this.#held.push({ o, callback, config, resolve, reject });
      }),
    );
  }

  /** How many sends are held while disconnected (see `offline_queue_size`). */
  get offline_queue_length(): number {
    return this.#held.length;
  }

  /**
   * Sends a request; resolves, once it is written, to the stream of the
   * server's response packets (read it with `for await`, `next()`, `all()`
   * or its events). The stream ends with `ERR_RESPONSE_TIMEOUT` if it has
   * not ended within `config.timeout` (default `response_timeout`).
   * @param o the request's payload
   * @param config timeout of the response stream, in ms
   */
  request(
    o: unknown,
    config?: RequestOptions,
  ): Promise<SockhopResponseReadableStream> {
    const channel = this.#channel;
    if (!channel) return this.#notConnected();
    return channel.request(o, config);
  }

  /**
   * Sends an envelope as is (the original's API; response streams answer
   * through the channel, not this); prefer `send()`.
   * @param message the envelope: `type` label and `data`
   */
  _send_message(message: { type: string; data: unknown }): Promise<void> {
    const channel = this.#channel;
    if (!channel) return this.#notConnected();
    return channel._send_message(message);
  }

  /**
   * Pings the server every `delay` ms (0 stops). When four pings in a row
   * go unanswered the connection is dropped (`disconnect` is emitted).
   * @param delay interval in ms
   */
  ping(delay = 0): void {
    if (this.#channel) this.#channel.pings = [];
    this.#pinger.every(delay, () => {
      const channel = this.#channel;
      if (channel && !channel.pingTick()) channel.close();
    });
  }

  /** The local IP address of the connection (undefined when not connected). */
  get_bound_address(): string | undefined {
    return addressOf(this.#channel?.conn.localAddr);
  }

  #notConnected<T>(): Promise<T> {
    return destroyedRejection(
      "Client unable to send() - socket has been destroyed",
    );
  }

  #refreshReconnectTimer(): void {
    if (this.#reconnectTimer !== null) clearInterval(this.#reconnectTimer);
    this.#reconnectTimer = null;
    if (!this.#autoReconnect) return;
    this.#reconnectTimer = setInterval(() => {
      // A channel that is closing still counts: its drop comes next.
      if (this.#connecting || this.#channel !== null) return;
      this.#autoConnect();
    }, this.#reconnectInterval);
  }

  /**
   * An attempt nobody awaits (start(), the reconnect timer): success after
   * an earlier connection is a `reconnect`, failure a `connect_error`.
   */
  #autoConnect(): void {
    const before = this.#connections;
    this.#connect().then(
      () => {
        const conn = this.#channel?.conn;
        if (before > 0 && conn) this.emit("reconnect", conn);
      },
      (e) => {
        if (this.listenerCount("connect_error") > 0) {
          this.emit("connect_error", e);
        }
      },
    );
  }

  async #connect(): Promise<void> {
    if (this.#channel) return;
    if (this.#connecting) {
      throw new SockhopError(
        "You have already called connect() once. Still trying to connect!",
        "ERR_MULTICONNECT",
      );
    }
    this.#connecting = true;
    const epoch = this.#epoch;
    let conn: Conn;
    try {
      conn = await this.#open();
    } finally {
      this.#connecting = false;
    }
    if (epoch !== this.#epoch) {
      conn.close();
      throw new SockhopError(
        "disconnect() was called while connecting",
        "ERR_SOCKET_DESTROYED",
      );
    }
    this.#attach(conn);
  }

  async #open(): Promise<Conn> {
    const attempt = transport.connect({
      hostname: this.address,
      port: this.port,
      path: this.path ?? undefined,
      tls: this.#tls,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SockhopError(
              "Timeout exceeded on connect()",
              "ERR_CONNECT_TIMEOUT",
            ),
          ),
        this.#connectTimeout,
      );
    });
    try {
      return await Promise.race([attempt, timeout]);
    } catch (e) {
      // A late success after the timeout must not leak a socket.
      attempt.then((c) => c.close(), noop);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  #attach(conn: Conn): void {
    const channel: Channel = new Channel(conn, this.#opts, {
      receive: (data, type, callback) => {
        const meta: ReceiveMeta = callback === undefined
          ? { type }
          : { type, callback };
        emitReceive(this, data, meta);
      },
      request: (req, res) => this.emit("request", req, res),
      error: (e) => reportError(this, e),
      closed: () => {
        if (this.#channel !== channel) return;
        this.#channel = null;
        this.emit("disconnect", conn);
      },
    });
    this.#channel = channel;
    this.#connections++;
    // Held sends go first, in order, ahead of anything sent on "connect".
    for (
      const { o, callback, config, resolve, reject } of this.#held.splice(0)
    ) {
      channel.send(o, callback, config).then(resolve, reject);
    }
    this.emit("connect", conn);
    channel.start();
  }
}
