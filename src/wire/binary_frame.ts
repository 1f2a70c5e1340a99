/**
 * Binary frames of the 2.x protocol (PROTOCOL.md, part 2): messages to
 * bytes and back, across arbitrary chunk boundaries. Pure code, no I/O.
 *
 * A frame is `u32 LE payload length | u8 message id | payload`; the length
 * does not count the 5-byte header. The payload is the message's fields in
 * a fixed order, without keys: `type` (u8 byte length + UTF-8), `data`
 * (u32 LE byte length + the UTF-8 of its JSON, or + raw bytes), and for the
 * callback forms `callback_id` (36 bytes of UTF-8, padded with NULs).
 * @module
 */

import { SockhopError, type SockhopErrorCode } from "../errors.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./framing.ts";

/**
 * One message of binary mode.
 *
 * - `kind: "json"`: `data` travels as JSON text (message id 10); with `id`
 *   it is a remote-callback request (11; `id` travels in the wire's
 *   `callback_id` field), with `callback_id` it answers one (12).
 * - `kind: "bytes"`: `bytes` travel as they are (13, 14 with `id`, 15 with
 *   `callback_id`). `type` is `"Buffer"` for a plain buffer, any other name
 *   for a typed buffer.
 *
 * A decoded message has `id` or `callback_id` only when the frame carries
 * one.
 */
export type BinaryMessage =
  | {
    kind: "json";
    type: string;
    data: unknown;
    id?: string;
    callback_id?: string;
  }
  | {
    kind: "bytes";
    type: string;
    bytes: Uint8Array;
    id?: string;
    callback_id?: string;
  };

/** Bytes before a frame's payload: its u32 length and u8 message id. */
export const BINARY_HEADER_BYTES = 5;

/** The wire's fixed width of a callback id (a UUID's 36 characters). */
export const CALLBACK_ID_BYTES = 36;

/** The largest `type`, in UTF-8 bytes (its length is one byte). */
export const MAX_TYPE_BYTES = 255;

/** Largest value of a u32 length field. */
const MAX_U32 = 0xffff_ffff;

/**
 * The message ids, as 2.1 numbers its schemas: each kind's plain form,
 * then (+1) its callback request and (+2) its callback reply.
 */
const JSON_PLAIN = 10;
const JSON_REPLY = 12;
const BYTES_PLAIN = 13;
const BYTES_REPLY = 15;

/**
 * Bytes frames whose data is at least this long are returned by
 * {@linkcode encodeBinaryFrameParts} as pieces around the caller's bytes,
 * not copied into one buffer.
 */
const SPLIT_BYTES = 64 * 1024;

/**
 * Small arrays are views of a shared block (as Node pools small Buffers):
 * a fresh `ArrayBuffer` each costs ten times the copy, and the garbage
 * collector more. A block's bytes are handed out once, in order. Received
 * bytes data up to SMALL_BYTES comes from a 32 KiB block, 8-byte aligned
 * (typed-array views over it need that; a view keeps its whole block
 * alive, hence the small size). Small frames to send come from a 128 KiB
 * block, back to back: frames encoded one after another are then adjacent
 * views, which the write queue writes as one without copying them again.
 */
const SMALL_BYTES = 4 * 1024;

class Slab {
  readonly #size: number;
  readonly #align: number;
  #block: Uint8Array;
  #used = 0;

  constructor(size: number, align: number) {
    this.#size = size;
    this.#align = align;
    this.#block = new Uint8Array(size);
  }

  /**
   * A view of `n` (at most SMALL_BYTES) unclaimed bytes, from a new block
   * if they do not fit; `claim` takes what was used of them.
   */
  room(n: number): Uint8Array {
    if (this.#used + n > this.#size) {
      this.#block = new Uint8Array(this.#size);
      this.#used = 0;
    }
    return this.#block.subarray(this.#used, this.#used + n);
  }

  claim(n: number): void {
    const mask = this.#align - 1;
    this.#used = (this.#used + n + mask) & ~mask;
  }
}

const received = new Slab(32 * 1024, 8);
const sending = new Slab(128 * 1024, 1);

