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
  reportPeerError,
} from "./endpoint.ts";
import { abortedError, onAbort } from "./abort.ts";
import { type ConnectAttempt, connectAttempt } from "./connect_attempt.ts";
import { deprecate } from "./deprecation.ts";
import { SockhopSocket } from "./socket_handle.ts";
import { SockhopError } from "./errors.ts";
import {
  addStats,
  countError,
  emptyStats,
  type SockhopClientStats,
} from "./stats.ts";
import { type MessagesOptions, messageStream } from "./messages.ts";
import {
  channelOptions,
  checkedPort,
  type CommonOptions,
  tlsOptions,
} from "./options.ts";
import type { SockhopResponseReadableStream } from "./response_stream.ts";
import { ReadPause } from "./read_pause.ts";
import { unsendable } from "./wire/envelope.ts";
import type { Conn, TlsOptions } from "./transport/types.ts";
import type { SockhopClientEvents } from "./events.ts";
import { rethrow, TypedEmitter } from "./typed_emitter.ts";
import { noop, quiet } from "./util.ts";
import type {
  ChannelOptions,
  Payload,
  ReceiveMeta,
  RemoteCallback,
  RequestOptions,
  SendOptions,
} from "./types.ts";
import { payload } from "./wire/envelope.ts";
import type { SockhopPing } from "./wire/ping.ts";
import type { NoTypes, TypeRegistry, ValuesOf } from "./typed_values.ts";
import type { ReceiveArgs } from "./receive_events.ts";
import { DEFAULT_MAX_PENDING_BYTES } from "./write_queue.ts";
import { clientProtocolHooks } from "./protocol_events.ts";
import { sendTypedBuffer } from "./channel_protocol.ts";
import { type ClientResume, clientResume } from "./resume/client_resume.ts";
import { resumeDelivered, resumeLinkDead } from "./resume/hooks.ts";

const NO_BINARY = { rx: false, tx: false } as const;

