// Raw Deno.connect floor: newline-delimited JSON envelopes, one write per
// message and 100 messages per write; and sequential round trips (one line
// out, one line back, each parsed), over loopback TCP or, with the argument
// "unix", a Unix socket path. Prints one JSON line.
import { best } from "./suite.mjs";
import {
  answer,
  line,
  lineCounter,
  lineParser,
  request,
  ROUND_TRIPS,
} from "./floor.mjs";
import { listen as listenOn } from "./deno_listen.ts";

// Every floor measure is short: the best of BENCH_REPEAT (5) runs at least.
const runs = Math.max(
  Number(Deno.env.get("BENCH_RUNS") ?? 3),
  Number(Deno.env.get("BENCH_REPEAT") ?? 5),
);
const count = Math.round(100_000 * Number(Deno.env.get("BENCH_SCALE") ?? 1));
const encoder = new TextEncoder();
const unix = Deno.args[0] === "unix";
const listen = () => listenOn(unix);

function noDelay(conn: Deno.Conn): void {
  if (!unix) (conn as Deno.TcpConn).setNoDelay(true);
}

/** Writes every byte; the common whole write costs no async frame. */
function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  return conn.write(bytes).then(async (n) => {
    let off = n;
    while (off < bytes.length) off += await conn.write(bytes.subarray(off));
  });
}

async function oneWay(batch: number): Promise<number> {
  const { listener, dial, cleanup } = listen();
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const serving = (async () => {
    const conn = await listener.accept();
    const onChunk = lineCounter(count, finish);
    const buf = new Uint8Array(64 * 1024);
    while (true) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      onChunk(buf.subarray(0, n));
    }
    conn.close();
  })();
  const conn = await dial();
  const start = performance.now();
  for (let i = 0; i < count; i += batch) {
    let text = "";
    for (let j = i; j < Math.min(count, i + batch); j++) text += line(j);
    await writeAll(conn, encoder.encode(text));
  }
  await done;
  const rate = count / ((performance.now() - start) / 1000);
  conn.close();
  await serving;
  listener.close();
  cleanup();
  return rate;
}

async function readLines(
  conn: Deno.Conn,
  onValue: (value: { data: { seq: number; echo: number } }) => void,
): Promise<void> {
  const onChunk = lineParser(onValue);
  const buf = new Uint8Array(64 * 1024);
  while (true) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) return;
    onChunk(buf.subarray(0, n));
  }
}

async function roundTrips(): Promise<number> {
  const { listener, dial, cleanup } = listen();
  const serving = (async () => {
    const conn = await listener.accept();
    noDelay(conn);
    await readLines(conn, (value) => {
      writeAll(conn, encoder.encode(answer(value))).catch(() => {});
    });
    conn.close();
  })();
  const conn = await dial();
  let wake!: (value: { data: { echo: number } }) => void;
  const reading = readLines(conn, (value) => wake(value));
  const start = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const got = new Promise<{ data: { echo: number } }>((r) => (wake = r));
    await writeAll(conn, encoder.encode(request(i)));
    if ((await got).data.echo !== i) throw new Error("wrong answer");
  }
  const rate = ROUND_TRIPS / ((performance.now() - start) / 1000);
  conn.close();
  await reading;
  await serving;
  listener.close();
  cleanup();
  return rate;
}

console.log(JSON.stringify({
  one_way_single: await best(() => oneWay(1), runs),
  one_way_batched: await best(() => oneWay(100), runs),
  round_trip: await best(roundTrips, runs),
}));
