// Shared pieces of the raw bytes floors (raw_bytes_deno.ts,
// raw_bytes_node.mjs): the same bytes a binary-mode peer writes, and a
// receiver that only counts them, into one reused read buffer.

import { best, median } from "./suite.mjs";

/** The sizes of the bytes suite (bytes_suite.mjs). */
export const MIB8 = 8 * 1024 * 1024;
export const MIB64 = 64 * 1024 * 1024;
export const SMALL_COUNT = 100_000;

/**
 * Bytes of one binary frame of a `"Buffer"` of `n` bytes: the 5-byte
 * header, the type (1 + 6 bytes) and the data length (4 bytes).
 */
export const frameBytes = (n) => 5 + 1 + 6 + 4 + n;

/** One large frame: its bytes as one array (what a sender writes). */
export function largeFrame(n) {
  const b = new Uint8Array(frameBytes(n));
  for (let i = 0; i < b.length; i += 4096) b[i] = i >> 12;
  return b;
}

/**
 * `count` small frames of `size` bytes as writes of about 64 KiB: the
 * write, and how many of them to send.
 */
export function smallBatch(count, size = 1024) {
  const frame = frameBytes(size);
  const perWrite = Math.floor(65536 / frame);
  return {
    write: new Uint8Array(perWrite * frame),
    writes: Math.ceil(count / perWrite),
    total: Math.ceil(count / perWrite) * perWrite * frame,
  };
}

/**
 * A floor's figures: `deliver(total, send)` times `send(conn)` until the
 * reader has `total` bytes; `write(conn, bytes)` writes all of them.
 */
export async function floorFigures(deliver, write, runs) {
  const large = (n) => {
    const frame = largeFrame(n);
    return deliver(frame.length, (conn) => write(conn, frame));
  };
  const small = async () => {
    const { write: batch, writes, total } = smallBatch(SMALL_COUNT);
    const ms = await deliver(total, async (conn) => {
      for (let i = 0; i < writes; i++) await write(conn, batch);
    });
    return SMALL_COUNT / (ms / 1000);
  };
  await large(MIB8); // warm-up
  return {
    mib8_ms: await median(() => large(MIB8), runs),
    mib64_ms: await median(() => large(MIB64), runs),
    kib1_rate: await best(small, Math.max(runs, 3)),
  };
}