/** Options of {@linkcode SockhopClient}. */
export interface SockhopClientOptions<R extends TypeRegistry = TypeRegistry>
  extends CommonOptions<R> {
  /**
   * Delay before an automatic connection attempt (`start()`,
   * `connect({ auto_reconnect: true })`), in ms: the first attempt after a
   * drop waits this long, and so does each retry unless
   * `auto_reconnect_max_interval` lets the delay grow.
   * @default {2000}
   */
  auto_reconnect_interval?: number;
  /**
   * Longest delay between automatic connection attempts, in ms. Above
   * `auto_reconnect_interval`, each failed attempt doubles the ceiling of
   * the next delay (up to this), and the delay is drawn at random between
   * `auto_reconnect_interval` and that ceiling, so that many clients of a
   * restarted server do not retry in lock-step. The default (the interval
   * itself) keeps the original's fixed delays, without jitter. The count
   * starts over once a connection is made; `connect_error` reports the
   * attempt and the delay chosen.
   *
   * @example Back off from 100 ms up to 10 s, with jitter
   * ```ts
   * import { SockhopClient } from "@sockhop/sockhop";
   *
   * const client = new SockhopClient({
   *   port: 50000,
   *   auto_reconnect_interval: 100,
   *   auto_reconnect_max_interval: 10_000,
   * });
   * client.on("connect_error", (e, { attempt, next_delay }) => {
   *   console.log(`attempt ${attempt} failed (${e.message}); next in ${next_delay} ms`);
   * });
   * client.start().catch(() => {}); // rejects on disconnect() if never connected
   * await client.disconnect();
   * ```
   * @default {auto_reconnect_interval}
   */
  auto_reconnect_max_interval?: number;
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

/** Options of {@linkcode SockhopClient.connect}. */
export interface ConnectCallOptions {
  /**
   * Keep reconnecting after later drops (as `start()` does), or not; left
   * out, the current setting stays.
   */
  auto_reconnect?: boolean;
  /**
   * Aborting stops connecting: `connect()` rejects with `ERR_ABORTED` and
   * a socket that arrives later is closed.
   */
  signal?: AbortSignal;
}

/** A send, request or envelope waiting for a connection. */
interface Held {
  /** Does it on the new connection. */
  run: (channel: Channel) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  /**
   * Made while an attempt was in flight and not taken by the offline
   * queue: rejected if that attempt fails.
   */
  forAttempt: boolean;
  /** Estimated frame characters, counted against `max_pending_bytes`. */
  chars: number;
}

/** About how many characters a value's frame takes, or 0 if unknown. */
function frameChars(value: unknown): number {
  try {
    return JSON.stringify(payload(value))?.length ?? 0;
  } catch {
    return 0; // the send itself reports why it cannot be serialised
  }
}

/**
 * Connects to a {@linkcode SockhopServer} (or the original sockhop's) and
 * exchanges typed values, remote callbacks and streamed requests over TCP,
 * a Unix socket (`path`) or TLS (`ssl` / `ssl_options`).
 *
 * Connect once with `connect()`, or keep a connection up with `start()`
 * (retries every `auto_reconnect_interval` ms and repairs drops) until
 * `disconnect()`. What is sent while an attempt is in flight (right after
 * `connect()`, say) waits for it and is written once it succeeds; sending
 * while disconnected otherwise rejects with `ERR_SOCKET_DESTROYED` unless
 * `offline_queue_size` holds the sends.
 *
 * Events (see {@linkcode SockhopClientEvents}): `connect(sock)`,
 * `disconnect(sock)` (once per drop), `reconnect(sock)` (an automatic
 * reconnection, after its `connect`), `connect_error(err)` (a failed
 * automatic attempt), `receive(data, { type, callback? })`,
 * `receive:<type>(data, meta)` (e.g. `receive:Widget`), `request(req, res)`
 * and `error(err)`.
 *
 * Listeners may be async: a rejected promise is reported as a thrown error
 * is, as an `error` event; with no `error` listener a `SockhopError` (such
 * as a write to a connection that closed) is dropped and anything else is
 * rethrown as an uncaught exception.
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
export class SockhopClient<R extends TypeRegistry = NoTypes>
  extends TypedEmitter<SockhopClientEvents<ValuesOf<R>>> {
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
  readonly #reconnectMax: number;
  /** Failed attempts since the last connection (or since `start()`). */
  #failures = 0;
  /** Delay before the next automatic attempt. */
  #nextDelay: number;
  readonly #connectTimeout: number;
  /** Resumable sessions (the `resume` option), if on. */
  readonly #resume: ClientResume | undefined;
  #channel: Channel | null = null;
  /** The handle of `#channel`'s connection. */
  #socket: SockhopSocket | null = null;
  #connecting = false;
  #autoReconnect = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #pinger = new PingTimer();
  readonly #readPause = new ReadPause();
  /** The interval asked of `ping()`; its timer runs only while it can act. */
  #pingDelay = 0;
  #pinging = false;
  /** Bumped by disconnect(), so a connection attempt in flight is dropped. */
  #epoch = 0;
  /** Ends the attempt in flight at once (disconnect() does). */
  #abortAttempt: ((e: Error) => void) | null = null;
  /** The attempt in flight, settled (never rejects) once it is over. */
  #attempt: Promise<void> | null = null;
  #startWaiters = new Set<(e: Error) => void>();
  readonly #offlineLimit: number;
  readonly #heldLimit: number;
  #held: Held[] = [];
  /** Held entries taken by the offline queue (the rest wait for an attempt). */
  #heldOffline = 0;
  #heldChars = 0;
  /** Connections made so far, to tell a reconnection from the first. */
  #connections = 0;
  /** Counts of the connections gone (see `stats()`). */
  readonly #past = emptyStats();
  /** `error` events, by code. */
  readonly #errors: Record<string, number> = {};
  #reconnects = 0;
  #connectErrors = 0;

  /**
   * Makes a client; nothing happens on the network until `connect()` or
   * `start()`.
   * @param opts where to connect and how to frame
   */
  constructor(opts: SockhopClientOptions<R> = {}) {
    super();
    this.path = opts.path || null;
    this.address = opts.address || "127.0.0.1";
    this.port = opts.port || 50000;
    this.#opts = channelOptions(opts);
    this.#tls = tlsOptions(opts);
    this.#reconnectInterval = opts.auto_reconnect_interval || 2000;
    this.#reconnectMax = Math.max(
      this.#reconnectInterval,
      opts.auto_reconnect_max_interval ?? 0,
    );
    this.#nextDelay = this.#reconnectInterval;
    this.#connectTimeout = opts.connect_timeout || 5000;
    this.#offlineLimit = opts.offline_queue_size ?? 0;
    this.#heldLimit = this.#opts.max_pending_bytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.#resume = clientResume(opts.resume, this.#opts, {
      open: () => this.#dial().conn,
      delay: (n) => this.#delayAfter(n),
      resumed: () => this.emit("resume"),
    });
  }

  /** Sockhop 2.x: whether each direction carries binary frames. */
  get binary_mode(): { rx: boolean; tx: boolean } {
    return { ...this.#channel?.protocol?.negotiation.binary_mode ?? NO_BINARY };
  }

  /**
   * Sockhop 2.x: sends bytes with a type name of yours; the server gets
   * `receive:buffer(bytes, { type })`. Binary mode only: rejects with
   * `ERR_SEND_TYPED_BUFFER_NO_BINARY_MODE` unless `binary_mode.tx`, and
   * with `ERR_SEND_TYPED_BUFFER_INVALID_TYPE` for the type `"Buffer"`.
   * @param type the type name
   * @param bytes the bytes
   * @param callback remote callback
   */
  send_typed_buffer(
    type: string,
    bytes: Uint8Array,
    callback?: RemoteCallback,
  ): Promise<void> {
    const channel = this.#channel;
    if (!channel) return this.#notConnected();
    return sendTypedBuffer(channel.protocol, type, bytes, callback);
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
   * As in sockhop 1.8.4: true keeps the client connected, attempting a
   * connection every `auto_reconnect_interval` ms while it has none (the
   * first attempt one interval from now); false stops the attempts (a
   * connection stays up). Warns once per process.
   * @deprecated Use `start()` (or `connect({ auto_reconnect: true })`) to
   * turn reconnects on, `disconnect()` to stop.
   */
  set auto_reconnect(on: boolean) {
    deprecate(
      "SOCKHOP_AUTO_RECONNECT_SETTER",
      "client.auto_reconnect = ... is deprecated: call client.start() to connect and reconnect after drops, and client.disconnect() to stop",
    );
    if (on && !this.#autoReconnect) this.#resetBackoff();
    this.#autoReconnect = on === true;
    this.#refreshTimers();
  }

  /** The current connection, or null. */
  get socket(): SockhopSocket | null {
    return this.#channel ? this.#socket : null;
  }

  /**
   * Connects once. Rejects on refusal ("connect ECONNREFUSED ..."), on
   * timeout ("Timeout exceeded on connect()"), and with `ERR_MULTICONNECT`
   * while another attempt is under way. With `auto_reconnect`, later drops
   * are repaired by reconnecting every `auto_reconnect_interval` ms.
   */
  async connect(
    { auto_reconnect, signal }: ConnectCallOptions = {},
  ): Promise<this> {
    if (signal?.aborted) throw abortedError(signal);
    const forget = signal
      ? onAbort(signal, () => this.#dropAttempt(abortedError(signal)))
      : noop;
    try {
      await this.#connect();
    } finally {
      forget();
    }
    if (auto_reconnect !== undefined) this.#autoReconnect = auto_reconnect;
    this.#refreshTimers();
    return this;
  }

  /**
   * Keeps a connection alive: resolves once connected (trying every
   * `auto_reconnect_interval` ms until then) and reconnects after drops,
   * until `disconnect()`.
   */
  start({ signal }: { signal?: AbortSignal } = {}): Promise<this> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (!this.#autoReconnect) this.#resetBackoff();
    this.#autoReconnect = true;
    this.#refreshTimers();
    if (this.connected) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      let forget = noop;
      const onConnect = () => {
        forget();
        this.#startWaiters.delete(onStop);
        resolve(this);
      };
      const onStop = (e: Error) => {
        forget();
        this.off("connect", onConnect);
        reject(e);
      };
      this.once("connect", onConnect);
      this.#startWaiters.add(onStop);
      if (signal) {
        // Aborting stops trying: no more attempts, the one in flight is
        // dropped, and start() rejects.
        forget = onAbort(signal, () => {
          this.#autoReconnect = false;
          this.#refreshTimers();
          this.#dropAttempt(abortedError(signal));
          this.#startWaiters.delete(onStop);
          onStop(abortedError(signal));
        });
      }
      // An attempt in flight (a connect()) serves; the timer follows it.
      if (!this.#connecting) this.#autoConnect();
    });
  }

  /**
   * Writes what `send()` has taken (unless the peer stops reading for a
   * second), closes the connection, ends an attempt in flight and stops
   * reconnecting and pinging. Resolves once the socket is closed and `disconnect` has
   * been emitted; from then on the client emits nothing and holds no
   * timers, until it is asked to connect again.
   */
  async disconnect(): Promise<void> {
    this.#autoReconnect = false;
    this.ping(0); // also drops the reconnect timer
    this.#resetBackoff();
    this.#epoch++;
    const stopped = new SockhopError(
      "disconnect() was called before a connection was made",
      "ERR_SOCKET_DESTROYED",
    );
    for (const reject of this.#startWaiters) reject(stopped);
    this.#startWaiters.clear();
    this.#dropHeld(stopped, false);
    this.#abortAttempt?.(
      new SockhopError(
        "disconnect() was called while connecting",
        "ERR_SOCKET_DESTROYED",
      ),
    );
    await this.#attempt;
    const channel = this.#channel;
    if (!channel) return;
    // What send() took is written first, and the peer reads it all.
    await channel.closeWhenFlushed();
    await channel.start();
  }

  /**
   * Disconnects when a scope ends:
   * `await using client = new SockhopClient(...)`. Same as `disconnect()`.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.disconnect();
  }

  /**
   * Sends a value. With `callback`, the server's `meta.callback(reply)`
   * calls it with `(reply, { type })`; an answer that has not come within
   * `config.timeout` (default `response_timeout`) is dropped and
   * `config.error_cb` is told `"timed-out"`, or `"stopped"` if the
   * connection closes before the answer. Resolves once the bytes are
   * handed to the OS. Made while a connection attempt is in flight, it
   * waits for that attempt and is written once it succeeds. Rejects with
   * `ERR_SOCKET_DESTROYED` when not connected, or when the attempt it
   * waited for fails (unless `offline_queue_size` holds it),
   * `ERR_BAD_DATA` for `null`, `undefined` or a value JSON cannot
   * represent, and `ERR_SEND_QUEUE_FULL` when `max_pending_bytes` wait
   * unwritten.
   * @param o the value (not null or undefined)
   * @param callback remote callback (`A`: the answer's type)
   * @param config error_cb and timeout for the remote callback
   */
  send<A = Payload>(
    o: unknown,
    callback?: RemoteCallback<A>,
    config?: SendOptions,
  ): Promise<void> {
    const channel = this.#channel;
    if (channel && (!channel.closed || this.#offlineLimit <= 0)) {
      return resumeDelivered(channel.conn, channel.send(o, callback, config));
    }
    const run = (ch: Channel) => ch.send(o, callback, config);
    if (this.#offlineLimit <= 0) {
      return this.#connecting ? this.#hold(run, o) : this.#notConnected();
    }
    if (o === null || o === undefined) {
      return Promise.reject(
        new SockhopError(`Cannot send ${o}: there is no data`, "ERR_BAD_DATA"),
      );
    }
    const bad = unsendable(o);
    if (bad) return Promise.reject(bad);
    if (this.#heldOffline >= this.#offlineLimit) {
      return quiet(Promise.reject(
        new SockhopError(
          `Offline queue full (offline_queue_size ${this.#offlineLimit})`,
          "ERR_SEND_QUEUE_FULL",
        ),
      ));
    }
    this.#heldOffline++;
    return this.#hold(run, o, false);
  }

  /**
   * How many sends (and requests) wait for a connection: those held by
   * `offline_queue_size` and those made while an attempt is in flight.
   */
  get offline_queue_length(): number {
    return this.#held.length;
  }

  /**
   * Sends a request; resolves, once it is written, to the stream of the
   * server's response packets (read it with `for await`, `next()`, `all()`
   * or its events). The stream ends with `ERR_RESPONSE_TIMEOUT` if it has
   * not ended within `config.timeout` (default `response_timeout`). Made
   * while a connection attempt is in flight, it waits for that attempt,
   * like `send()`.
   * @param o the request's payload
   * @param config timeout of the response stream, in ms
   */
  request<A = unknown>(
    o: unknown,
    config?: RequestOptions,
  ): Promise<SockhopResponseReadableStream<A>> {
    const channel = this.#channel;
    if (channel) return channel.request<A>(o, config);
    if (this.#connecting) {
      return this.#hold((ch) => ch.request<A>(o, config), o);
    }
    return this.#notConnected();
  }

  /**
   * Sends an envelope as is (the original's API; response streams answer
   * through the channel, not this); prefer `send()`.
   * @param message the envelope: `type` label and `data`
   */
  _send_message(message: { type: string; data: unknown }): Promise<void> {
    const channel = this.#channel;
    if (channel) return channel._send_message(message);
    if (this.#connecting) {
      return this.#hold((ch) => ch._send_message(message), message);
    }
    return this.#notConnected();
  }

  /**
   * Pings the server every `delay` ms (0 stops). When four pings in a row
   * go unanswered the connection is dropped (`disconnect` is emitted).
   * @param delay interval in ms
   */
  ping(delay = 0): void {
    if (this.#channel) this.#channel.pings = [];
    this.#pingDelay = delay;
    // Restart the interval from now.
    this.#pinger.every(0, noop);
    this.#pinging = false;
    this.#refreshTimers();
  }

  /**
   * Received values as an async iterable of `[data, meta]`, until the next
   * disconnect. At most `options.buffer` values wait for the loop; past
   * that, reading from the server pauses (TCP pushes back) until the loop
   * catches up. Leaving the loop early stops the buffering. `receive`
   * events are still emitted as usual.
   *
   * @example
   * ```ts
   * import { SockhopClient } from "@sockhop/sockhop";
   *
   * const client = new SockhopClient({ port: 50000 });
   * await client.connect();
   * for await (const [data, meta] of client.messages()) {
   *   console.log(meta.type, data);
   *   if (meta.type === "Goodbye") break;
   * }
   * await client.disconnect();
   * ```
   * @param options the buffer's size
   */
  messages(
    options?: MessagesOptions,
  ): AsyncIterable<ReceiveArgs<ValuesOf<R>, ReceiveMeta>> {
    return messageStream<ReceiveArgs<ValuesOf<R>, ReceiveMeta>>({
      emitter: this,
      pause: this.#readPause,
      onEnd: (end) => {
        this.once("disconnect", end);
        return () => this.off("disconnect", end);
      },
    }, options);
  }

  /**
   * Counts over every connection this client made: messages and bytes in
   * and out, `error` events by code, remote callbacks and requests still
   * waiting for their answer, reconnections and failed automatic
   * attempts. A fresh plain object on each call; counting is always on
   * and costs a few additions per socket read and write.
   *
   * @example
   * ```ts
   * import { SockhopClient, SockhopServer } from "@sockhop/sockhop";
   *
   * const server = new SockhopServer({ port: 0 });
   * await server.listen();
   * const client = new SockhopClient({ port: server.port });
   * await client.connect();
   * await client.send({ hello: "world" });
   * const { messages_out, bytes_out, errors } = client.stats();
   * console.log(messages_out, bytes_out, errors); // 1 43 {}
   * await client.disconnect();
   * await server.close();
   * ```
   */
  stats(): SockhopClientStats {
    const totals = emptyStats();
    addStats(totals, this.#past);
    if (this.#channel) addStats(totals, this.#channel.stats());
    return {
      ...totals,
      errors: { ...this.#errors },
      reconnects: this.#reconnects,
      connect_errors: this.#connectErrors,
    };
  }

  /** The local IP address of the connection (undefined when not connected). */
  get_bound_address(): string | undefined {
    return addressOf(this.#channel?.conn.localAddr);
  }

  #notConnected<T>(): Promise<T> {
    return destroyedRejection(
      "Client unable to send() - socket has been destroyed: not connected. Call connect() (or start(), which also reconnects) first, or set offline_queue_size to hold sends until a connection is made",
    );
  }

  /**
   * Holds a send, request or envelope until a connection is up; rejects
   * with `ERR_SEND_QUEUE_FULL` past `max_pending_bytes`.
   * @param run what to do on the new connection
   * @param value what it sends, to count its size
   * @param forAttempt whether it fails with the attempt in flight
   */
  #hold<T>(
    run: (channel: Channel) => Promise<T>,
    value: unknown,
    forAttempt = true,
  ): Promise<T> {
    const chars = frameChars(value);
    if (forAttempt && this.#heldChars + chars > this.#heldLimit) {
      return quiet(Promise.reject(
        new SockhopError(
          `Too much waits for the connection (max_pending_bytes ${this.#heldLimit})`,
          "ERR_SEND_QUEUE_FULL",
        ),
      ));
    }
    this.#heldChars += chars;
    // A dropped held send must not crash a caller that did not await it.
    return quiet(
      new Promise<T>((resolve, reject) => {
        this.#held.push({
          run,
          resolve: resolve as (value: unknown) => void,
          reject,
          forAttempt,
          chars,
        });
      }),
    );
  }

  /**
   * Rejects what is held: only what waited for the attempt in flight when
   * `attemptOnly`, else everything.
   */
  #dropHeld(e: Error, attemptOnly: boolean): void {
    const kept: Held[] = [];
    for (const held of this.#held) {
      if (attemptOnly && !held.forAttempt) {
        kept.push(held);
        continue;
      }
      this.#heldChars -= held.chars;
      if (!held.forAttempt) this.#heldOffline--;
      held.reject(e);
    }
    this.#held = kept;
  }

  /**
   * Runs the reconnect timer only while auto-reconnect is on and there is
   * neither a connection nor an attempt (each attempt's end re-arms it,
   * with the delay its failure chose), and the ping timer only while there
   * is a connection to ping or one to come: a client that is down for good
   * holds no timers.
   */
  #refreshTimers(): void {
    // A channel that is closing still counts: its drop comes next.
    const retry = this.#autoReconnect && !this.#connecting &&
      this.#channel === null;
    if (!retry && this.#reconnectTimer !== null) {
      clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
    } else if (retry && this.#reconnectTimer === null) {
      this.#reconnectTimer = setTimeout(() => {
        this.#reconnectTimer = null;
        if (this.#connecting || this.#channel !== null) return;
        this.#autoConnect();
      }, this.#nextDelay);
    }
    const ping = this.#pingDelay > 0 &&
      (this.#channel !== null || this.#autoReconnect);
    if (ping === this.#pinging) return;
    this.#pinging = ping;
    this.#pinger.every(ping ? this.#pingDelay : 0, () => {
      const channel = this.#channel;
      if (channel && !channel.pingTick() && !resumeLinkDead(channel)) {
        channel.close();
      }
    });
  }

  /**
   * An attempt nobody awaits (start(), the reconnect timer): success after
   * an earlier connection is a `reconnect`, failure a `connect_error`.
   */
  #autoConnect(): void {
    const before = this.#connections;
    const epoch = this.#epoch;
    this.#connect().then(
      () => {
        const sock = this.socket;
        if (epoch !== this.#epoch) return; // disconnect() came since
        if (before > 0 && sock) {
          this.#reconnects++;
          this.emit("reconnect", sock);
        }
      },
      (e) => {
        if (epoch !== this.#epoch) return; // dropped on purpose: not news
        this.#connectErrors++;
        if (this.listenerCount("connect_error") > 0) {
          this.emit("connect_error", e, {
            attempt: this.#failures,
            next_delay: this.#nextDelay,
          });
        }
      },
    );
  }

  /**
   * Ends the attempt in flight, if any, at once with `e`; its socket is
   * closed should it arrive later.
   */
  #dropAttempt(e: Error): void {
    this.#epoch++;
    this.#abortAttempt?.(e);
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
    this.#refreshTimers();
    const epoch = this.#epoch;
    const opening = this.#open();
    this.#attempt = opening.then(noop, noop);
    let conn: Conn;
    try {
      conn = await opening;
    } catch (e) {
      this.#endAttempt();
      if (epoch === this.#epoch) {
        this.#failures++;
        this.#nextDelay = this.#delayAfter(this.#failures);
      }
      this.#dropHeld(
        new SockhopError(
          `The connection attempt failed: ${(e as Error).message}`,
          "ERR_SOCKET_DESTROYED",
        ),
        true,
      );
      this.#refreshTimers();
      throw e;
    }
    this.#endAttempt();
    if (epoch !== this.#epoch) {
      conn.close();
      throw new SockhopError(
        "disconnect() was called while connecting",
        "ERR_SOCKET_DESTROYED",
      );
    }
    this.#attach(conn);
  }

  #endAttempt(): void {
    this.#connecting = false;
    this.#attempt = null;
    this.#abortAttempt = null;
  }

  /**
   * The delay after the `failures`-th failed attempt in a row: the
   * interval, or with a larger maximum a random point between the interval
   * and a ceiling that doubles per failure, up to the maximum.
   */
  #delayAfter(failures: number): number {
    const base = this.#reconnectInterval;
    if (this.#reconnectMax <= base) return base;
    const ceiling = Math.min(
      this.#reconnectMax,
      base * 2 ** Math.min(failures, 40),
    );
    return Math.round(base + Math.random() * (ceiling - base));
  }

  #resetBackoff(): void {
    this.#failures = 0;
    this.#nextDelay = this.#reconnectInterval;
  }

  async #open(): Promise<Conn> {
    const attempt = this.#dial();
    this.#abortAttempt = attempt.end;
    const conn = await attempt.conn;
    return this.#resume ? await this.#resume.open(conn) : conn;
  }

  #dial(): ConnectAttempt {
    return connectAttempt({
      hostname: this.address,
      port: this.path ? this.port : checkedPort(this.port),
      path: this.path ?? undefined,
      tls: this.#tls,
    }, this.#connectTimeout);
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
      error: (e, fromPeer) => this.#report(e, fromPeer),
      readPause: this.#readPause,
      protocol: clientProtocolHooks(this),
      closed: () => {
        addStats(this.#past, channel.stats());
        if (this.#channel !== channel) return;
        this.#channel = null;
        this.#refreshTimers();
        this.emit("disconnect", sock);
        if (channel.protocol?.negotiation.handshaken) this.emit("unhandshake");
      },
    });
    const sock = this.#socket = new SockhopSocket(channel);
    this.#channel = channel;
    this.#connections++;
    this.#resetBackoff();
    this.#refreshTimers();
    // Held sends go first, in order, ahead of anything sent on "connect".
    const held = this.#held;
    this.#held = [];
    this.#heldOffline = 0;
    this.#heldChars = 0;
    for (const { run, resolve, reject } of held) {
      run(channel).then(resolve, reject);
    }
    this.emit("connect", sock);
    channel.start();
  }

  /**
   * An async listener's promise rejected: reported as a thrown error is
   * (see `reportError`); a failing `error` listener is rethrown.
   * @param error the rejection reason
   * @param event the event whose listener failed
   */
  override _listener_rejected(error: unknown, event: string): void {
    if (event === "error") rethrow(error);
    else this.#report(error as Error);
  }

  /**
   * An `error` event (see reportError; `fromPeer`: see reportPeerError),
   * counted.
   */
  #report(e: Error, fromPeer = false): void {
    countError(this.#errors, e);
    (fromPeer ? reportPeerError : reportError)(this, e);
  }
}
