// Raw node:net floor: newline-delimited JSON envelopes, one write per
// message and 100 messages per write; and sequential round trips (one line
// out, one line back, each parsed), over loopback TCP or, with the argument
// "unix", a Unix socket path. Prints one JSON line.
import { createConnection, createServer } from "node:net";
import { best, endpoint } from "./suite.mjs";
import {
  answer,
  line,
  lineCounter,
  lineParser,
  request,
  ROUND_TRIPS,
} from "./floor.mjs";

// Every floor measure is short: the best of BENCH_REPEAT (5) runs at least.
const runs = Math.max(
  Number(process.env.BENCH_RUNS ?? 3),
  Number(process.env.BENCH_REPEAT ?? 5),
);
const transport = process.argv[2] ?? "tcp";
const count = Math.round(100_000 * Number(process.env.BENCH_SCALE ?? 1));

async function oneWay(batch) {
  let finish;
  const done = new Promise((r) => (finish = r));
  const server = createServer((sock) => {
    sock.setNoDelay(true);
    sock.on("data", lineCounter(count, finish));
  });
  const { where, cleanup } = await endpoint(transport);
  const to = where.path ?? { port: where.port, host: where.address };
  await new Promise((r) => server.listen(to, r));
  const sock = createConnection(to);
  await new Promise((r) => sock.once("connect", r));
  sock.setNoDelay(true);
  const start = performance.now();
  for (let i = 0; i < count; i += batch) {
    let text = "";
    for (let j = i; j < Math.min(count, i + batch); j++) text += line(j);
    if (!sock.write(text)) await new Promise((r) => sock.once("drain", r));
  }
  await done;
  const rate = count / ((performance.now() - start) / 1000);
  sock.destroy();
  await new Promise((r) => server.close(r));
  cleanup();
  return rate;
}

async function roundTrips() {
  const server = createServer((sock) => {
    sock.setNoDelay(true);
    sock.on("data", lineParser((value) => sock.write(answer(value))));
  });
  const { where, cleanup } = await endpoint(transport);
  const to = where.path ?? { port: where.port, host: where.address };
  await new Promise((r) => server.listen(to, r));
  const sock = createConnection(to);
  await new Promise((r) => sock.once("connect", r));
  sock.setNoDelay(true);
  let wake;
  sock.on("data", lineParser((value) => wake(value)));
  const start = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const got = new Promise((r) => (wake = r));
    sock.write(request(i));
    if ((await got).data.echo !== i) throw new Error("wrong answer");
  }
  const rate = ROUND_TRIPS / ((performance.now() - start) / 1000);
  sock.destroy();
  await new Promise((r) => server.close(r));
  cleanup();
  return rate;
}

console.log(JSON.stringify({
  one_way_single: await best(() => oneWay(1), runs),
  one_way_batched: await best(() => oneWay(100), runs),
  round_trip: await best(roundTrips, runs),
}));
