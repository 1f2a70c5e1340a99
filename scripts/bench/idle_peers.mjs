// Opens N plain TCP connections to 127.0.0.1:PORT and holds them idle until
// killed:  node scripts/bench/idle_peers.mjs PORT N
import { createConnection } from "node:net";

const [port, count] = process.argv.slice(2).map(Number);
let open = 0;
function next() {
  if (open >= count) return;
  open++;
  const sock = createConnection(port, "127.0.0.1", next);
  sock.on("error", (e) => {
    console.error(`idle peer: ${e.message}`);
    process.exit(1);
  });
}
// A few connects at a time, not all at once: the listen backlog is finite.
for (let i = 0; i < Math.min(count, 16); i++) next();
