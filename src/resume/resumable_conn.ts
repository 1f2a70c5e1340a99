/**
 * The connection a channel sees when its session resumes: one byte stream
 * that outlives the physical connections carrying it. What the channel
 * writes goes out in DATA records and is kept until acknowledged; when a
 * physical link drops, the stream waits (up to the resume window) for a
 * new one, over which each side resends what the other lacks, so the
 * channel above never notices the gap.
 * @module
 */

import { SockhopError } from "../errors.ts";
import type { Addr, ChunkSink, Conn } from "../transport/types.ts";
import {
  ackRecord,
  BYE_RECORD,
  dataRecord,
  RecordReader,
  type RecordSink,
} from "./records.ts";
import { RetransmitBuffer } from "./retransmit.ts";
import type { ChannelOptions } from "../types.ts";
import { DEFAULT_MAX_PENDING_BYTES } from "../write_queue.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/framing.ts";
import type { Pump } from "./pump.ts";

/** What a resumable stream needs to know. */
export interface ResumeLimits {
  /** ms a session waits for a new link before it is lost. */
  window: number;
  /** Unacknowledged bytes kept before writes wait (`max_pending_bytes`). */
  max_pending_bytes: number;
  /** The longest record accepted. */
  max_record_bytes: number;
}

/** The error unacknowledged sends reject with once the session is gone. */
export function sessionLost(why: string): SockhopError {
  return new SockhopError(
    `The session ended before the peer acknowledged this message: ${why}`,
    "ERR_SESSION_LOST",
  );
}

const noop = (): void => {};

/** Reads at least this long are acknowledged before they are handled. */
const EARLY_ACK_BYTES = 4096;

/**
 * Microtask turns a small read's ACK waits, after the channel handled the
 * read, for an answer to ride on (handlers that await reply a few turns
 * later); never a timer, so it never waits for the event loop.
 */
const LATE_ACK_HOPS = 8;

/** Bytes received inside one long record between two ACKs. */
const ACK_EVERY = 256 * 1024;

/** One resumable session's stream (see the module doc). */
export class ResumableConn implements Conn, RecordSink {
  /** The session's token. */
  readonly token: string;
  /** Told when a link drops (the client starts reconnecting). */
  onDrop: () => void = noop;
  /** Told when a new link took over. */
  onResume: () => void = noop;
  /** Told once when the session is over. */
  onEnd: () => void = noop;
  readonly #limits: ResumeLimits;
  readonly #tx = new RetransmitBuffer();
  readonly #reader: RecordReader;
  #pump: Pump | undefined;
  #addrs: { local: Addr; remote: Addr };
  #sink: ChunkSink | undefined;
  #early: Uint8Array[] = [];
  #paused = false;
  /** Stream bytes received (and handed to the channel). */
  #received = 0;
  #ackedTo = 0;
  #window: ReturnType<typeof setTimeout> | undefined;
  #ended: SockhopError | undefined;
  #space: (() => void)[] = [];
  /** Payload pieces of the chunk being read (valid during the read). */
  readonly #pieces: Uint8Array[] = [];
  readonly #onChunk = (chunk: Uint8Array): void => {
    this.#reader.read(chunk, this);
    // One ACK per read at most, and inside a long record only now and then.
    const unacked = this.#received - this.#ackedTo;
    if (
      unacked > 0 && this.#pump &&
      (!this.#reader.midRecord || unacked >= ACK_EVERY)
    ) {
      // A large read is acknowledged before the channel handles it (it
      // reached this side's Sockhop), so the peer's next sends overlap
      // with our handling; a small one after, riding on an answer the
      // channel writes meanwhile, if any.
      if (chunk.length >= EARLY_ACK_BYTES) this.#sendAck();
      else this.#ackDue = true;
    }
    this.#flush();
    // Still due: it may yet ride on what the handlers' promises send.
    if (this.#ackDue) {
      this.#ackHops = LATE_ACK_HOPS;
      queueMicrotask(this.#lateAck);
    }
  };

  /** Microtask turns the due ACK still waits for a write to ride on. */
  #ackHops = 0;
  readonly #lateAck = (): void => {
    if (!this.#ackDue) return;
    if (--this.#ackHops > 0) queueMicrotask(this.#lateAck);
    else this.#sendAck();
  };

  /** An ACK due and not yet written (it may ride on the next DATA). */
  #ackDue = false;

  #sendAck(): void {
    this.#ackDue = false;
    this.#ackedTo = this.#received;
    this.#pump?.conn.write(ackRecord(this.#received)).catch(noop);
  }

  /** Hands the pieces read so far to the channel. */
  #flush(): void {
    const pieces = this.#pieces;
    for (let i = 0; i < pieces.length; i++) this.#deliver(pieces[i]);
    pieces.length = 0;
  }

  /**
   * @param token the session's token
   * @param limits window and bounds
   * @param pump the first link
   */
  constructor(token: string, limits: ResumeLimits, pump: Pump) {
    this.token = token;
    this.#limits = limits;
    this.#reader = new RecordReader(limits.max_record_bytes);
    this.#addrs = { local: pump.conn.localAddr, remote: pump.conn.remoteAddr };
  }

  /** Stream bytes received so far (what a new link tells the peer). */
  get received(): number {
    return this.#received;
  }

  /** Whether the session is over. */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** Whether a physical link carries the stream now. */
  get linked(): boolean {
    return this.#pump !== undefined;
  }

  get localAddr(): Addr {
    return this.#addrs.local;
  }

  get remoteAddr(): Addr {
    return this.#addrs.remote;
  }

  get readable(): AsyncIterable<Uint8Array> {
    throw new Error("read through receive()");
  }

