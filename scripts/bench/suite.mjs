// The benchmark body, in plain JavaScript so that Deno and Node 20 run the
// same code against any library with sockhop's API (this project's source in
// Deno, its npm build in Node, or the original sockhop@1.8.4).
//
// Each measure starts a server and a client in this process on loopback and
// reports one number; the caller takes medians and prints ratios.

import { createServer } from "node:net";

/** A free loopback port (the original treats port 0 as "use 50000"). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function withPair(lib, fn) {
  const port = await freePort();
  const server = new lib.SockhopServer({ port, address: "127.0.0.1" });
  await server.listen();
  const client = new lib.SockhopClient({ port, address: "127.0.0.1" });
  const connected = new Promise((r) => server.once("connect", r));
  await client.connect();
  await connected;
  try {
    return await fn(server, client);
  } finally {
    await client.disconnect();
    await server.close();
  }
}

/** Messages per second, one way, client to server. */
export function oneWay(lib, count) {
  return withPair(lib, async (server, client) => {
    let got = 0;
    const done = new Promise((resolve) => {
      server.on("receive", () => {
        if (++got === count) resolve();
      });
    });
    const start = performance.now();
    // Send in slices so that neither side buffers everything up front.
    const slice = 1000;
    for (let i = 0; i < count; i += slice) {
      const sends = [];
      for (let j = i; j < Math.min(count, i + slice); j++) {
        sends.push(client.send({ seq: j, name: "widget", ok: true }));
      }
      await Promise.all(sends);
    }
    await done;
    return count / ((performance.now() - start) / 1000);
  });
}

/** Sequential request/response round trips per second. */
export function requestRoundTrips(lib, count) {
  return withPair(lib, async (server, client) => {
    server.on("request", (req, res) => res.send({ echo: req.data.seq }));
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const stream = await client.request({ seq: i });
      const { data } = await stream.next();
      if (data.echo !== i) throw new Error("wrong answer");
    }
    return count / ((performance.now() - start) / 1000);
  });
}

/** Sequential remote-callback round trips per second. */
export function callbackRoundTrips(lib, count) {
  return withPair(lib, async (server, client) => {
    server.on("receive", (data, meta) => meta.callback({ echo: data.seq }));
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const answer = await new Promise((resolve) =>
        client.send({ seq: i }, (reply) => resolve(reply))
      );
      if (answer.echo !== i) throw new Error("wrong answer");
    }
    return count / ((performance.now() - start) / 1000);
  });
}

/** Milliseconds to deliver one string of `mib` MiB. */
export function largeMessage(lib, mib) {
  return withPair(lib, async (server, client) => {
    const text = "x".repeat(mib * 1024 * 1024);
    const got = new Promise((resolve) => server.once("receive", resolve));
    const start = performance.now();
    await client.send(text);
    const data = await got;
    const ms = performance.now() - start;
    if (data.length !== text.length) throw new Error("truncated");
    return ms;
  });
}

/** Runs `fn` `runs` times and returns the median. */
export async function median(fn, runs) {
  const values = [];
  for (let i = 0; i < runs; i++) values.push(await fn());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

/**
 * The whole suite for one library; returns { name: value }. A short
 * warm-up pass first (not measured) lets the JIT settle, so that a single
 * run per process (as `deno task bench` does) measures steady state.
 */
export async function runSuite(lib, { runs = 3, scale = 1 } = {}) {
  const n = (x) => Math.max(1, Math.round(x * scale));
  await oneWay(lib, n(10_000));
  await requestRoundTrips(lib, n(500));
  await callbackRoundTrips(lib, n(500));
  await largeMessage(lib, 1);
  return {
    one_way: await median(() => oneWay(lib, n(100_000)), runs),
    request_rt: await median(() => requestRoundTrips(lib, n(5_000)), runs),
    callback_rt: await median(() => callbackRoundTrips(lib, n(5_000)), runs),
    mib2_ms: await median(() => largeMessage(lib, 2), runs),
    mib8_ms: await median(() => largeMessage(lib, 8), runs),
    mib32_ms: await median(() => largeMessage(lib, 32), runs),
  };
}
