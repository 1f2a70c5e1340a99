// README "Quick start", in JavaScript for Node and Bun:
//
//     npm install @sockhop/sockhop
//     node quick_start.mjs     (or: bun quick_start.mjs)
import { once } from "node:events";
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

class Widget {
  constructor(name, teeth) {
    this.name = name;
    this.teeth = teeth;
  }
}

const server = new SockhopServer({ port: 0 }); // 0: the OS picks a free port
await server.listen();

const client = new SockhopClient({ port: server.port });
await client.connect();

const arrival = once(server, "receive");
await client.send(new Widget("sprocket", 12));
const [data, meta] = await arrival;
console.log(meta.type, data); // Widget { name: 'sprocket', teeth: 12 }

await client.disconnect();
await server.close();
