/**
 * Streamed responses to requests (§4 of PROTOCOL.md, at the package root).
 * @module
 */

import { AsyncQueue } from "./async_queue.ts";
import { SockhopError } from "./errors.ts";
import { TypedEmitter } from "./typed_emitter.ts";
import type { Payload } from "./types.ts";
import {
  SockhopRequest,
  SockhopResponsePacket,
} from "./wire/request_packets.ts";
import { unsendable } from "./wire/envelope.ts";
import { messageId } from "./wire/ids.ts";

export { SockhopRequest, SockhopResponsePacket };

/** Events of {@linkcode SockhopResponseReadableStream}. */
export type SockhopResponseStreamEvents<T = Payload> = {
  /** A response packet arrived. */
  data: [data: T, type: string];
  /** The stream ended; `err` says why when it was not the last packet. */
  end: [err?: Error];
};

/** One received response packet's payload and type label. */
export interface ResponsePayload<T = unknown> {
  /** The payload. */
  data: T;
  /** Its type label ("Object", "Widget", ...). */
  type: string;
}

/**
 * The requester's side of a response: emits `data(data, type)` for each
 * packet and `end(err?)` once, after the last packet, a timeout
 * (`ERR_RESPONSE_TIMEOUT`) or the connection closing. It can also be read
 * with `next()`, `all()` or `for await`.
 *
 * @example Read a streamed response with `for await`
 * ```ts
 * import { SockhopClient, SockhopServer } from "@sockhop/sockhop";
 *
 * const server = new SockhopServer({ port: 0 });
 * server.on("request", async (_req, res) => {
 *   for (const n of [1, 2, 3]) await res.write(n);
 *   await res.send("that's all");
 * });
 * await server.listen();
 * const client = new SockhopClient({ port: server.port });
 * await client.connect();
 *
 * const stream = await client.request({ want: "numbers" }, { timeout: 5000 });
 * for await (const { data, type } of stream) console.log(type, data);
 * // Number 1, Number 2, Number 3, String that's all
 *
 * await client.disconnect();
 * await server.close();
 * ```
 *
 * @example Other ways to read: `next()`, `all()`, events
 * ```ts
 * import type { SockhopResponseReadableStream } from "@sockhop/sockhop";
 *
 * async function firstOnly(stream: SockhopResponseReadableStream) {
 *   return (await stream.next()).data; // ends the stream after one packet
 * }
 * async function everything(stream: SockhopResponseReadableStream) {
 *   const packets = await stream.all(); // resolves when the stream ends
 *   if (stream.error) console.log("ended early:", stream.error.message);
 *   return packets.map((p) => p.data);
 * }
 * function watch(stream: SockhopResponseReadableStream) {
 *   stream.on("data", (data, type) => console.log(type, data));
 *   stream.on("end", (err) => console.log("ended", err?.message ?? "ok"));
 * }
 * ```
 */
