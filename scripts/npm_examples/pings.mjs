// README "Pings", in JavaScript for Node and Bun:
//
//     node pings.mjs     (or: bun pings.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const server = new SockhopServer({ port: 0 });
await server.listen();
server.ping(1000); // every client, every second

const client = new SockhopClient({ port: server.port });
await client.start();
client.ping(1000); // the server, every second

await new Promise((r) => setTimeout(r, 1500));
console.log(client.pings.length, client.pings[0]?.unanswered()); // 1 false

await client.disconnect(); // also stops the client's pings
await server.close(); // also stops the server's pings
