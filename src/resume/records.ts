/**
 * The record framing of a resumable link (after the resume hello): the
 * channel's byte stream travels in DATA records (numbered by their offset
 * in the stream), and each side tells the other, in ACK records, how many
 * stream bytes it has received (records may be acknowledged in part).
 * Only two peers of this library that both asked for `resume` ever write
 * these. Pure code, no I/O.
 * @module
 */

/** A record of stream bytes: kind, u32 length, the bytes. */
export const DATA = 1;
/** A cumulative acknowledgement: kind, f64 count of stream bytes received. */
export const ACK = 2;
/** The session ends on purpose (the sender closed it): kind only. */
export const BYE = 3;

/** Bytes before a DATA record's payload. */
export const DATA_HEADER = 5;
/** Bytes of an ACK record. */
export const ACK_BYTES = 9;

/** A DATA record carrying a copy of `bytes`. */
export function dataRecord(bytes: Uint8Array): Uint8Array {
  const record = new Uint8Array(DATA_HEADER + bytes.length);
  record[0] = DATA;
  new DataView(record.buffer).setUint32(1, bytes.length);
  record.set(bytes, DATA_HEADER);
  return record;
}

/** An ACK record: `received` stream bytes arrived. */
export function ackRecord(received: number): Uint8Array {
  const record = new Uint8Array(ACK_BYTES);
  record[0] = ACK;
  new DataView(record.buffer).setFloat64(1, received);
  return record;
}

/** The BYE record. */
export const BYE_RECORD: Uint8Array = Uint8Array.of(BYE);

/** What a {@linkcode RecordReader} hands on. */
export interface RecordSink {
  /** A DATA record's payload (valid only during the call). */
  data(payload: Uint8Array): void;
  /** An ACK: the peer has received `received` stream bytes. */
  ack(received: number): void;
  /** The peer ended the session. */
  bye(): void;
  /** The bytes are not records: the link is broken. */
  bad(why: string): void;
}

/**
 * Splits incoming bytes into records. A DATA payload is handed on as its
 * bytes arrive, in pieces, never reassembled: only a header split between
 * chunks is kept. A record longer than `max` bytes is refused.
 */
export class RecordReader {
  /** Payload bytes of the current DATA record still to come. */
  #remaining = 0;
  /** A header begun in an earlier chunk. */
  #header: Uint8Array | undefined;
  readonly #max: number;
  #broken = false;

  /** @param max the longest DATA payload accepted */
  constructor(max: number) {
    this.#max = max;
  }

  /** Reads a chunk (not kept: only a split header is copied). */
  read(chunk: Uint8Array, sink: RecordSink): void {
    if (this.#broken) return;
    let bytes = chunk;
    let at = 0;
    if (this.#remaining > 0) {
      const n = Math.min(this.#remaining, bytes.length);
      this.#remaining -= n;
      sink.data(bytes.subarray(0, n));
      at = n;
    } else if (this.#header) {
      const joined = new Uint8Array(this.#header.length + bytes.length);
      joined.set(this.#header);
      joined.set(bytes, this.#header.length);
      bytes = joined;
      this.#header = undefined;
    }
    while (at < bytes.length && !this.#broken) {
      const kind = bytes[at];
      const view = new DataView(bytes.buffer, bytes.byteOffset + at);
      if (kind === DATA) {
        if (bytes.length - at < DATA_HEADER) break;
        const length = view.getUint32(1);
        if (length > this.#max) return this.#bad(sink, "record too long");
        at += DATA_HEADER;
        const n = Math.min(length, bytes.length - at);
        this.#remaining = length - n;
        if (n > 0) sink.data(bytes.subarray(at, at + n));
        at += n;
      } else if (kind === ACK) {
        if (bytes.length - at < ACK_BYTES) break;
        const received = view.getFloat64(1);
        if (!(received >= 0)) return this.#bad(sink, "bad acknowledgement");
        sink.ack(received);
        at += ACK_BYTES;
      } else if (kind === BYE) {
        sink.bye();
        return;
      } else {
        return this.#bad(sink, `unknown record kind ${kind}`);
      }
    }
    if (at < bytes.length && !this.#broken) this.#header = bytes.slice(at);
  }

  /** Whether the last chunk ended inside a DATA record. */
  get midRecord(): boolean {
    return this.#remaining > 0;
  }

  /** Forgets a partial record (the link it came on is gone). */
  reset(): void {
    this.#remaining = 0;
    this.#header = undefined;
    this.#broken = false;
  }

  #bad(sink: RecordSink, why: string): void {
    this.#broken = true;
    this.#header = undefined;
    sink.bad(why);
  }
}
