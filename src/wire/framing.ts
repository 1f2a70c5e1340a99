/**
 * Framing: values to terminated JSON text and back, across arbitrary chunk
 * boundaries. Pure code, no I/O. Channels use it directly; the public
 * ObjectBuffer (src/object_buffer.ts) wraps it.
 * @module
 */

import { SockhopError, type SockhopErrorCode } from "../errors.ts";

/** A terminator used both ways, or a `[receive, transmit]` pair. */
export type Terminator = string | [string, string];

/** Shared by every decoder: each decode is of whole characters. */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * How many bytes at the end of `bytes` begin a UTF-8 character that is not
 * complete (0 to 3). Bytes that cannot begin a valid character are counted
 * too when they could: decoding them together with the next chunk gives the
 * same replacement characters as decoding them now.
 */
function partialCharacter(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 0 || bytes[n - 1] < 0x80) return 0; // ASCII: the common case
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = bytes[n - k];
    if (b < 0x80) return 0; // what follows it are stray continuation bytes
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return k < length ? k : 0;
    }
  }
  return 0; // three continuation bytes: a complete or broken character
}

/**
 * Pieces of pending text this long are kept as they are: a string's own
 * overhead (some 30 bytes) is under 1% of them, and joining them again and
 * again would copy a large frame many times.
 */
const SETTLED_PIECE = 4096;

/** Shared by decodeUntil's rare search for where a chunk's rest begins. */
const encoder = new TextEncoder();

