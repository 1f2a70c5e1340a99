/**
 * README "Typed values", with a class: the server's `types` registry
 * revives each Order as an Order (its methods work, and listeners are
 * typed), and the client's revives the answer with `Receipt.fromJSON`.
 *
 *     deno run --allow-net scripts/examples/typed_class.ts
 *
 * @module
 */

import { SockhopClient, SockhopServer } from "../../mod.ts";

class Order {
  constructor(public item: string, public qty: number) {}
  total(price: number): number {
    return this.qty * price;
  }
}
class Receipt {
  constructor(public item: string, public amount: number) {}
  static fromJSON(data: { item: string; amount: number }): Receipt {
    return new Receipt(data.item, data.amount);
  }
  toString(): string {
    return `receipt for ${this.item}: ${this.amount}`;
  }
}

const server = new SockhopServer({ port: 0, types: { Order } });
server.on("receive:Order", (order, meta) => {
  // `order` is an Order, for the compiler and at run time.
  console.log("an Order?", order instanceof Order, order.total(3));
  meta.callback?.(new Receipt(order.item, order.total(3)));
});
await server.listen();

const client = new SockhopClient({ port: server.port, types: [Receipt] });
await client.connect();
const receipt = await new Promise<Receipt>((resolve) =>
  client.send<Receipt>(new Order("bolts", 10), resolve)
);
console.log(`${receipt}`); // receipt for bolts: 30
await client.disconnect();
await server.close();
