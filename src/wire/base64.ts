/**
 * Base64 for bytes, the form a `Buffer` takes in JSON mode between Sockhop
 * 2.x peers. Uses the runtime's native codec when there is one (Deno and
 * Bun have `Uint8Array.fromBase64`; Node has `Buffer`). Pure code, no I/O.
 * @module
 */

interface NativeBase64 {
  fromBase64?: (s: string) => Uint8Array;
}
interface NativeToBase64 {
  toBase64?: () => string;
}
interface NodeBuffer {
  from(
    a: ArrayBufferLike | string,
    b?: number | string,
    c?: number,
  ): Uint8Array & { toString(enc: string): string };
}

const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const fromNative = (Uint8Array as unknown as NativeBase64).fromBase64;

/** Bytes as base64 text (standard alphabet, padded). */
export function toBase64(bytes: Uint8Array): string {
  const native = (bytes as NativeToBase64).toBase64;
  if (typeof native === "function") return native.call(bytes);
  if (nodeBuffer) {
    return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
      .toString("base64");
  }
  let text = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(text);
}

/**
 * Base64 text as bytes; undefined when it is not base64 (a peer's bad
 * input is not thrown).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  try {
    if (typeof fromNative === "function") return fromNative(text);
    if (nodeBuffer) {
      const b = nodeBuffer.from(text, "base64");
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
