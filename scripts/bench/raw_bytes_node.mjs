// Raw node:net floor for the bytes row: a server writes the bytes of one
// 8 MiB and one 64 MiB binary frame, and of 100,000 × 1 KiB frames in
// writes of about 64 KiB; the client only counts what it reads, through
// `onread` into one reused buffer (a `data` event allocates a Buffer per
// read). Loopback TCP, or a Unix socket path with the argument "unix".
// Prints one JSON line.
import { Buffer } from "node:buffer";
import { createConnection, createServer } from "node:net";
import process from "node:process";
import { endpoint } from "./suite.mjs";
import { floorFigures } from "./raw_bytes.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const transport = process.argv[2] ?? "tcp";

/** ms for `send(sock)` to deliver `total` bytes to the client. */
async function deliver(total, send) {
  let finish;
  const done = new Promise((r) => (finish = r));
  let got = 0;
  let accepted;
  const sending = new Promise((r) => (accepted = r));
  const server = createServer((sock) => accepted(sock));
  const { where, cleanup } = await endpoint(transport);
  const to = where.path ?? { port: where.port, host: where.address };
  await new Promise((r) => server.listen(to, r));
  const client = createConnection({
    ...(typeof to === "string" ? { path: to } : to),
    onread: {
      buffer: Buffer.alloc(256 * 1024),
      callback: (n) => {
        got += n;
        if (got === total) finish();
      },
    },
  });
  const sock = await sending;
  const start = performance.now();
  await send(sock);
  await done;
  const ms = performance.now() - start;
  client.destroy();
  sock.destroy();
  await new Promise((r) => server.close(r));
  cleanup();
  return ms;
}

async function write(sock, bytes) {
  if (!sock.write(bytes)) await new Promise((r) => sock.once("drain", r));
}

console.log(JSON.stringify(await floorFigures(deliver, write, runs)));