/** A copy of `b[start, end)` that the caller's reuse of `b` cannot touch. */
function copyOut(b: Uint8Array, start: number, end: number): Uint8Array {
  const length = end - start;
  if (length > SMALL_BYTES) return b.slice(start, end);
  const out = received.room(length);
  out.set(b.subarray(start, end));
  received.claim(length);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The last `type` encoded, and its UTF-8. */
let sentType = "Object";
let sentTypeBytes = encoder.encode(sentType);
/** The last `type` decoded, and the bytes it came from (maybe not UTF-8). */
let readType = "Object";
let readTypeBytes = sentTypeBytes.slice();

function badData(message: string, cause?: unknown): SockhopError {
  return new SockhopError(message, "ERR_BAD_DATA", { cause });
}

function typeBytes(type: unknown): Uint8Array {
  if (type === sentType) return sentTypeBytes;
  if (typeof type !== "string") {
    throw badData("A binary frame's type must be a string");
  }
  const bytes = encoder.encode(type);
  if (bytes.length > MAX_TYPE_BYTES) {
    throw badData(
      `A binary frame's type is at most ${MAX_TYPE_BYTES} bytes of UTF-8 (got ${bytes.length})`,
    );
  }
  sentType = type;
  sentTypeBytes = bytes;
  return bytes;
}

/**
 * Writes the 36 wire bytes of a callback id at `out[at]`: its UTF-8,
 * NUL-padded as 2.1 pads a shorter one. Throws for an id that is empty,
 * longer than 36 bytes or holds a NUL (it would not survive the trip).
 */
function writeCallbackId(out: Uint8Array, at: number, id: unknown): void {
  const field = out.subarray(at, at + CALLBACK_ID_BYTES);
  if (typeof id === "string" && id.length > 0 && !id.includes("\0")) {
    // encodeInto stops before a character that would not fit.
    const { read, written } = encoder.encodeInto(id, field);
    if (read === id.length) {
      field.fill(0, written);
      return;
    }
  }
  throw badData(
    `A binary frame's callback id is 1 to ${CALLBACK_ID_BYTES} bytes of UTF-8 without NUL`,
  );
}

function jsonText(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (e) {
    throw badData("Data cannot be sent as JSON", e);
  }
  if (text === undefined) {
    throw badData("Data has no JSON form (undefined, a function, a symbol)");
  }
  return text;
}

/** The message id, and the wire's callback id, of a message. */
function idOf(msg: BinaryMessage): [number, string | undefined] {
  const base = msg.kind === "json"
    ? JSON_PLAIN
    : msg.kind === "bytes"
    ? BYTES_PLAIN
    : -1;
  if (base < 0) throw badData('A binary message\'s kind is "json" or "bytes"');
  const { id, callback_id } = msg;
  if (id !== undefined && callback_id !== undefined) {
    throw badData("A binary message has an id or a callback_id, not both");
  }
  if (id !== undefined) return [base + 1, id];
  if (callback_id !== undefined) return [base + 2, callback_id];
  return [base, undefined];
}

function writeU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n & 0xff;
  out[at + 1] = (n >>> 8) & 0xff;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = n >>> 24;
}

/**
 * The frame of a message, in pieces to be written in order: one piece,
 * except for large bytes, which come back as the caller's own array (not
 * copied) between a head and, for the callback forms, the callback id.
 * Throws `ERR_BAD_DATA` for a message that has no frame (see
 * {@linkcode encodeBinaryFrame}).
 * @param msg the message
 *
 * @example
 * ```ts
 * import { encodeBinaryFrameParts } from "./binary_frame.ts";
 *
 * const bytes = new Uint8Array(1 << 20);
 * const [head, body] = encodeBinaryFrameParts({ kind: "bytes", type: "Buffer", bytes });
 * console.log(head.length, body === bytes); // 15 true
 * ```
 */
