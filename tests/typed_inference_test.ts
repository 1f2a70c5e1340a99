// Types that follow the registry: the @ts-expect-error lines are checked by
// `deno check tests/` (part of `deno task check`), so a regression in the
// inference fails the build. The runtime test pins what the types promise.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import * as v from "valibot";
import {
  type ReceiveMeta,
  SockhopClient,
  type SockhopResponseReadableStream,
  SockhopServer,
} from "../mod.ts";
import { once, within } from "./helpers/util.ts";

class Order {
  constructor(public item: string, public qty: number) {}
  total(price: number): number {
    return price * this.qty;
  }
}
class Cancel {
  constructor(public item: string) {}
}
class Money {
  constructor(readonly cents: number) {}
  static fromJSON(data: { euros: number }): Money {
    return new Money(data.euros * 100);
  }
}
class Point {
  constructor(public x = 0, public y = 0) {}
  length(): number {
    return Math.hypot(this.x, this.y);
  }
}
const noteSchema = z.object({ text: z.string() });
const pointSchema = v.object({ x: v.number(), y: v.number() });
class Receipt {
  constructor(public id: string) {}
}

/** Never called: only compiled, to pin the inference. */
export async function typingsCompile(): Promise<void> {
  const server = new SockhopServer({
    types: {
      Order,
      Cancel,
      Money,
      Note: noteSchema,
      Point: { class: Point, schema: pointSchema },
    },
  });
  server.on("receive:Order", (order, meta) => {
    const exact: Order = order;
    exact.total(2);
    const label: "Order" = meta.type;
    void [label, meta.session.id, meta.callback];
  });
  server.on("receive:Cancel", (cancel) => cancel.item.toUpperCase());
  server.on("receive:Money", (money) => money.cents.toFixed());
  server.on("receive:Note", (note) => note.text.toUpperCase());
  server.on("receive:Point", (point) => point.length());
  // Built-in labels keep their types.
  server.on("receive:String", (s) => s.toUpperCase());
  server.on("receive:Buffer", (bytes) => bytes.byteLength);
  server.on("receive:Array", (list) => list.length);
  // @ts-expect-error: no such label in the registry
  server.on("receive:Ordr", () => {});
  // @ts-expect-error: an Order listener cannot take Money
  server.on("receive:Order", (money: Money) => money);
  // @ts-expect-error: the data is an Order, not any
  server.on("receive:Order", (order) => order.price);
  // @ts-expect-error: the schema's output has no `title`
  server.on("receive:Note", (note) => note.title);
  server.on("receive", (data, meta) => {
    if (data instanceof Order) data.total(1);
    if (meta.type === "Order" || meta.type === "Note") void meta.session;
    // @ts-expect-error: the data is not any
    void data.item;
  });
  for await (const [data, meta] of server.messages()) {
    if (data instanceof Point) data.length();
    void meta.session.id;
    // @ts-expect-error: the data is not any
    void data.x;
  }

  // A generic parameter states the registry too.
  const typed = new SockhopServer<{ Order: typeof Order }>({ port: 0 });
  typed.on("receive:Order", (order) => order.total(1));
  // @ts-expect-error: Cancel is not in this registry
  typed.on("receive:Cancel", () => {});

  // Requests and remote callbacks state their answer's type.
  const client = new SockhopClient({ types: { Receipt } });
  await client.send<Receipt>(new Order("bolts", 1), (receipt, meta) => {
    const id: string = receipt.id;
    void [id, meta.type];
  });
  // @ts-expect-error: a Receipt has no `total`
  await client.send<Receipt>({}, (receipt) => receipt.total);
  const stream: SockhopResponseReadableStream<Receipt> = await client
    .request<Receipt>({ want: "receipt" });
  const { data } = await stream.next();
  void data.id;
  // @ts-expect-error: the packets are Receipts
  void data.total;
  await server.send<Receipt>(server.sockets[0], {}, (r) => r.id);
  await server.sessions[0].send<Receipt>({}, (r) => r.id);
  // @ts-expect-error: a Receipt has no `total`
  await server.sessions[0].send<Receipt>({}, (r) => r.total);
  const fromSession = await server.sessions[0].request<Receipt>({});
  void (await fromSession.next()).data.id;
  const answer = await server.request<Order>(server.sockets[0], {});
  for await (const packet of answer) packet.data.total(1);

  // Without a registry (or with classes only): untyped, as before.
  const plain = new SockhopClient();
  plain.on(
    "receive:Anything",
    (d, meta: ReceiveMeta) => d.whatever + meta.type,
  );
  plain.on("receive", (d, meta) => d.whatever + meta.type);
  const listed = new SockhopServer({ types: [Order, Cancel] });
  listed.on("receive:Order", (order: Order) => order.total(1));
  // @ts-expect-error: a registry entry must be a class, a schema or both
  new SockhopServer({ types: { Bad: 42 } });
  // @ts-expect-error: `class` needs a schema beside it
  new SockhopServer({ types: { Bad: { class: Order } } });
}

describe("types follow the registry", () => {
  it("receive:<label> gets the registry's type at run time too", async () => {
    const server = new SockhopServer({ port: 0, types: { Order } });
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      const got = once<[Order]>(server, "receive:Order");
      await client.send(new Order("nuts", 3));
      const [order] = await within(got);
      assert.equal(order.total(2), 6);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });
});
