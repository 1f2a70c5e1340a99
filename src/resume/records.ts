/**
 * The record framing of a resumable link (after the resume hello): the
 * channel's byte stream travels in numbered DATA records, and each side
 * tells the other, in ACK records, how many stream bytes it has received.
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
 * Splits incoming bytes into records, keeping a partial record until the
 * rest arrives; a record longer than `max` bytes is refused (bounded
 * memory).
 */
export class RecordReader {
  #held: Uint8Array | undefined;
  readonly #max: number;
  #broken = false;

  /** @param max the longest DATA payload accepted */
  constructor(max: number) {
    this.#max = max;
  }

  /** Reads a chunk (not kept: partial records are copied). */
  read(chunk: Uint8Array, sink: RecordSink): void {
    if (this.#broken) return;
    let bytes = chunk;
    if (this.#held) {
      const joined = new Uint8Array(this.#held.length + chunk.length);
      joined.set(this.#held);
      joined.set(chunk, this.#held.length);
      bytes = joined;
      this.#held = undefined;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let at = 0;
    while (at < bytes.length) {
      const kind = bytes[at];
      if (kind === DATA) {
        if (bytes.length - at < DATA_HEADER) break;
        const length = view.getUint32(at + 1);
        if (length > this.#max) return this.#bad(sink, "record too long");
        if (bytes.length - at < DATA_HEADER + length) break;
        sink.data(bytes.subarray(at + DATA_HEADER, at + DATA_HEADER + length));
        at += DATA_HEADER + length;
      } else if (kind === ACK) {
        if (bytes.length - at < ACK_BYTES) break;
        const received = view.getFloat64(at + 1);
        if (!(received >= 0)) return this.#bad(sink, "bad acknowledgement");
        sink.ack(received);
        at += ACK_BYTES;
      } else if (kind === BYE) {
        sink.bye();
        return;
      } else {
        return this.#bad(sink, `unknown record kind ${kind}`);
      }
      if (this.#broken) return;
    }
    if (at < bytes.length) this.#held = bytes.slice(at);
  }

  /** Forgets a partial record (the link it came on is gone). */
  reset(): void {
    this.#held = undefined;
    this.#broken = false;
  }

  #bad(sink: RecordSink, why: string): void {
    this.#broken = true;
    this.#held = undefined;
    sink.bad(why);
  }
}
