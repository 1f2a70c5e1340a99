// README "Connecting, start() and reconnects" (the first example), in
// JavaScript for Node and Bun: a send made while connect() is in flight is
// written once the connection is up.
//
//     node connecting.mjs     (or: bun connecting.mjs)
import { once } from "node:events";
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const server = new SockhopServer({ port: 0 });
await server.listen();
const arrival = once(server, "receive");
const client = new SockhopClient({ port: server.port });
const connecting = client.connect();
await client.send("sent before connect() resolved"); // written once connected
await connecting;
console.log("server got:", (await arrival)[0]); // server got: sent before ...
await client.disconnect();
await server.close();
