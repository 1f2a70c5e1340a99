/**
 * One live connection's Sockhop logic, shared by client and server:
 * framing, envelopes, remote callbacks, requests, pings. The client owns
 * one channel; the server owns one per accepted socket.
 * @module
 */

import { abortedError, onAbort } from "./abort.ts";
import { SockhopError } from "./errors.ts";
import {
  SockhopRequest,
  SockhopResponsePacket,
  SockhopResponseReadableStream,
  SockhopResponseWriteableStream,
} from "./response_stream.ts";
import type { ReadPause } from "./read_pause.ts";
import { TimedMap, type TimedMapReason } from "./timed_map.ts";
import { TypedReceiver } from "./typed_receiver.ts";
import type { Conn } from "./transport/types.ts";
import type {
  ChannelOptions,
  ReceiveMeta,
  RemoteCallback,
  RequestOptions,
  SendOptions,
} from "./types.ts";
import {
  classify,
  type Envelope,
  revive,
  typeName,
  unsendable,
  whyInvalid,
} from "./wire/envelope.ts";
import { payloadJSON } from "./wire/envelope_text.ts";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  FrameDecoder,
  terminatorPair,
} from "./wire/framing.ts";
import { type Frame, JsonTx, type TxCodec } from "./wire/tx_codec.ts";
import type { RxDecoder } from "./wire/rx_switch.ts";
import {
  ChannelProtocol,
  type ProtocolHooks,
  REACTIVE,
} from "./channel_protocol.ts";
import { SockhopPing, SockhopPong } from "./wire/ping.ts";
import { messageId } from "./wire/ids.ts";
import { noop, quiet } from "./util.ts";
import { countError, counting, type SockhopStats } from "./stats.ts";
import { WriteQueue } from "./write_queue.ts";

/** What the owner hears from its channel. */
export interface ChannelHooks {
  /**
   * A value arrived. The owner builds its own meta object from `type` and
   * `callback` (one object per message, not two).
   */
  receive(
    data: unknown,
    type: string,
    callback: ReceiveMeta["callback"] | undefined,
  ): void;
  request(req: SockhopRequest, res: SockhopResponseWriteableStream): void;
  /**
   * A problem caused by the peer or the stream; never fatal by itself.
   * `fromPeer` is set when the stream failed (e.g. the peer's TLS alert):
   * nothing of the owner's threw it.
   */
  error(err: Error, fromPeer?: boolean): void;
  /** The connection is gone; called once. */
  closed(): void;
  /** While paused, the channel stops reading (see `messages()`). */
  readPause?: ReadPause;
  /** Sockhop 2.x events (handshake, binary mode, typed buffers). */
  protocol?: ProtocolHooks;
}

const destroyed = (): SockhopError =>
  new SockhopError(
    "Unable to send() - socket has been destroyed",
    "ERR_SOCKET_DESTROYED",
  );

const unserialisable = (e: unknown): Promise<never> =>
  Promise.reject(
    new SockhopError(
      `Cannot serialise the value: ${(e as Error).message}`,
      "ERR_BAD_DATA",
    ),
  );

const noData = (o: unknown): Promise<never> =>
  Promise.reject(
    new SockhopError(`Cannot send ${o}: there is no data`, "ERR_BAD_DATA"),
  );

const unrepresentable = (): Promise<never> =>
  Promise.reject(
    new SockhopError("JSON cannot represent this value", "ERR_BAD_DATA"),
  );

const identity = (bytes: Uint8Array): Uint8Array => bytes;

/** A failure nobody awaits: surfaces as an unhandled rejection. */
const rejectUnawaited = (thrown?: unknown): void => {
  if (thrown !== undefined) void Promise.reject(thrown);
};

/** `errorCb` for every reason an entry leaves but "deleted". */
function withoutDeleted(
  errorCb: (reason: TimedMapReason) => void,
): (reason: TimedMapReason) => void {
  return (reason) => {
    if (reason !== "deleted") errorCb(reason);
  };
}

/** ms a graceful close waits for the peer to close its side. */
const END_WAIT_MS = 1000;

