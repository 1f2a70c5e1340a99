// README "Sending values: type labels", in JavaScript for Node and Bun:
//
//     node type_labels.mjs     (or: bun type_labels.mjs)
import { once } from "node:events";
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

class Point {
  constructor(x = 0, y = 0) {
    this.x = x;
    this.y = y;
  }
  length() {
    return Math.hypot(this.x, this.y);
  }
}

const server = new SockhopServer({ port: 0, types: { Point } });
await server.listen();
const client = new SockhopClient({ port: server.port });
await client.connect();

const arrivals = once(server, "receive:Point");
await client.send(new Point(3, 4));
const [point] = await arrivals;
console.log(point.length()); // 5: a Point again

const bytes = once(server, "receive");
await client.send(new Uint8Array([1, 2, 3]));
const [received, { type }] = await bytes;
console.log(type, received); // Buffer <Buffer 01 02 03> (a Buffer in Node and Bun)

await client.disconnect();
await server.close();
