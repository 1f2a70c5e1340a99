// Opens idle connections for the idle-connections benchmark
// (scripts/bench_idle.ts): `count` raw sockets to a loopback port, each
// sending one small Sockhop envelope and then nothing. Prints one JSON line
// ({ connected }) once all are open and have written; exits when stdin
// ends, closing them all.
//   node scripts/bench/idle_clients.mjs <port> <count>
import { connect } from "node:net";
import process from "node:process";

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const envelope = JSON.stringify({ type: "String", data: "hello" }) + "\n";
const sockets = [];

/** Opens one connection and writes the envelope; resolves once written. */
function open() {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(envelope, () => resolve(socket));
    });
  });
}

// A few hundred at a time: the listen backlog stays within bounds.
for (let i = 0; i < count; i += 250) {
  const batch = Math.min(250, count - i);
  sockets.push(...await Promise.all(Array.from({ length: batch }, open)));
}
for (const s of sockets) s.on("error", () => {});
console.log(JSON.stringify({ connected: sockets.length }));
process.stdin.resume();
process.stdin.on("end", () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