export function encodeBinaryFrameParts(msg: BinaryMessage): Uint8Array[] {
  const [msgId, callbackId] = idOf(msg);
  const type = typeBytes(msg.type);
  const tail = callbackId === undefined ? 0 : CALLBACK_ID_BYTES;
  const headLength = BINARY_HEADER_BYTES + 1 + type.length + 4;
  // JSON is encoded straight into the frame when it surely fits a small
  // one (a UTF-16 unit takes at most 3 bytes), else encoded first.
  let text: string | undefined;
  let body: Uint8Array | undefined;
  if (msg.kind === "json") {
    text = jsonText(msg.data);
    if (headLength + text.length * 3 + tail > SMALL_BYTES) {
      body = encoder.encode(text);
      text = undefined;
    }
  } else {
    body = msg.bytes;
    if (!(body instanceof Uint8Array)) {
      throw badData("A bytes message's bytes must be a Uint8Array");
    }
  }
  if (body !== undefined && body.length > MAX_U32 - headLength - tail) {
    throw badData("A binary frame's payload is at most 2^32 - 1 bytes");
  }
  if (msg.kind === "bytes" && body!.length >= SPLIT_BYTES) {
    return splitFrame(msgId, type, body!, callbackId);
  }
  const room = headLength +
    (text === undefined ? body!.length : text.length * 3) +
    tail;
  const small = room <= SMALL_BYTES;
  const out = small ? sending.room(room) : new Uint8Array(room);
  let bodyLength: number;
  if (text !== undefined) {
    bodyLength = encoder.encodeInto(text, out.subarray(headLength)).written;
  } else {
    out.set(body!, headLength);
    bodyLength = body!.length;
  }
  if (callbackId !== undefined) {
    writeCallbackId(out, headLength + bodyLength, callbackId);
  }
  const length = headLength + bodyLength + tail;
  writeHead(out, msgId, type, bodyLength, length - BINARY_HEADER_BYTES);
  if (!small) return [out];
  sending.claim(length);
  return [out.subarray(0, length)];
}

/** Header, type and data length of a frame, at the start of `out`. */
function writeHead(
  out: Uint8Array,
  msgId: number,
  type: Uint8Array,
  bodyLength: number,
  payload: number,
): void {
  writeU32(out, 0, payload);
  out[4] = msgId;
  out[5] = type.length;
  out.set(type, 6);
  writeU32(out, 6 + type.length, bodyLength);
}

/** A large bytes frame as head, the caller's bytes, and the callback id. */
function splitFrame(
  msgId: number,
  type: Uint8Array,
  body: Uint8Array,
  callbackId: string | undefined,
): Uint8Array[] {
  const headLength = BINARY_HEADER_BYTES + 1 + type.length + 4;
  const tail = callbackId === undefined ? 0 : CALLBACK_ID_BYTES;
  const head = new Uint8Array(headLength + tail);
  if (callbackId !== undefined) writeCallbackId(head, headLength, callbackId);
  writeHead(
    head,
    msgId,
    type,
    body.length,
    headLength - 5 + body.length + tail,
  );
  if (tail === 0) return [head, body];
  return [head.subarray(0, headLength), body, head.subarray(headLength)];
}

/**
 * The frame of a message, as one array. Throws `ERR_BAD_DATA` when it has
 * none: a `type` over 255 bytes of UTF-8; a callback id that is empty, over
 * 36 bytes or holds a NUL (a shorter one is NUL-padded); both `id` and
 * `callback_id`; JSON data that `JSON.stringify` rejects or has no text for
 * (`undefined`, as in 2.1); bytes that are not a `Uint8Array`.
 * @param msg the message
 *
 * @example
 * ```ts
 * import { encodeBinaryFrame } from "./binary_frame.ts";
 *
 * const frame = encodeBinaryFrame({ kind: "json", type: "Widget", data: { a: 1 } });
 * console.log(frame.length); // 23: 5 header + 1+6 type + 4+7 data
 * ```
 */
export function encodeBinaryFrame(msg: BinaryMessage): Uint8Array {
  const parts = encodeBinaryFrameParts(msg);
  if (parts.length === 1) return parts[0];
  // A head, the bytes, and maybe the callback id: one array.
  const [head, body, id] = parts;
  const out = new Uint8Array(head.length + body.length + (id?.length ?? 0));
  out.set(head);
  out.set(body, head.length);
  if (id !== undefined) out.set(id, head.length + body.length);
  return out;
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
}

/** A payload that does not hold what its message id promises. */
class Malformed extends Error {}

/**
 * Splits a byte stream into binary messages. Bad input is reported to
 * `onError`, never thrown:
 *
 * - a frame longer than `max_message_bytes` (its payload, checked from its
 *   header before any of it is kept): `ERR_MESSAGE_TOO_LARGE`, and the
 *   decoder stops for good (the stream cannot be trusted past it);
 * - an unknown message id: `ERR_OBJECTBUFFER_NO_SCHEMA`, the frame skipped
 *   (as 2.1 does);
 * - a payload that does not hold its fields, or JSON that does not parse:
 *   `ERR_OBJECTBUFFER_DESERIALIZE_FAILED`, the frame skipped. Bytes after
 *   the last field are ignored, as 2.1 ignores them.
 *
 * A frame that arrives whole in one chunk is decoded where it lies (bytes
 * data copied once, out of the caller's chunk: up to 4 KiB into a block
 * shared with other small messages, larger into its own array); one that
 * spans chunks is assembled into one array of its exact size, whose view is
 * the message's bytes: either way, each byte is copied once. A message's
 * `bytes` may thus be a view of a larger `ArrayBuffer`: use its
 * `byteOffset` and `byteLength`.
 *
 * @example
 * ```ts
 * import { BinaryFrameDecoder, encodeBinaryFrame } from "./binary_frame.ts";
 *
 * const decoder = new BinaryFrameDecoder(
 *   { max_message_bytes: 1 << 20 },
 *   (m) => console.log(m.type), // "Widget"
 *   (e) => console.error(e.code),
 * );
 * const frame = encodeBinaryFrame({ kind: "json", type: "Widget", data: 1 });
 * decoder.push(frame.subarray(0, 3));
 * decoder.push(frame.subarray(3));
 * ```
 */
