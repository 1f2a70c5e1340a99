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
import { TimedMap } from "./timed_map.ts";
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
  payload,
  revive,
  typeName,
  unsendable,
  whyInvalid,
} from "./wire/envelope.ts";
import { FrameDecoder, frameText, terminatorPair } from "./wire/framing.ts";
import { SockhopPing, SockhopPong } from "./wire/ping.ts";
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
}

const destroyed = (): SockhopError =>
  new SockhopError(
    "Unable to send() - socket has been destroyed",
    "ERR_SOCKET_DESTROYED",
  );

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
  readonly #decoder: FrameDecoder;
  readonly #writer: WriteQueue;
  readonly #tx: string;
  readonly #userBytes: (bytes: Uint8Array) => Uint8Array;
  readonly #callbacks: TimedMap<string, RemoteCallback>;
  readonly #streams: TimedMap<string, SockhopResponseReadableStream>;
  /** Reports a problem to the owner, counting it. */
  readonly #report: (e: Error, fromPeer?: boolean) => void;
  readonly #errors: Record<string, number> = {};
  #bytesIn = 0;
  #framesIn = 0;
  #closed = false;
  #wakeOnClose: (() => void) | null = null;
  #done: Promise<void> | null = null;
  /** The idle check (with `idle_timeout`): one per channel, re-armed lazily. */
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When bytes last arrived (read only by the idle check). */
  #receivedAt = 0;

  /**
   * @param conn the connection
   * @param opts framing and protocol options
   * @param hooks where events go
   */
  constructor(conn: Conn, opts: ChannelOptions, hooks: ChannelHooks) {
    this.conn = conn;
    this.#opts = opts;
    this.#hooks = hooks;
    this.#report = (e, fromPeer) => {
      countError(this.#errors, e);
      hooks.error(e, fromPeer);
    };
    const [rx, tx] = terminatorPair(opts.terminator);
    this.#decoder = new FrameDecoder(rx, opts, (e) => {
      this.#report(e);
      // An oversized frame is an attack or a bug: stop reading this peer.
      if (e.code === "ERR_MESSAGE_TOO_LARGE") this.close();
    });
    this.#tx = tx;
    this.#userBytes = opts.user_bytes ?? ((bytes) => bytes);
    // A failed or stalled write closes the channel at once, so `closed`
    // (and a client's `connected`) turn false before the read loop
    // notices. A slow consumer is also worth an error event.
    this.#writer = new WriteQueue(
      conn,
      opts.max_pending_bytes,
      (e) => {
        if (e.code === "ERR_WRITE_TIMEOUT") this.#report(e);
        this.close();
      },
      opts.write_timeout,
    );
    this.#callbacks = new TimedMap({ timeout: opts.response_timeout });
    this.#streams = new TimedMap({ timeout: opts.response_timeout });
  }

  /** This connection's counts so far (see {@linkcode SockhopStats}). */
  stats(): SockhopStats {
    return {
      messages_in: this.#framesIn,
      messages_out: this.#writer.framesOut,
      bytes_in: this.#bytesIn,
      bytes_out: this.#writer.bytesOut,
      errors: { ...this.#errors },
      callbacks_pending: this.#callbacks.size,
      requests_pending: this.#streams.size,
    };
  }

  /** Whether the connection is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts reading; resolves once the connection is gone. */
  start(): Promise<void> {
    if (this.#done) return this.#done;
    const idle = this.#opts.idle_timeout ?? 0;
    if (idle > 0 && !this.#closed) {
      this.#receivedAt = Date.now();
      this.#idleTimer = setTimeout(() => this.#idleCheck(), idle);
    }
    this.#done = this.#readLoop();
    return this.#done;
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

  /** Closes the connection; `closed()` follows once reading stops. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeOnClose?.();
    clearTimeout(this.#idleTimer);
    this.#writer.fail(destroyed());
    this.conn.close();
  }

  /**
   * Sends a user value, wrapped in an envelope unless peer_type is "json".
   */
  send(
    o: unknown,
    callback?: RemoteCallback,
    config: SendOptions = {},
  ): Promise<void> {
    if (this.#opts.peer_type === "json") {
      if (callback) {
        return Promise.reject(
          new SockhopError(
            "Unable to use remote callback - peer type must be Sockhop",
            "ERR_REMOTE_CALLBACK_TYPE",
          ),
        );
      }
      if (!this.#opts.allow_non_objects && typeof o !== "object") {
        return Promise.reject(
          new SockhopError(
            "obj2buf called with non object type (set allow_non_objects if you want this behavior)",
            "ERR_OBJECTBUFFER_BAD_OBJECT",
          ),
        );
      }
      return this.#write(payload(o));
    }
    if (o === null || o === undefined) {
      return Promise.reject(
        new SockhopError(`Cannot send ${o}: there is no data`, "ERR_BAD_DATA"),
      );
    }
    const bad = unsendable(o);
    if (bad) return Promise.reject(bad);
    if (callback === undefined) {
      return this.#write({ type: typeName(o), data: payload(o) });
    }
    if (typeof callback !== "function") {
      return Promise.reject(
        new SockhopError(
          "remote_callback must be a function",
          "ERR_REMOTE_CALLBACK_TYPE",
        ),
      );
    }
    if (this.#closed) return quiet(Promise.reject(destroyed()));
    const { signal } = config;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    const id = crypto.randomUUID();
    const errorCb = config.error_cb ?? noop;
    let answer = callback;
    let forget = noop;
    if (signal) {
      forget = onAbort(signal, () => {
        forget();
        if (this.#callbacks.extract(id)) errorCb("aborted");
      });
      answer = (data, meta) => {
        forget();
        callback(data, meta);
      };
    }
    this.#callbacks.set(id, answer, (reason) => {
      forget();
      if (reason !== "deleted") errorCb(reason);
    }, config.timeout);
    const sent = this.#write({ type: typeName(o), data: payload(o), id });
    sent.catch(() => {
      forget();
      this.#callbacks.extract(id);
    });
    return sent;
  }

  /**
   * Sends an envelope built by the caller: response streams answer
   * through this (the channel is their `ResponseSender`).
   */
  _send_message(message: { type: string; data: unknown }): Promise<void> {
    return this.#write(message);
  }

  /**
   * Sends a request; resolves, once it is written, to its response stream.
   */
  async request(
    o: unknown,
    { timeout, signal }: RequestOptions = {},
  ): Promise<SockhopResponseReadableStream> {
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
    const bad = unsendable(o);
    if (bad) throw bad;
    const req = SockhopRequest.from_data(o);
    const stream = SockhopResponseReadableStream.from_request(req);
    stream._report_to(this.#report);
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
    }, timeout);
    const forget = signal
      ? onAbort(signal, () => {
        if (this.#streams.extract(req.uuid)) stream.end(abortedError(signal));
      })
      : noop;
    stream.once("end", () => {
      forget();
      this.#streams.extract(req.uuid);
    });
    // The answer may be read before the write resolves (Node's TLS does
    // this): keep it for the caller, who can listen only once we return.
    stream._hold();
    try {
      await this.#write({ type: "SockhopRequest", data: req });
    } catch (e) {
      forget();
      this.#streams.extract(req.uuid);
      throw e;
    } finally {
      stream._release();
    }
    return stream;
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
    this.#write({ type: "SockhopPing", data: ping }).catch(noop);
    return true;
  }

  #write(message: unknown): Promise<void> {
    if (this.#closed) return quiet(Promise.reject(destroyed()));
    let text: string | undefined;
    try {
      text = frameText(message, this.#tx);
    } catch (e) {
      return Promise.reject(
        new SockhopError(
          `Cannot serialise the value: ${(e as Error).message}`,
          "ERR_BAD_DATA",
        ),
      );
    }
    if (text === undefined) {
      return Promise.reject(
        new SockhopError("JSON cannot represent this value", "ERR_BAD_DATA"),
      );
    }
    return this.#writer.push(text);
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
        const frames = this.#decoder.decode(chunk);
        if (counting.on) {
          this.#bytesIn += chunk.length;
          this.#framesIn += frames.length;
        }
        for (const frame of frames) {
          if (this.#closed) break;
          this.#dispatch(frame);
        }
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
      this.#writer.fail(destroyed());
      this.conn.close();
    }
    clearTimeout(this.#idleTimer);
    this.pings = [];
    this.#callbacks.stop();
    this.#streams.stop();
    this.#hooks.closed();
  }

  #dispatch(frame: unknown): void {
    try {
      if (this.#opts.peer_type === "json") {
        this.#hooks.receive(frame, typeName(frame), undefined);
      } else {
        this.#handle(frame);
      }
    } catch (e) {
      // A user handler threw: report it like an EventEmitter would, without
      // tearing down the connection's read loop.
      this.#report(e as Error);
    }
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
        this.#write({
          type: "SockhopPong",
          data: new SockhopPong(msg.data as Record<string, unknown>),
        }).catch(noop);
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
        const stream = this.#streams.get(data.uuid as string);
        if (!stream) return; // unknown or finished stream
        const pkt = SockhopResponsePacket.parse(data);
        pkt.data = revive(pkt.type, pkt.data, this.#userBytes);
        stream.receive_packet(pkt);
        return;
      }
      case "answer": {
        // Late or unknown answers (expired, or never asked) are ignored.
        const cb = this.#callbacks.extract(msg.callback_id!);
        cb?.(revive(msg.type, msg.data, this.#userBytes), { type: msg.type });
        return;
      }
      case "message": {
        const data = revive(msg.type, msg.data, this.#userBytes);
        const id = msg.id;
        if (id === undefined) {
          this.#hooks.receive(data, msg.type, undefined);
          return;
        }
        this.#hooks.receive(data, msg.type, (reply: unknown = {}) => {
          if (reply === null) {
            return Promise.reject(
              new SockhopError("Cannot answer with null", "ERR_BAD_DATA"),
            );
          }
          const bad = unsendable(reply);
          if (bad) return Promise.reject(bad);
          return this.#write({
            type: typeName(reply),
            data: payload(reply),
            callback_id: id,
          });
        });
        return;
      }
    }
  }
}
