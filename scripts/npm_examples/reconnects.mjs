// README "Connecting, start() and reconnects", in JavaScript for Node and
// Bun (port 50123 must be free):
//
//     node reconnects.mjs     (or: bun reconnects.mjs)
import { once } from "node:events";
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const port = 50123;
const client = new SockhopClient({
  port,
  auto_reconnect_interval: 200,
  offline_queue_size: 100, // hold up to 100 sends while disconnected
});
client.on("connect_error", (e) => console.log("not yet:", e.message));
client.on("disconnect", () => console.log("dropped"));
client.on("reconnect", () => console.log("reconnected"));

const early = client.send("sent before any server exists"); // held
const started = client.start(); // resolves once connected

const server = new SockhopServer({ port });
const arrival = once(server, "receive");
await new Promise((r) => setTimeout(r, 300));
await server.listen();
await started;
await early; // resolves once written, on connection
console.log("server got:", (await arrival)[0]);

const back = new Promise((resolve) => client.once("reconnect", resolve));
await server.disconnect(); // drop every client, keep listening
await back; // the client comes back by itself

await client.disconnect();
await server.close();