export class BinaryFrameDecoder {
  readonly #max: number;
  readonly #onMessage: (m: BinaryMessage) => void;
  readonly #onError: (e: SockhopError) => void;
  /** A header cut by a chunk boundary, and how much of it has come. */
  readonly #head = new Uint8Array(BINARY_HEADER_BYTES);
  #headFill = 0;
  /** The payload being assembled across chunks, and how much has come. */
  #frame: Uint8Array | null = null;
  #frameFill = 0;
  #frameId = 0;
  /** Bytes of a skipped frame still to come. */
  #skip = 0;
  #stopped = false;
  /** Bumped by `reset()`: a push whose callback reset the decoder stops. */
  #generation = 0;

  /**
   * Makes a decoder with its own state.
   * @param opts `max_message_bytes`: the largest payload accepted
   * @param onMessage told of each message, synchronously, in order
   * @param onError told of bad input, synchronously, as it is found
   */
  constructor(
    opts: { max_message_bytes?: number },
    onMessage: (m: BinaryMessage) => void,
    onError: (e: SockhopError) => void,
  ) {
    this.#max = opts.max_message_bytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#onMessage = onMessage;
    this.#onError = onError;
  }

  /** Whether an oversized frame stopped this decoder (it ignores input). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether the next byte begins a frame (none is partly read or skipped). */
  get atBoundary(): boolean {
    return this.#headFill === 0 && this.#frame === null && this.#skip === 0;
  }

  /** Bytes held for a frame not yet complete (0 between frames). */
  get pendingBytes(): number {
    return this.#headFill + this.#frameFill;
  }

  /** Drops any partial frame and a stop (e.g. when a connection is reused). */
  reset(): void {
    this.#headFill = 0;
    this.#frame = null;
    this.#frameFill = 0;
    this.#skip = 0;
    this.#stopped = false;
    this.#generation++;
  }