/** How many of the latest pings a channel remembers. */
const PINGS_KEPT = 4;
/**
 * With more pings than this kept and none answered (the new one and the
 * ones before it), the peer counts as dead.
 */
const UNANSWERED_LIMIT = 3;

/** The per-connection engine. */
export class Channel {
  /** The underlying connection. */
  readonly conn: Conn;
  /** Pings sent and not yet forgotten (the last {@linkcode PINGS_KEPT}). */
  pings: SockhopPing[] = [];
  readonly #opts: ChannelOptions;
  readonly #hooks: ChannelHooks;
  /** JSON lines; binary frames once the peer switched (Sockhop 2.x). */
  #decoder: RxDecoder;
  /** Made on the first write (see {@linkcode Channel.#writer}). */
  #writes: WriteQueue | undefined;
  readonly #tx: string;
  /** Builds what we send: JSON lines, or binary frames (Sockhop 2.x). */
  #codec: TxCodec;
  /** The 2.x protocol, made once a handshake is sent or received. */
  #protocol: ChannelProtocol | undefined;
  readonly #userBytes: (bytes: Uint8Array) => Uint8Array;
  // Both maps, the error counts and the callbacks below are made when first
  // needed: a server holds a channel per idle connection.
  #callbackMap: TimedMap<string, RemoteCallback> | undefined;
  #streamMap: TimedMap<string, SockhopResponseReadableStream> | undefined;
  #errors: Record<string, number> | undefined;
  #reporter: ((e: Error, fromPeer?: boolean) => void) | undefined;
  #bytesIn = 0;
  #framesIn = 0;
  #closed = false;
  #wakeOnClose: (() => void) | null = null;
  #done: Promise<void> | null = null;
  /** Settles `start()` (or reports a throwing hook after `run()`). */
  #stopped: ((thrown?: unknown) => void) | undefined;
  /** Pauses and resumes pushed reads (see `Conn.receive`). */
  #reading: { pause(): void; resume(): void } | undefined;
  /** One function for every stream this channel routes packets to. */
  #streamForgetter:
    | ((stream: SockhopResponseReadableStream) => void)
    | undefined;
  /** The idle check (with `idle_timeout`): one per channel, re-armed lazily. */
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Ends `closeWhenFlushed()`'s wait for the peer to close. */
  #peerEnded: (() => void) | undefined;
  /** When bytes last arrived (read only by the idle check). */
  #receivedAt = 0;
  /** Checks received values against `types` (made on first use). */
  #typed: TypedReceiver | undefined;

