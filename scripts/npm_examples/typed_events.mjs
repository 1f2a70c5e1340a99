// README "Per-type and typed events", in JavaScript for Node and Bun (the
// misspelt-event lines are left out: they are TypeScript compile errors):
//
//     node typed_events.mjs     (or: bun typed_events.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

class Order {
  constructor(item, qty) {
    this.item = item;
    this.qty = qty;
  }
}
class Cancel {
  constructor(item) {
    this.item = item;
  }
}

const server = new SockhopServer({ port: 0, types: { Order, Cancel } });
const done = new Promise((resolve) => {
  server.on("receive:Order", (order, meta) => {
    console.log(`order for ${order.qty} ${order.item}`, meta.session.id);
  });
  server.on("receive:Cancel", (cancel) => {
    console.log(`cancel ${cancel.item}`);
    resolve();
  });
});
await server.listen();

const client = new SockhopClient({ port: server.port });
await client.connect();
await client.send(new Order("bolts", 10));
await client.send(new Cancel("bolts"));
await done;
await client.disconnect();
await server.close();
