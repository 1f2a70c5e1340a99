// The bytes benchmark body, in plain JavaScript so that Deno and Node run
// the same code against this project (source in Deno, npm build in Node)
// and against the real sockhop 2.1.0: one large Uint8Array each way, and
// many 1 KiB buffers one way, over loopback TCP, server and client in this
// process. Prints nothing; returns numbers.

import { Buffer } from "node:buffer";
import { best, endpoint, median, sendInSlices } from "./suite.mjs";

/** Large enough for a 64 MiB buffer as 1.x JSON (about 4 characters a byte). */
const MAX_MESSAGE_BYTES = 1024 * 1024 * 1024;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `check()` holds, polling; throws after `ms`. */
async function until(check, ms, what) {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
}

/**
 * How to run each kind of peer: this project with binary mode
 * (`handshake: true` both ends), this project as today (JSON mode, bytes as
 * 1.x Buffer JSON), and sockhop 2.1.0 (its `Server` and `Client`, binary
 * mode after `start()`).
 */
const kinds = {
  binary: {
    server: (lib, where) =>
      new lib.SockhopServer({
        ...where,
        handshake: true,
        max_message_bytes: MAX_MESSAGE_BYTES,
      }),
    client: (lib, where) =>
      new lib.SockhopClient({
        ...where,
        handshake: true,
        max_message_bytes: MAX_MESSAGE_BYTES,
      }),
    connect: (client) => client.connect(),
    bytes: (n) => new Uint8Array(n),
  },
  json: {
    server: (lib, where) =>
      new lib.SockhopServer({ ...where, max_message_bytes: MAX_MESSAGE_BYTES }),
    client: (lib, where) =>
      new lib.SockhopClient({ ...where, max_message_bytes: MAX_MESSAGE_BYTES }),
    connect: (client) => client.connect(),
    bytes: (n) => new Uint8Array(n),
  },
  sockhop2: {
    server: (lib, where) => new lib.Server(where),
    client: (lib, where) => new lib.Client(where),
    connect: (client) => client.start(),
    // 2.1 sends bytes as bytes only when their constructor is Buffer.
    bytes: (n) => Buffer.alloc(n),
  },
};

/** Bytes whose every value is used (and not all zero). */
function filled(kind, n) {
  const b = kinds[kind].bytes(n);
  for (let i = 0; i < n; i += 4096) b[i] = (i >> 12) & 0xff;
  b[n - 1] = 0x5a;
  return b;
}

/**
 * A connected pair in `kind`'s mode, binary both ways where asked for
 * (checked from the client's `binary_mode`), handed to `fn`.
 */
async function withPair(lib, kind, transport, fn) {
  const k = kinds[kind];
  const { where, cleanup } = await endpoint(transport);
  const server = k.server(lib, where);
  await server.listen();
  let sock;
  const accepted = new Promise((r) => server.once("connect", (s) => r(s)));
  const client = k.client(lib, where);
  try {
    await k.connect(client);
    sock = await accepted;
    if (kind !== "json") {
      await until(
        () => client.binary_mode?.rx && client.binary_mode?.tx,
        5000,
        "binary mode both ways",
      );
    }
    return await fn(server, client, sock);
  } finally {
    await client.disconnect();
    await server.close();
    cleanup();
  }
}

/** Milliseconds to deliver one buffer of `mib` MiB, client to server or back. */
export function largeBytes(lib, kind, transport, mib, toClient) {
  const n = mib * 1024 * 1024;
  const bytes = filled(kind, n);
  return withPair(lib, kind, transport, async (server, client, sock) => {
    const receiver = toClient ? client : server;
    const got = new Promise((resolve) => receiver.once("receive", resolve));
    const start = performance.now();
    await (toClient ? server.send(sock, bytes) : client.send(bytes));
    const data = await got;
    const ms = performance.now() - start;
    if (data.length !== n || data[n - 1] !== 0x5a) {
      throw new Error(`${mib} MiB arrived damaged (${data.length} bytes)`);
    }
    return ms;
  });
}

/** Buffers per second, `count` of `size` bytes, client to server. */
export function manyBytes(lib, kind, transport, count, size = 1024) {
  const bytes = filled(kind, size);
  return withPair(lib, kind, transport, async (server, client) => {
    let got = 0;
    let wrong = 0;
    const done = new Promise((resolve) => {
      server.on("receive", (data) => {
        if (data.length !== size) wrong++;
        if (++got === count) resolve();
      });
    });
    const start = performance.now();
    await sendInSlices(count, () => client.send(bytes));
    await done;
    const rate = count / ((performance.now() - start) / 1000);
    if (wrong > 0) throw new Error(`${wrong} buffers arrived damaged`);
    return rate;
  });
}

/**
 * The bytes suite for one peer kind ("binary", "json" or "sockhop2");
 * returns { name: value }, times in ms and rates per second. JSON mode
 * turns each byte into about four characters each way, some 30 times
 * slower: it runs the 8 MiB buffers and a tenth of the small ones (the
 * rate is comparable), and leaves the 64 MiB ones out (null). So does
 * sockhop 2.1, which joins every read onto what it holds (quadratic in a
 * frame's size: one 64 MiB buffer took over 200 s here).
 */
export async function runBytesSuite(
  lib,
  { kind, transport = "tcp", runs = 3, repeat = 5, scale = 1 },
) {
  const n = (x) => Math.max(1, Math.round(x * scale));
  const json = kind === "json";
  const skip64 = json || kind === "sockhop2";
  await largeBytes(lib, kind, transport, 1, false); // warm-up
  await manyBytes(lib, kind, transport, n(2_000));
  const large = (mib, toClient) =>
    median(() => largeBytes(lib, kind, transport, mib, toClient), runs);
  return {
    mib8_up_ms: await large(8, false),
    mib8_down_ms: await large(8, true),
    mib64_up_ms: skip64 ? null : await large(64, false),
    mib64_down_ms: skip64 ? null : await large(64, true),
    kib1_rate: await best(
      () => manyBytes(lib, kind, transport, n(json ? 10_000 : 100_000)),
      Math.max(1, Math.min(repeat, 3)),
    ),
  };
}