  /**
   * @param conn the connection
   * @param opts framing and protocol options
   * @param hooks where events go
   */
  constructor(conn: Conn, opts: ChannelOptions, hooks: ChannelHooks) {
    this.conn = conn;
    this.#opts = opts;
    this.#hooks = hooks;
    const [rx, tx] = terminatorPair(opts.terminator);
    this.#decoder = new FrameDecoder(rx, opts, (e) => {
      this.#report(e);
      // An oversized frame is an attack or a bug: stop reading this peer.
      if (e.code === "ERR_MESSAGE_TOO_LARGE") this.close();
    });
    this.#tx = tx;
    this.#codec = opts.tx_codec ?? new JsonTx(tx);
    this.#userBytes = opts.user_bytes ?? identity;
  }

  /** The write queue, made on the first write. */
  get #writer(): WriteQueue {
    if (this.#writes) return this.#writes;
    // A failed or stalled write closes the channel at once, so `closed`
    // (and a client's `connected`) turn false before the read loop
    // notices. A slow consumer is also worth an error event.
    const writes = this.#writes = new WriteQueue(
      this.conn,
      this.#opts.max_pending_bytes,
      (e) => {
        if (e.code === "ERR_WRITE_TIMEOUT") this.#report(e);
        this.close();
      },
      this.#opts.write_timeout,
    );
    if (this.#closed) writes.fail(destroyed());
    return writes;
  }

  /** Remote callbacks awaiting their answer, by id. */
  get #callbacks(): TimedMap<string, RemoteCallback> {
    return this.#callbackMap ??= this.#timedMap();
  }

  /** Response streams of requests still open, by request id. */
  get #streams(): TimedMap<string, SockhopResponseReadableStream> {
    return this.#streamMap ??= this.#timedMap();
  }

  #timedMap<V>(): TimedMap<string, V> {
    // The connection keeps the process alive while answers are awaited (and
    // both maps are stopped when it closes), so their timers need not.
    return new TimedMap({
      timeout: this.#opts.response_timeout,
      keep_alive: false,
    });
  }

  /** Reports a problem to the owner, counting it. */
  #report(e: Error, fromPeer?: boolean): void {
    countError(this.#errors ??= {}, e);
    this.#hooks.error(e, fromPeer);
  }

  #forgetStream(stream: SockhopResponseReadableStream): void {
    this.#streamMap?.extract(stream.uuid);
  }

  /** This connection's counts so far (see {@linkcode SockhopStats}). */
  stats(): SockhopStats {
    return {
      messages_in: this.#framesIn,
      messages_out: this.#writes?.framesOut ?? 0,
      bytes_in: this.#bytesIn,
      bytes_out: this.#writes?.bytesOut ?? 0,
      errors: { ...this.#errors },
      callbacks_pending: this.#callbackMap?.size ?? 0,
      requests_pending: this.#streamMap?.size ?? 0,
    };
  }

  /** Whether the connection is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts reading; resolves once the connection is gone. */
  start(): Promise<void> {
    if (this.#done) return this.#done;
    this.#done = this.conn.receive
      ? new Promise((resolve, reject) => {
        this.#stopped = (e) => e === undefined ? resolve() : reject(e);
        this.#begin();
      })
      : this.#begin()!;
    return this.#done;
  }

  /**
   * Starts reading, for an owner that need not know when it stops (saves a
   * promise per connection); call this or `start()`, not both. An error
   * hook that throws makes an unhandled rejection, as with `start()`.
   */
  run(): void {
    if (this.#done || this.#stopped) return;
    this.#stopped = rejectUnawaited;
    const loop = this.#begin();
    if (loop) this.#done = loop;
  }

  /** Arms the idle check and reads: pushed chunks, or the read loop. */
  #begin(): Promise<void> | undefined {
    const idle = this.#opts.idle_timeout ?? 0;
    if (idle > 0 && !this.#closed) {
      this.#receivedAt = Date.now();
      this.#idleTimer = setTimeout(() => this.#idleCheck(), idle);
    }
    if (this.#opts.negotiation?.send_first) this.#v2.negotiation.open();
    if (!this.conn.receive) return this.#readLoop();
    this.#reading = this.conn.receive(this);
  }

  /**
   * Closes the channel once nothing has arrived for `idle_timeout` ms. A
   * first verdict is confirmed one turn later, so that bytes which arrived
   * while the event loop was busy elsewhere are read first.
   */
  #idleCheck(confirming = false): void {
    this.#idleTimer = undefined;
    if (this.#closed) return;
    const idle = this.#opts.idle_timeout ?? 0;
    const silent = Date.now() - this.#receivedAt;
    if (silent < idle) {
      this.#idleTimer = setTimeout(() => this.#idleCheck(), idle - silent);
    } else if (!confirming) {
      this.#idleTimer = setTimeout(() => this.#idleCheck(true), 0);
    } else {
      this.close();
    }
  }

  /** Resolves once the frames already queued are written (or failed). */
  flush(): Promise<void> {
    return this.#writes?.idle() ?? Promise.resolve();
  }

  /** Closes the connection; `closed()` follows once reading stops. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeOnClose?.();
    clearTimeout(this.#idleTimer);
    this.#writes?.fail(destroyed());
    this.conn.close();
  }

  /**
   * Closes once what was sent so far is written (`disconnect()`, a
   * socket's `end()`): our direction is ended first (see `Conn.endWrite`), and
   * the connection closed when the peer closes its side, or after
   * {@linkcode END_WAIT_MS}.
   */
  async closeWhenFlushed(): Promise<void> {
    await this.flush();
    if (this.#closed) return;
    if (!this.conn.endWrite) return this.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => (this.close(), resolve()), END_WAIT_MS);
      this.#peerEnded = () => (clearTimeout(timer), resolve());
      this.conn.endWrite!();
    });
  }

  /**
   * Sends a user value, wrapped in an envelope unless peer_type is "json".
   */
  send(
    o: unknown,
    callback?: RemoteCallback,
    config?: SendOptions,
    label?: string,
  ): Promise<void> {
    if (callback === undefined) {
      const frame = this.frame(o);
      return frame instanceof Promise ? frame : this.send_frame(frame);
    }
    if (this.#opts.peer_type === "json") {
      return Promise.reject(
        new SockhopError(
          "Unable to use remote callback - peer type must be Sockhop",
          "ERR_REMOTE_CALLBACK_TYPE",
        ),
      );
    }
    if (o === null || o === undefined) return noData(o);
    const bad = unsendable(o);
    if (bad) return Promise.reject(bad);
    if (typeof callback !== "function") {
      return Promise.reject(
        new SockhopError(
          "remote_callback must be a function",
          "ERR_REMOTE_CALLBACK_TYPE",
        ),
      );
    }
    if (this.#closed) return quiet(Promise.reject(destroyed()));
    const signal = config?.signal;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    // Whatever can refuse the send is asked first, so that a callback is
    // registered only for a frame that goes out; a write that fails later
    // closes the channel, whose stop tells error_cb "stopped".
    const id = messageId();
    const frame = this.#encode(label ?? typeName(o), o, "id", id);
    if (frame instanceof Promise) return frame;
    const writer = this.#writer;
    const refused = writer.refusal();
    if (refused) return quiet(Promise.reject(refused));
    const errorCb = config?.error_cb;
    if (signal) {
      const forget = onAbort(signal, () => {
        forget();
        if (this.#callbacks.extract(id)) errorCb?.("aborted");
      });
      this.#callbacks.set(id, (data, meta) => {
        forget();
        callback(data, meta);
      }, (reason) => {
        forget();
        if (reason !== "deleted") errorCb?.(reason);
      }, config?.timeout);
    } else {
      this.#callbacks.set(
        id,
        callback,
        errorCb ? withoutDeleted(errorCb) : noop,
        config?.timeout,
      );
    }
    // Registered before the write: a fast answer must find its callback.
    return writer.push(frame);
  }

  /**
   * The frame text `send(o)` writes (without a callback), or the rejected
   * send when `o` cannot be sent. Channels with the same options write the
   * same frame, so `sendall` serialises once for all of them.
   */
  frame(o: unknown): Frame | Promise<never> {
    let json: string | undefined;
    if (this.#opts.peer_type === "json") {
      if (!this.#opts.allow_non_objects && typeof o !== "object") {
        return Promise.reject(
          new SockhopError(
            "obj2buf called with non object type (set allow_non_objects if you want this behavior)",
            "ERR_OBJECTBUFFER_BAD_OBJECT",
          ),
        );
      }
      try {
        json = payloadJSON(o);
      } catch (e) {
        return unserialisable(e);
      }
      return json === undefined ? unrepresentable() : json + this.#tx;
    }
    if (o === null || o === undefined) return noData(o);
    const bad = unsendable(o) ?? this.#opts.outgoing?.(o);
    if (bad) return Promise.reject(bad);
    let frame: Frame | undefined;
    try {
      frame = this.#codec.envelope(typeName(o), o);
    } catch (e) {
      return unserialisable(e);
    }
    return frame === undefined ? unrepresentable() : frame;
  }

  /** The codec `frame()` uses: channels with the same one share frames. */
  get codec(): TxCodec {
    return this.#codec;
  }

  /**
   * Writes a frame from {@linkcode frame} (of this channel or one with the
   * same options).
   */
  send_frame(frame: Frame): Promise<void> {
    if (this.#closed) return quiet(Promise.reject(destroyed()));
    return this.#writer.push(frame);
  }

  /**
   * Sends an envelope built by the caller: response streams answer
   * through this (the channel is their `ResponseSender`).
   */
  _send_message(message: { type: string; data: unknown }): Promise<void> {
    const pkt = message.data;
    if (
      message.type === "SockhopResponsePacket" &&
      pkt instanceof SockhopResponsePacket
    ) {
      const refused = this.#opts.outgoing?.(pkt.data);
      if (refused) return Promise.reject(refused);
      return this.#push(() => this.#codec.response(pkt));
    }
    return this.#push(() => this.#codec.message(message));
  }

  /**
   * Sends a request; resolves, once it is written, to its response stream.
   */
  async request<A = unknown>(
    o: unknown,
    config?: RequestOptions,
  ): Promise<SockhopResponseReadableStream<A>> {
    const signal = config?.signal;
    if (this.#opts.peer_type !== "Sockhop") {
      throw new SockhopError(
        "Unable to use requests - peer type must be Sockhop",
        "ERR_REQUEST_TYPE",
      );
    }
    if (o === null || o === undefined) {
      throw new SockhopError(
        `Cannot request ${o}: there is no data`,
        "ERR_BAD_DATA",
      );
    }
    if (signal?.aborted) throw abortedError(signal);
    const bad = unsendable(o) ?? this.#protocol?.requestRefusal();
    if (bad) throw bad;
    const req = SockhopRequest.from_data(o);
    const stream = SockhopResponseReadableStream.from_request(req);
    stream._report_to(
      this.#reporter ??= (e, fromPeer) => this.#report(e, fromPeer),
    );
    // Registered before sending: a fast answer must find its stream.
    this.#streams.set(req.uuid, stream, (reason) => {
      if (reason === "timed-out") {
        stream.end(
          new SockhopError(
            "Response stream timed out before ending",
            "ERR_RESPONSE_TIMEOUT",
          ),
        );
      } else if (reason !== "deleted") {
        stream.end(
          new SockhopError(
            `Response stream was stopped locally because it was ${reason}`,
            "ERR_SOCKET_DESTROYED",
          ),
        );
      }
    }, config?.timeout);
    const forget = signal
      ? onAbort(signal, () => {
        if (this.#streams.extract(req.uuid)) stream.end(abortedError(signal));
      })
      : noop;
    const forgetStream = this.#streamForgetter ??= (ended) =>
      this.#forgetStream(ended);
    stream._when_ended(
      forget === noop ? forgetStream : (ended) => {
        forget();
        forgetStream(ended);
      },
    );
    // The answer may be read before the write resolves (Node's TLS does
    // this): keep it for the caller, who can listen only once we return.
    stream._hold();
    try {
      const refused = this.#opts.outgoing?.(req.data);
      if (refused) throw refused;
      await this.#push(() => this.#codec.request(req));
    } catch (e) {
      forget();
      this.#streams.extract(req.uuid);
      throw e;
    } finally {
      stream._release();
    }
    return stream as SockhopResponseReadableStream<A>;
  }

  /**
   * One ping interval: remembers a new ping (keeping
   * {@linkcode PINGS_KEPT}), and reports false, without sending, when more
   * than {@linkcode UNANSWERED_LIMIT} are kept and none was answered.
   */
  pingTick(): boolean {
    const ping = new SockhopPing();
    this.pings.push(ping);
    while (this.pings.length > PINGS_KEPT) this.pings.shift();
    if (
      this.pings.length > UNANSWERED_LIMIT &&
      this.pings.every((p) => p.unanswered())
    ) {
      return false;
    }
    this.#push(() => this.#codec.message({ type: "SockhopPing", data: ping }))
      .catch(noop);
    return true;
  }

  /** Sends `{type, data}` (plus an id field). */
  #envelope(
    type: string,
    data: unknown,
    key?: "id" | "callback_id",
    id?: string,
  ): Promise<void> {
    const frame = this.#encode(type, data, key, id);
    return frame instanceof Promise ? frame : this.#writer.push(frame);
  }

  /**
   * An envelope's frame, or the rejected send when the channel is closed
   * or the payload cannot be represented.
   */
  #encode(
    type: string,
    data: unknown,
    key?: "id" | "callback_id",
    id?: string,
  ): Frame | Promise<never> {
    if (this.#closed) return quiet(Promise.reject(destroyed()));
    const refused = this.#opts.outgoing?.(data);
    if (refused) return Promise.reject(refused);
    let frame: Frame | undefined;
    try {
      frame = this.#codec.envelope(type, data, key, id);
    } catch (e) {
      return unserialisable(e);
    }
    return frame === undefined ? unrepresentable() : frame;
  }

  /** Writes what `make` builds, or rejects as `#encode` does. */
  #push(make: () => Frame | undefined): Promise<void> {
    if (this.#closed) return quiet(Promise.reject(destroyed()));
    let frame: Frame | undefined;
    try {
      frame = make();
    } catch (e) {
      return unserialisable(e);
    }
    return frame === undefined ? unrepresentable() : this.#writer.push(frame);
  }

  /**
   * The pushed stream is over (see `Conn.receive`): this channel is the
   * connection's sink.
   * @param error what ended it, if it failed
   */
  end(error?: Error): void {
    // As in #readLoop: an error hook that throws rejects `start()`.
    let thrown: unknown;
    try {
      if (error) this.#hooks.error(error, true);
    } catch (e) {
      thrown = e ?? new Error(String(e));
    }
    this.#shutdown();
    this.#stopped?.(thrown);
  }

  /** Decodes a chunk, counts it and dispatches its frames. */
  #consume(chunk: Uint8Array): void {
    const frames = this.#decoder.decode(chunk);
    if (counting.on) {
      this.#bytesIn += chunk.length;
      this.#framesIn += frames.length;
    }
    for (const frame of frames) {
      if (this.#closed) break;
      this.#dispatch(frame);
    }
  }

  /**
   * One pushed chunk (see `Conn.receive`).
   * @param chunk the bytes, valid only during the call
   */
  chunk(chunk: Uint8Array): void {
    if (this.#closed) return;
    if (this.#idleTimer !== undefined) this.#receivedAt = Date.now();
    try {
      this.#consume(chunk);
      const pause = this.#hooks.readPause;
      if (pause?.paused && !this.#closed && this.#reading) {
        const reading = this.#reading;
        reading.pause();
        this.#resumed(pause).then(() => {
          if (!this.#closed) reading.resume();
        });
      }
    } catch (e) {
      this.#hooks.error(e as Error);
      this.close();
    }
  }

  /** Waits until reading may go on, or the channel is closed. */
  #resumed(pause: ReadPause): Promise<void> {
    return new Promise<void>((wake) => {
      this.#wakeOnClose = wake;
      pause.wait().then(wake);
    }).finally(() => (this.#wakeOnClose = null));
  }

  async #readLoop(): Promise<void> {
    try {
      const idle = (this.#opts.idle_timeout ?? 0) > 0;
      for await (const chunk of this.conn.readable) {
        if (idle) this.#receivedAt = Date.now();
        this.#consume(chunk);
        if (this.#closed) break;
        if (this.#hooks.readPause?.paused) {
          await this.#resumed(this.#hooks.readPause);
          if (this.#closed) break;
        }
      }
    } catch (e) {
      this.#report(e as Error, true);
    } finally {
      this.#shutdown();
    }
  }

  #shutdown(): void {
    const wasClosed = this.#closed;
    this.#closed = true;
    if (!wasClosed) {
      this.#writes?.fail(destroyed());
      this.conn.close();
    }
    clearTimeout(this.#idleTimer);
    this.pings = [];
    this.#callbackMap?.stop();
    this.#streamMap?.stop();
    this.#protocol?.negotiation.closed();
    this.#peerEnded?.();
    this.#hooks.closed();
  }

  #dispatch(frame: unknown): void {
    try {
      if (this.#opts.peer_type === "json") {
        this.#hooks.receive(frame, typeName(frame), undefined);
      } else if (this.#opts.types === undefined) {
        this.#handle(frame);
      } else {
        (this.#typed ??= this.#typedReceiver()).take(frame);
      }
    } catch (e) {
      // A user handler threw: report it like an EventEmitter would, without
      // tearing down the connection's read loop.
      this.#report(e as Error);
    }
  }

  #typedReceiver(): TypedReceiver {
    return new TypedReceiver(this.#opts.types!, {
      handle: (frame) => this.#handle(frame),
      report: (e) => this.#report(e),
      refuse: (id, e) => {
        this.#callbackMap?.drop(id, "invalid");
        this.#streamMap?.extract(id)?.end(e);
      },
      closed: () => this.#closed,
    }, () => this.close());
  }

  #handle(frame: unknown): void {
    const kind = classify(frame);
    if (kind === "invalid") {
      if (this.#opts.allow_non_objects && typeof frame === "string") {
        this.#hooks.receive(frame, "String", undefined);
        return;
      }
      this.#report(
        new SockhopError(
          `Ignoring a malformed message: ${whyInvalid(frame)}`,
          "ERR_BAD_DATA",
        ),
      );
      return;
    }
    const msg = frame as Envelope;
    switch (kind) {
      case "ping":
        this.#push(() =>
          this.#codec.message({
            type: "SockhopPong",
            data: new SockhopPong(msg.data as Record<string, unknown>),
          })
        ).catch(noop);
        return;
      case "pong":
        for (const p of this.pings) {
          p.conclude_with_pong(msg.data as Record<string, unknown>);
        }
        return;
      case "request": {
        const req = SockhopRequest.parse(msg.data as Record<string, unknown>);
        req.data = revive(req.type, req.data, this.#userBytes);
        this.#hooks.request(
          req,
          SockhopResponseWriteableStream.from_request(req, this),
        );
        return;
      }
      case "response": {
        const data = msg.data as Record<string, unknown>;
        const stream = this.#streamMap?.get(data.uuid as string);
        if (!stream) return; // unknown or finished stream
        const pkt = SockhopResponsePacket.parse(data);
        pkt.data = revive(pkt.type, pkt.data, this.#userBytes);
        stream.receive_packet(pkt);
        return;
      }
      case "answer": {
        // Late or unknown answers (expired, or never asked) are ignored.
        const cb = this.#callbackMap?.extract(msg.callback_id!);
        cb?.(revive(msg.type, msg.data, this.#userBytes), { type: msg.type });
        return;
      }
      case "message": {
        const data = revive(msg.type, msg.data, this.#userBytes);
        const cb = msg.id === undefined ? undefined : this.#replier(msg.id);
        if (data instanceof Uint8Array && msg.type !== "Buffer") {
          const bytes = this.#userBytes(data); // a typed buffer (2.x)
          return this.#hooks.protocol?.receiveBuffer(bytes, msg.type, cb);
        }
        this.#hooks.receive(data, msg.type, cb);
        return;
      }
      case "handshake":
        return this.#v2.peerHandshake(msg.data, msg.id);
      case "transition":
        this.#v2.negotiation.peerTransition();
    }
  }

  /** `meta.callback` of a message; a 2.x peer is answered once only. */
  #replier(id: string): (reply?: unknown) => Promise<void> {
    let answered = false;
    return (reply: unknown = {}) => {
      if (reply === null) {
        return Promise.reject(
          new SockhopError("Cannot answer with null", "ERR_BAD_DATA"),
        );
      }
      const bad = unsendable(reply);
      if (bad) return Promise.reject(bad);
      if (answered && this.#protocol?.peerIs2x) return Promise.resolve();
      answered = true;
      return this.#envelope(typeName(reply), reply, "callback_id", id);
    };
  }

  /** The 2.x protocol, made on first need (never, with a 1.x peer). */
  get #v2(): ChannelProtocol {
    return this.#protocol ??= new ChannelProtocol(
      this.#opts.negotiation ?? REACTIVE,
      {
        send: (o, cb, label) => this.send(o, cb, undefined, label),
        envelope: (type, data, key, id) => this.#envelope(type, data, key, id),
        barrier: (text, pause) => this.#writer.pushBarrier(text, pause),
        codec: () => this.#codec,
        setCodec: (codec) => (this.#codec = codec),
        decoder: () => this.#decoder,
        setDecoder: (decoder) => (this.#decoder = decoder),
        max_message_bytes: this.#opts.max_message_bytes ??
          DEFAULT_MAX_MESSAGE_BYTES,
        report: (e) => this.#report(e),
        close: () => this.close(),
        hooks: this.#hooks.protocol,
      },
    );
  }

  /** The 2.x side of this connection, if it has one. */
  get protocol(): ChannelProtocol | undefined {
    return this.#protocol;
  }
}
