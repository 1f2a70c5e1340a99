// Micro-benchmarks of the hot path without sockets, steadier than the
// socket benchmark on a busy machine:
//   deno bench -A scripts/bench/wire_bench.ts
// A fake connection feeds pre-encoded chunks to a Channel (receive path) or
// swallows what it writes (send path).
import { Channel } from "../../src/channel.ts";
import type { Conn } from "../../src/transport/types.ts";
import { ObjectBuffer } from "../../src/object_buffer.ts";

const encoder = new TextEncoder();
const N = 1000;
const frames = Array.from(
  { length: N },
  (_, seq) =>
    JSON.stringify({
      type: "Object",
      data: { seq, name: "widget", ok: true },
    }) +
    "\n",
).join("");
const chunk = encoder.encode(frames);
// The same bytes cut into 1500-byte pieces (a frame straddles most cuts).
const pieces: Uint8Array[] = [];
for (let i = 0; i < chunk.length; i += 1500) {
  pieces.push(chunk.subarray(i, i + 1500));
}
const big = encoder.encode(
  JSON.stringify({ type: "String", data: "x".repeat(8 * 1024 * 1024) }) + "\n",
);

function fakeConn(chunks: Uint8Array[]): Conn {
  return {
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 2 },
    readable: (async function* () {
      yield* chunks;
    })(),
    write: () => Promise.resolve(),
    close() {},
  };
}

const opts = {
  peer_type: "Sockhop" as const,
  terminator: "\n",
  allow_non_objects: false,
  response_timeout: 30_000,
};

function channel(chunks: Uint8Array[], onReceive = () => {}): Channel {
  return new Channel(fakeConn(chunks), opts, {
    receive: onReceive,
    request() {},
    error(e) {
      throw e;
    },
    closed() {},
  });
}

Deno.bench("buf2obj: 1000 envelopes in one chunk", () => {
  new ObjectBuffer().buf2obj(chunk);
});

Deno.bench("buf2obj: 1000 envelopes in 1500-byte pieces", () => {
  const ob = new ObjectBuffer();
  for (const p of pieces) ob.buf2obj(p);
});

Deno.bench("buf2obj: one 8 MiB frame in 64 KiB pieces", () => {
  const ob = new ObjectBuffer();
  for (let i = 0; i < big.length; i += 65536) {
    ob.buf2obj(big.subarray(i, i + 65536));
  }
});

Deno.bench("Channel receive: 1000 envelopes", async () => {
  let got = 0;
  await channel([chunk], () => got++).start();
  if (got !== N) throw new Error(`got ${got}`);
});

Deno.bench("Channel send: 1000 objects, await all", async () => {
  const ch = channel([]);
  const sends: Promise<void>[] = [];
  for (let seq = 0; seq < N; seq++) {
    sends.push(ch.send({ seq, name: "widget", ok: true }));
  }
  await Promise.all(sends);
});