export class SockhopResponseReadableStream<T = unknown>
  extends TypedEmitter<SockhopResponseStreamEvents<T>> {
  /** The request's uuid. */
  readonly uuid: string;
  #ended = false;
  #error: Error | undefined;
  /** Packets and the end held back by `_hold()`, in arrival order. */
  #held: (() => void)[] | null = null;
  /**
   * A pending `next()`, settled directly rather than through two `once`
   * listeners (their wrappers and closures, per request).
   */
  #nextResolve: ((p: ResponsePayload<T>) => void) | null = null;
  #nextReject: ((e: Error) => void) | null = null;
  /** Told once when the stream ends (its owner forgets it then). */
  #onEnded: ((stream: SockhopResponseReadableStream<T>) => void) | null = null;
  /** Where failures of async listeners go, when a connection owns us. */
  #report: ((error: Error) => void) | undefined;

  /**
   * Makes a stream for one request.
   * @param opts.uuid the request's uuid
   */
  constructor({ uuid }: { uuid?: string } = {}) {
    super();
    this.uuid = uuid ?? messageId();
  }

  /** Whether the stream has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Why the stream ended, when it ended with an error. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Makes the stream for a request just sent.
   * @param req the request
   */
  static from_request(req: SockhopRequest): SockhopResponseReadableStream {
    return new SockhopResponseReadableStream({ uuid: req.uuid });
  }

  /**
   * Delivers a received packet; a `last` packet ends the stream.
   * @param pkt the packet
   */
  receive_packet(pkt: SockhopResponsePacket): void {
    if (this.#held) {
      this.#held.push(() => this.receive_packet(pkt));
      return;
    }
    if (this.#ended) return;
    const resolve = this.#nextResolve;
    if (resolve !== null) {
      // next() takes one packet and ends the stream.
      this.#nextResolve = this.#nextReject = null;
      resolve({ data: pkt.data as T, type: pkt.type });
      this.emit("data", pkt.data as T, pkt.type);
      this.end();
      return;
    }
    this.emit("data", pkt.data as T, pkt.type);
    if (pkt.last) this.end();
  }

  /**
   * Ends the stream (once); `err` says why when it is not a normal end.
   * @param err the reason, for an abnormal end
   */
  end(err?: Error): void {
    if (this.#held) {
      this.#held.push(() => this.end(err));
      return;
    }
    if (this.#ended) return;
    this.#ended = true;
    this.#error = err;
    const reject = this.#nextReject;
    if (reject !== null) {
      this.#nextResolve = this.#nextReject = null;
      reject(this.#endedError());
    }
    const onEnded = this.#onEnded;
    this.#onEnded = null;
    onEnded?.(this);
    this.emit("end", err);
  }

  /**
   * Has `onEnded(stream)` called once when the stream ends, before the
   * `end` event (for the connection that routes packets to it).
   * @param onEnded told that this stream ended
   */
  _when_ended(onEnded: (stream: SockhopResponseReadableStream<T>) => void) {
    this.#onEnded = onEnded;
  }

  /**
   * Sends failures of async listeners to `report` (the owning client's or
   * server's error reporting) instead of this stream's own `error` rules.
   * @param report called with each rejection
   */
  _report_to(report: (error: Error) => void): void {
    this.#report = report;
  }

  /**
   * An async listener's promise rejected: reported by the connection the
   * stream belongs to, as a thrown error would be.
   * @param error the rejection reason
   * @param event the event whose listener failed
   * @param args the listener's arguments
   */
  override _listener_rejected(
    error: unknown,
    event: string,
    args: unknown[],
  ): void {
    if (this.#report) this.#report(error as Error);
    else super._listener_rejected(error, event, args);
  }

  /**
   * Holds packets and the end back until `_release()`: used while the
   * request is being written, since a quick peer may answer before the
   * write resolves and nobody could listen yet.
   */
  _hold(): void {
    this.#held ??= [];
  }

  /**
   * Lets held packets through: at once if none came, else on a later
   * macrotask, so that whoever receives the stream from `request()` can
   * start reading it first (as with answers that come after the write).
   */
  _release(): void {
    const held = this.#held;
    if (held === null) return;
    if (held.length === 0) {
      this.#held = null;
      return;
    }
    setTimeout(() => {
      this.#held = null;
      for (const deliver of held) deliver(); // later arrivals are appended
    }, 0);
  }

  /**
   * Resolves to the next packet, then ends the stream: it reads one packet
   * only, so a `for await` or `all()` after it sees nothing more (later
   * packets from the responder are ignored). Use `for await` to read them
   * all one by one. Rejects if the stream ends first (with its error, or
   * `ERR_RESPONSE_SEND` when it ended normally).
   */
  next(): Promise<ResponsePayload<T>> {
    if (this.#ended) return Promise.reject(this.#endedError());
    if (this.#nextResolve !== null) {
      // A second next() before the packet: both get the same packet.
      const first = this.#nextResolve;
      const firstReject = this.#nextReject!;
      return new Promise((resolve, reject) => {
        this.#nextResolve = (p) => {
          first(p);
          resolve(p);
        };
        this.#nextReject = (e) => {
          firstReject(e);
          reject(e);
        };
      });
    }
    return new Promise((resolve, reject) => {
      this.#nextResolve = resolve;
      this.#nextReject = reject;
    });
  }

  /**
   * Resolves to every packet once the stream ends. As in the original, a
   * stream ended by an error still resolves, with the packets that came;
   * `error` tells why it ended.
   */
  all(): Promise<ResponsePayload<T>[]> {
    const packets: ResponsePayload<T>[] = [];
    if (this.#ended) return Promise.resolve(packets);
    return new Promise((resolve) => {
      const onData = (data: T, type: string) => packets.push({ data, type });
      this.on("data", onData);
      this.once("end", () => {
        this.off("data", onData);
        resolve(packets);
      });
    });
  }

  /**
   * Iterates packets as they arrive; the loop throws the stream's error if
   * it ended abnormally.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ResponsePayload<T>> {
    const queue = new AsyncQueue<ResponsePayload<T>>();
    const onData = (data: T, type: string) => queue.push({ data, type });
    const onEnd = () => queue.end();
    this.on("data", onData);
    this.on("end", onEnd);
    if (this.#ended) queue.end();
    try {
      yield* queue;
      if (this.#error) throw this.#error;
    } finally {
      this.off("data", onData);
      this.off("end", onEnd);
    }
  }

  #endedError(): Error {
    return this.#error ??
      new SockhopError(
        "Response stream ended without data",
        "ERR_RESPONSE_SEND",
      );
  }
}

/** What a response stream needs from the connection it answers on. */
export interface ResponseSender {
  /** Sends an already-built envelope. */
  _send_message(message: { type: string; data: unknown }): Promise<void>;
}

/**
 * The responder's side: `write(v)` sends a packet and keeps the stream
 * open, `send(v)` sends the last packet, `end()` is `send({})`. Anything
 * after the last packet rejects with `ERR_RESPONSE_SEND`.
 *
 * A request nobody answers leaves the requester waiting until its
 * timeout: answer every request, even with just `res.end()`.
 *
 * @example
 * ```ts
 * import { SockhopServer } from "@sockhop/sockhop";
 *
 * const server = new SockhopServer({ port: 0 });
 * server.on("request", async (req, res) => {
 *   await res.write({ progress: 50 });
 *   await res.send({ done: true, echo: req.data });
 * });
 * await server.listen();
 * await server.close();
 * ```
 */
export class SockhopResponseWriteableStream<T = unknown> {
  /** The request's uuid. */
  readonly uuid: string;
  readonly #sender: ResponseSender | undefined;
  #endCalled = false;

  /**
   * Makes a response stream.
   * @param opts the request's uuid and the connection to answer on
   */
  constructor({ uuid, sockhop }: { uuid?: string; sockhop?: ResponseSender }) {
    this.uuid = uuid ?? messageId();
    this.#sender = sockhop;
  }

  /** Whether the last packet has been sent. */
  get ended(): boolean {
    return this.#endCalled;
  }

  /**
   * Makes the response stream for a received request.
   * @param req the received request's data
   * @param sockhop the connection to answer on
   */
  static from_request(
    req: { uuid: string },
    sockhop: ResponseSender,
  ): SockhopResponseWriteableStream {
    return new SockhopResponseWriteableStream({ uuid: req.uuid, sockhop });
  }

  /**
   * Sends the last packet, ending the stream.
   * @param data the payload
   */
  send(data: T): Promise<void> {
    return this.#send(data, true);
  }

  /**
   * Sends a packet and keeps the stream open.
   * @param data the payload
   */
  write(data: T): Promise<void> {
    return this.#send(data, false);
  }

  /** Ends the stream with an empty last packet (`send({})`). */
  end(): Promise<void> {
    return this.#send({} as T, true);
  }

  #send(data: T, last: boolean): Promise<void> {
    if (!this.#sender) {
      return Promise.reject(
        new SockhopError(
          "Response packet cannot be sent back to responder",
          "ERR_RESPONSE_SEND",
        ),
      );
    }
    if (this.#endCalled) {
      return Promise.reject(
        new SockhopError(
          "Response packet cannot be sent after end",
          "ERR_RESPONSE_SEND",
        ),
      );
    }
    if (data === null || data === undefined) {
      return Promise.reject(
        new SockhopError("A response packet needs data", "ERR_BAD_DATA"),
      );
    }
    const bad = unsendable(data);
    if (bad) return Promise.reject(bad);
    if (last) this.#endCalled = true;
    const pkt = SockhopResponsePacket.for_data(data, this.uuid, last);
    return this.#sender._send_message({
      type: "SockhopResponsePacket",
      data: pkt,
    });
  }
}
