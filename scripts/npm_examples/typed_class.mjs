// README "Typed values", with a class, in JavaScript for Node and Bun:
// the server's `types` registry revives each Order as an Order, the
// client's revives the answer with Receipt.fromJSON.
//
//     node typed_class.mjs     (or: bun typed_class.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

class Order {
  constructor(item, qty) {
    this.item = item;
    this.qty = qty;
  }
  total(price) {
    return this.qty * price;
  }
}
class Receipt {
  constructor(item, amount) {
    this.item = item;
    this.amount = amount;
  }
  static fromJSON(data) {
    return new Receipt(data.item, data.amount);
  }
  toString() {
    return `receipt for ${this.item}: ${this.amount}`;
  }
}

const server = new SockhopServer({ port: 0, types: { Order } });
server.on("receive:Order", (order, meta) => {
  console.log("an Order?", order instanceof Order, order.total(3));
  meta.callback?.(new Receipt(order.item, order.total(3)));
});
await server.listen();

const client = new SockhopClient({ port: server.port, types: [Receipt] });
await client.connect();
const receipt = await new Promise((resolve) =>
  client.send(new Order("bolts", 10), resolve)
);
console.log(`${receipt}`); // receipt for bolts: 30
await client.disconnect();
await server.close();