  /**
   * Feeds received bytes; each message they complete goes to `onMessage`
   * before this returns.
   * @param chunk bytes from the stream, any size, cut anywhere; read only
   * during the call
   */
  push(chunk: Uint8Array): void {
    const generation = this.#generation;
    const n = chunk.length;
    let at = 0;
    while (at < n && !this.#stopped && generation === this.#generation) {
      if (this.#skip > 0) {
        const k = Math.min(this.#skip, n - at);
        this.#skip -= k;
        at += k;
      } else if (this.#frame !== null) {
        at = this.#fill(chunk, at);
      } else if (this.#headFill > 0 || n - at < BINARY_HEADER_BYTES) {
        const k = Math.min(BINARY_HEADER_BYTES - this.#headFill, n - at);
        this.#head.set(chunk.subarray(at, at + k), this.#headFill);
        this.#headFill += k;
        at += k;
        if (this.#headFill === BINARY_HEADER_BYTES) {
          this.#headFill = 0;
          this.#begin(readU32(this.#head, 0), this.#head[4]);
        }
      } else {
        // The common case: a whole header here, maybe a whole frame.
        const length = readU32(chunk, at);
        const id = chunk[at + 4];
        at += BINARY_HEADER_BYTES;
        if (length <= n - at && length <= this.#max && known(id)) {
          this.#deliver(chunk, at, length, id, false);
          at += length;
        } else {
          this.#begin(length, id);
        }
      }
    }
  }

  /** A header is complete: check it, then make room for its payload. */
  #begin(length: number, id: number): void {
    if (length > this.#max) {
      this.#stopped = true;
      this.#error(
        `Binary frame of ${length} bytes exceeds max_message_bytes (${this.#max})`,
        "ERR_MESSAGE_TOO_LARGE",
      );
      return;
    }
    if (!known(id)) {
      this.#skip = length;
      this.#error(
        `No schema for message id ${id}`,
        "ERR_OBJECTBUFFER_NO_SCHEMA",
      );
      return;
    }
    if (length === 0) {
      this.#deliver(this.#head, 0, 0, id, true);
      return;
    }
    try {
      this.#frame = new Uint8Array(length);
    } catch {
      // The runtime could not allocate it: as good as too large.
      this.#stopped = true;
      this.#error(
        `Binary frame of ${length} bytes could not be allocated`,
        "ERR_MESSAGE_TOO_LARGE",
      );
      return;
    }
    this.#frameFill = 0;
    this.#frameId = id;
  }

  /** Copies what the chunk holds of the frame being assembled. */
  #fill(chunk: Uint8Array, at: number): number {
    const frame = this.#frame!;
    const k = Math.min(frame.length - this.#frameFill, chunk.length - at);
    frame.set(
      k === chunk.length ? chunk : chunk.subarray(at, at + k),
      this.#frameFill,
    );
    this.#frameFill += k;
    if (this.#frameFill === frame.length) {
      this.#frame = null;
      this.#frameFill = 0;
      this.#deliver(frame, 0, frame.length, this.#frameId, true);
    }
    return at + k;
  }

  /**
   * Decodes one payload, `b[start, start + length)`, and hands it on.
   * `owned`: whether `b` is this decoder's own (else bytes data is copied).
   */
  #deliver(
    b: Uint8Array,
    start: number,
    length: number,
    id: number,
    owned: boolean,
  ): void {
    let message: BinaryMessage;
    try {
      message = parse(b, start, start + length, id, owned);
    } catch (e) {
      const why = e instanceof Malformed
        ? e.message
        : `bad JSON data (${(e as Error).message})`;
      this.#error(
        `Failed to decode binary frame with message id ${id}: ${why}`,
        "ERR_OBJECTBUFFER_DESERIALIZE_FAILED",
      );
      return;
    }
    this.#onMessage(message);
  }

  #error(message: string, code: SockhopErrorCode): void {
    this.#onError(new SockhopError(message, code));
  }
}

function known(id: number): boolean {
  return id >= JSON_PLAIN && id <= BYTES_REPLY;
}

/** The `type` at `b[at, at + length)`; the last one seen is reused. */
function typeAt(b: Uint8Array, at: number, length: number): string {
  const last = readTypeBytes;
  if (last.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (b[at + i] !== last[i]) {
        same = false;
        break;
      }
    }
    if (same) return readType;
  }
  const type = decoder.decode(b.subarray(at, at + length));
  readType = type;
  readTypeBytes = b.slice(at, at + length);
  return type;
}

/** The callback id at `b[at, at + 36)`, up to its first NUL. */
function callbackIdAt(b: Uint8Array, at: number): string {
  let end = at;
  const stop = at + CALLBACK_ID_BYTES;
  while (end < stop && b[end] !== 0) end++;
  return decoder.decode(b.subarray(at, end));
}

function need(at: number, bytes: number, end: number, what: string): void {
  if (at + bytes > end) {
    throw new Malformed(`payload ends inside its ${what}`);
  }
}

function parse(
  b: Uint8Array,
  start: number,
  end: number,
  id: number,
  owned: boolean,
): BinaryMessage {
  let at = start;
  need(at, 1, end, "type length");
  const typeLength = b[at++];
  need(at, typeLength, end, "type");
  const type = typeAt(b, at, typeLength);
  at += typeLength;
  need(at, 4, end, "data length");
  const dataLength = readU32(b, at);
  at += 4;
  need(at, dataLength, end, "data");
  const dataEnd = at + dataLength;
  const isJson = id <= JSON_REPLY;
  const form = isJson ? id - JSON_PLAIN : id - BYTES_PLAIN;
  let callbackId: string | undefined;
  if (form !== 0) {
    need(dataEnd, CALLBACK_ID_BYTES, end, "callback id");
    callbackId = callbackIdAt(b, dataEnd);
  }
  const message: BinaryMessage = isJson
    ? {
      kind: "json",
      type,
      data: JSON.parse(decoder.decode(b.subarray(at, dataEnd))),
    }
    : {
      kind: "bytes",
      type,
      bytes: owned ? b.subarray(at, dataEnd) : copyOut(b, at, dataEnd),
    };
  if (form === 1) message.id = callbackId;
  else if (form === 2) message.callback_id = callbackId;
  return message;
}