/** How many bytes of UTF-8 a string takes. */
function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** Where `needle` first occurs in `bytes` at or after `from` (-1: nowhere). */
function indexOfBytes(
  bytes: Uint8Array,
  needle: Uint8Array,
  from: number,
): number {
  const first = needle[0];
  for (let at = bytes.indexOf(first, from); at !== -1;) {
    let i = 1;
    while (i < needle.length && bytes[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
    at = bytes.indexOf(first, at + 1);
  }
  return -1;
}

/** Default frame-size limit: far above ordinary large messages. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/**
 * The `[rx, tx]` pair a terminator option stands for (default `"\n"` both
 * ways). Throws `ERR_BAD_DATA` for an empty receive terminator, which could
 * never cut a frame, or a pair that is not two strings.
 * @param t a terminator string, an `[rx, tx]` pair, or undefined
 */
export function terminatorPair(t: Terminator | undefined): [string, string] {
  // Anything but a string or a pair means the default, as in the original.
  const [rx, tx] = Array.isArray(t)
    ? t
    : typeof t === "string"
    ? [t, t]
    : ["\n", "\n"];
  if (typeof rx !== "string" || typeof tx !== "string" || rx.length === 0) {
    throw new SockhopError(
      "terminator must be a non-empty string or a pair [rx, tx] of them",
      "ERR_BAD_DATA",
    );
  }
  return [rx, tx];
}

/**
 * Splits a byte stream into JSON values. Bad input is reported to
 * `onError` (and the frame skipped), never thrown.
 *
 * Each incoming byte is decoded once and scanned once. A frame that arrives
 * in many chunks is kept as a short list of pieces: small pieces are joined
 * as they come (each joined piece at least half the size of the one before
 * it), so a frame cut into tiny chunks holds about one byte of memory per
 * character pending, not one string per chunk.
 */
export class FrameDecoder {
  readonly #rx: string;
  readonly #allowNonObjects: boolean;
  readonly #max: number;
  readonly #onError: (error: SockhopError) => void;
  /** The first bytes of a character the last chunk ended inside of. */
  #carry: Uint8Array | null = null;
  /** Text of the frame being received, in pieces. */
  #parts: string[] = [];
  #pendingLength = 0;
  /** Dropping an oversized frame until its terminator shows up. */
  #skipping = false;
  /** decodeUntil: after how many of the chunk's terminators it stopped. */
  #stopAfter = -1;
  /** Bytes in this chunk of a terminator begun in the last one, or -1. */
  #straddle = -1;

  /**
   * Makes a decoder with its own framing state.
   * @param rx the receive terminator (non-empty)
   * @param opts allow_non_objects and max_message_bytes
   * @param onError told of bad input, synchronously, as it is found
   */
  constructor(
    rx: string,
    opts: { allow_non_objects?: boolean; max_message_bytes?: number },
    onError: (error: SockhopError) => void,
  ) {
    this.#rx = rx;
    this.#allowNonObjects = opts.allow_non_objects === true;
    this.#max = opts.max_message_bytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#onError = onError;
  }

  /**
   * Feeds received bytes; returns every value completed by them, in order.
   * @param chunk bytes from the stream, any size, cut anywhere
   */
  decode(chunk: Uint8Array): unknown[] {
    return this.#run(chunk, undefined);
  }

  /**
   * Like {@linkcode FrameDecoder.decode}, but stops after the first value
   * for which `stop` returns true, and gives back the bytes of the chunk
   * that follow that value's terminator, undecoded: the peer may have
   * changed framing there (2.x binary mode). The decoder then holds nothing
   * pending. Without such a value, it is `decode()` and `rest` is undefined.
   * @param chunk bytes from the stream, any size, cut anywhere
   * @param stop asked of each value decoded, in order
   * @returns the values up to and including the one that stopped it, and
   * the rest of the chunk (a view of it, or of a copy with bytes held from
   * the previous chunk; valid as long as the chunk is)
   */
  decodeUntil(
    chunk: Uint8Array,
    stop: (value: unknown) => boolean,
  ): { values: unknown[]; rest?: Uint8Array } {
    const carried = this.#carry;
    this.#stopAfter = -1;
    const values = this.#run(chunk, stop);
    if (this.#stopAfter < 0) return { values };
    let bytes = chunk;
    if (carried !== null) {
      bytes = new Uint8Array(carried.length + chunk.length);
      bytes.set(carried);
      bytes.set(chunk, carried.length);
    }
    return { values, rest: this.#restAfter(bytes, this.#stopAfter) };
  }

  #run(
    chunk: Uint8Array,
    stop: ((value: unknown) => boolean) | undefined,
  ): unknown[] {
    let text = this.#decode(chunk);
    const out: unknown[] = [];
    const rx = this.#rx;
    /** Terminators consumed in this chunk (for decodeUntil's rest). */
    let ends = 0;
    this.#straddle = -1;

    if (this.#parts.length > 0 || this.#skipping) {
      // The terminator may straddle what is pending and the new text.
      const tail = this.#tail();
      const k = (tail + text).indexOf(rx);
      if (k < 0) {
        this.#append(text);
        return out;
      }
      const cut = k - tail.length; // terminator start, relative to `text`
      ends = 1;
      if (cut < 0) this.#straddle = utf8Length(rx.slice(-cut));
      if (this.#skipping) {
        this.#skipping = false;
      } else {
        const head = cut >= 0 ? text.slice(0, cut) : "";
        const frame = this.#parts.join("") + head;
        this.#frame(
          cut >= 0 ? frame : frame.slice(0, frame.length + cut),
          out,
        );
      }
      this.#parts = [];
      this.#pendingLength = 0;
      if (stop !== undefined && this.#stops(out, 0, stop, ends)) return out;
      text = text.slice(cut + rx.length);
    }

    let start = 0;
    let end = text.indexOf(rx);
    while (end !== -1) {
      const before = out.length;
      this.#frame(text.slice(start, end), out);
      start = end + rx.length;
      ends++;
      if (stop !== undefined && this.#stops(out, before, stop, ends)) {
        return out;
      }
      end = text.indexOf(rx, start);
    }
    if (start < text.length) this.#append(text.slice(start));
    return out;
  }

  /**
   * Whether the value just decoded (if the last frame gave one) stops
   * decodeUntil; if so, remembers after how many terminators.
   */
  #stops(
    out: unknown[],
    before: number,
    stop: (value: unknown) => boolean,
    ends: number,
  ): boolean {
    if (out.length === before || !stop(out[before])) return false;
    this.#stopAfter = ends;
    return true;
  }

  /**
   * The bytes of the last chunk after its `ends`-th terminator. Text and
   * bytes hold the terminators in the same places: a character the decoder
   * could not read becomes U+FFFD, never a terminator's character.
   */
  #restAfter(bytes: Uint8Array, ends: number): Uint8Array {
    const rx = encoder.encode(this.#rx);
    let at = 0;
    let left = ends;
    if (this.#straddle >= 0) {
      at = this.#straddle;
      left--;
    }
    for (; left > 0; left--) at = indexOfBytes(bytes, rx, at) + rx.length;
    // What follows is the caller's now, a cut character included.
    this.#carry = null;
    return bytes.subarray(at);
  }

  /** Drops any partial frame (e.g. when a connection is reused). */
  reset(): void {
    this.#parts = [];
    this.#pendingLength = 0;
    this.#skipping = false;
    this.#carry = null; // a partial character
  }

  /**
   * Decodes a chunk, keeping back the bytes of a character cut at its end
   * for the next chunk: the same text as a streaming decoder, without one
   * decoder (and its native state) per connection.
   */
  #decode(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.#carry !== null) {
      bytes = new Uint8Array(this.#carry.length + chunk.length);
      bytes.set(this.#carry);
      bytes.set(chunk, this.#carry.length);
      this.#carry = null;
    }
    const cut = partialCharacter(bytes);
    if (cut === 0) return decoder.decode(bytes);
    // A copy: the chunk may be a view of a buffer that will be reused.
    this.#carry = bytes.slice(bytes.length - cut);
    return decoder.decode(bytes.subarray(0, bytes.length - cut));
  }

  #frame(text: string, out: unknown[]): void {
    if (text.length > this.#max) {
      this.#tooLarge();
      return;
    }
    try {
      out.push(JSON.parse(text));
    } catch {
      if (this.#allowNonObjects) {
        out.push(text);
      } else {
        this.#error(
          "Skipping corrupted data in buffer",
          "ERR_OBJECTBUFFER_BAD_BUFFER_DATA",
        );
      }
    }
  }

  /** The last `rx.length - 1` pending characters. */
  #tail(): string {
    const need = this.#rx.length - 1;
    if (need === 0) return "";
    let tail = "";
    for (let i = this.#parts.length - 1; i >= 0 && tail.length < need; i--) {
      tail = this.#parts[i] + tail;
    }
    return tail.slice(-need);
  }

  #append(text: string): void {
    if (text.length === 0) return;
    if (this.#skipping) {
      // Keep only what could begin a terminator.
      this.#parts.push(text);
      this.#parts = [this.#tail()];
      return;
    }
    this.#push(text);
    this.#pendingLength += text.length;
    if (this.#pendingLength > this.#max) {
      this.#tooLarge();
      this.#skipping = true;
      this.#parts = [this.#tail()];
      this.#pendingLength = 0;
    }
  }

  /**
   * Adds a piece, joining it with the small pieces before it while they are
   * not more than twice its size: the small pieces then at least double in
   * size from last to first, so there are few of them, and each character is
   * copied only a few times before its piece is settled.
   */
  #push(text: string): void {
    const parts = this.#parts;
    parts.push(text);
    let n = parts.length;
    while (n >= 2) {
      const below = parts[n - 2];
      const top = parts[n - 1];
      if (below.length >= SETTLED_PIECE || below.length > 2 * top.length) {
        break;
      }
      // join(), unlike `+`, makes one flat string, not a pair of references.
      parts[n - 2] = [below, top].join("");
      parts.pop();
      n--;
    }
  }

  #tooLarge(): void {
    this.#error(
      `Message exceeds max_message_bytes (${this.#max})`,
      "ERR_MESSAGE_TOO_LARGE",
    );
  }

  #error(message: string, code: SockhopErrorCode): void {
    this.#onError(new SockhopError(message, code));
  }
}

/**
 * The frame text of a value: its JSON plus the transmit terminator, or
 * undefined when JSON has no text for it (`undefined`, a function, a
 * symbol). Throws what `JSON.stringify` throws (a cycle, a BigInt); each
 * caller turns both failures into its own error.
 * @param value the value to send
 * @param tx the transmit terminator
 */
export function frameText(value: unknown, tx: string): string | undefined {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : json + tx;
}
