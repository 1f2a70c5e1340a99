// README "Unix domain sockets", in JavaScript for Node and Bun:
//
//     node unix_socket.mjs     (or: bun unix_socket.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const path = "/tmp/sockhop-example.sock";
const server = new SockhopServer({ path });
server.on("receive", (data, meta) => meta.callback?.(`echo: ${data}`));
await server.listen();
console.log(server.get_bound_address()); // the path

const client = new SockhopClient({ path });
await client.connect();
const echo = await new Promise((resolve) => client.send("ping", resolve));
console.log(echo); // echo: ping
await client.disconnect();
await server.close();