  receive(sink: ChunkSink): { pause(): void; resume(): void } {
    this.#sink = sink;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) sink.chunk(chunk);
    if (this.#ended) queueMicrotask(() => sink.end());
    return {
      pause: () => {
        this.#paused = true;
        this.#pump?.pause();
      },
      resume: () => {
        this.#paused = false;
        this.#pump?.resume();
      },
    };
  }

  /**
   * Carries the stream over `pump` from now on: the peer has received
   * `peerReceived` bytes, so what it lacks is resent first; `rest` are
   * bytes read after the hello. Returns false if the peer's count cannot
   * be served (the session is then lost).
   */
  attach(pump: Pump, peerReceived: number, rest: Uint8Array): boolean {
    if (this.#ended) {
      pump.stop();
      return false;
    }
    this.#detach();
    const missing = this.#tx.from(peerReceived);
    if (missing === undefined) {
      pump.stop();
      this.end(sessionLost("the peer's count does not match"));
      return false;
    }
    clearTimeout(this.#window);
    this.#window = undefined;
    this.#pump = pump;
    this.#addrs = { local: pump.conn.localAddr, remote: pump.conn.remoteAddr };
    this.#reader.reset();
    this.#ackedTo = this.#received; // the hello told the peer
    this.#ackDue = false;
    pump.onChunk = this.#onChunk;
    pump.onEnd = () => this.drop(pump);
    if (this.#paused) pump.pause();
    if (missing.length > 0) {
      let length = 0;
      for (const r of missing) length += r.length;
      const all = new Uint8Array(length);
      let at = 0;
      for (const r of missing) all.set(r, (at += r.length) - r.length);
      pump.conn.write(all).catch(noop);
    }
    this.#release();
    if (rest.length > 0) this.#onChunk(rest);
    return true;
  }

  /** The link `pump` (default: the current one) is dead: wait for another. */
  drop(pump: Pump | undefined = this.#pump): void {
    if (pump === undefined || pump !== this.#pump || this.#ended) return;
    this.#detach();
    this.#window ??= setTimeout(
      () => this.end(sessionLost("no new link within the resume window")),
      this.#limits.window,
    );
    this.onDrop();
  }

  #detach(): void {
    const pump = this.#pump;
    if (!pump) return;
    this.#pump = undefined;
    pump.stop();
    this.#release(); // writes waiting on the dead link go on
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#ended) return Promise.reject(this.#ended);
    const record = dataRecord(bytes);
    this.#tx.push(record);
    const written = this.#pump?.conn.write(this.#withAck(record)).catch(noop);
    if (this.#tx.unacked <= this.#limits.max_pending_bytes) {
      return written ?? Promise.resolve();
    }
    return new Promise((resolve) => this.#space.push(resolve));
  }

  /** `record`, behind the ACK that is due, if one is. */
  #withAck(record: Uint8Array): Uint8Array {
    if (!this.#ackDue) return record;
    this.#ackDue = false;
    this.#ackedTo = this.#received;
    const ack = ackRecord(this.#received);
    const both = new Uint8Array(ack.length + record.length);
    both.set(ack);
    both.set(record, ack.length);
    return both;
  }

  /** Wakes writes held for space, while there is some (or none is kept). */
  #release(): void {
    if (this.#space.length === 0) return;
    if (this.#tx.unacked > this.#limits.max_pending_bytes && !this.#ended) {
      return;
    }
    const space = this.#space;
    this.#space = [];
    for (const wake of space) wake();
  }

  /**
   * `written` (a write of the channel) settled: resolves once the peer
   * acknowledged everything written so far; rejects with
   * `ERR_SESSION_LOST` if the session ends first.
   */
  delivered(written: Promise<void>): Promise<void> {
    return written.then(
      () => this.#tx.acknowledged(this.#tx.sent),
      (e) => {
        throw this.#ended ?? e;
      },
    );
  }

  // RecordSink: what arrives over the current link.

  data(payload: Uint8Array): void {
    this.#received += payload.length;
    this.#pieces.push(payload);
  }

  #deliver(payload: Uint8Array): void {
    if (this.#ended) return;
    if (this.#sink) this.#sink.chunk(payload);
    else this.#early.push(payload.slice());
  }

  ack(received: number): void {
    if (!this.#tx.ack(received)) return this.drop();
    this.#release();
  }

  bye(): void {
    this.#flush(); // what came before the goodbye
    this.end(sessionLost("the peer ended the session"));
  }

  bad(): void {
    this.drop();
  }

  /** Ends the session on purpose: the peer is told (BYE). */
  close(): void {
    if (this.#ended) return;
    const pump = this.#pump;
    if (pump) {
      this.#pump = undefined;
      pump.conn.write(BYE_RECORD).catch(noop).finally(() => pump.stop());
    }
    this.end(sessionLost("it was closed"));
  }

  /** The session is over: unacknowledged sends reject with `error`. */
  end(error: SockhopError): void {
    if (this.#ended) return;
    this.#ended = error;
    clearTimeout(this.#window);
    this.#detach();
    this.#tx.fail(error);
    this.#release();
    this.onEnd();
    const sink = this.#sink;
    if (sink) queueMicrotask(() => sink.end());
  }

  setNoDelay(noDelay: boolean): void {
    this.#pump?.conn.setNoDelay?.(noDelay);
  }
}

/** The limits of a peer's sessions, from its `resume` and channel options. */
export function resumeLimits(
  window: number,
  channel: ChannelOptions,
): ResumeLimits {
  return {
    window,
    max_pending_bytes: channel.max_pending_bytes ?? DEFAULT_MAX_PENDING_BYTES,
    max_record_bytes:
      2 * (channel.max_message_bytes ?? DEFAULT_MAX_MESSAGE_BYTES) + 1024,
  };
}
