// Raw Deno.connect floor for the bytes row: a client writes the bytes of
// one 8 MiB and one 64 MiB binary frame, and of 100,000 × 1 KiB frames in
// writes of about 64 KiB; the server only counts what it reads, into one
// reused buffer. Loopback TCP, or a Unix socket path with the argument
// "unix". Prints one JSON line.
import { floorFigures } from "./raw_bytes.mjs";
import { listen } from "./deno_listen.ts";

const runs = Number(Deno.env.get("BENCH_RUNS") ?? 3);
const unix = Deno.args[0] === "unix";

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** ms for `send(conn)` to deliver `total` bytes to the server. */
async function deliver(
  total: number,
  send: (conn: Deno.Conn) => Promise<void>,
): Promise<number> {
  const { listener, dial, cleanup } = listen(unix);
  const serving = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(256 * 1024);
    let got = 0;
    while (got < total) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += n;
    }
    conn.close();
  })();
  const conn = await dial();
  const start = performance.now();
  await send(conn);
  await serving;
  const ms = performance.now() - start;
  conn.close();
  listener.close();
  cleanup();
  return ms;
}

console.log(JSON.stringify(await floorFigures(deliver, writeAll, runs)));
