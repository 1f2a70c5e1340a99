// The `types` option (README "Typed values"): received values revived as
// instances of registered classes and validated by Standard Schemas (Zod,
// Valibot, ArkType), failures as ERR_INVALID_VALUE error events that never
// reach a handler, remote callbacks and requests with invalid values, async
// schemas keeping each connection's order, and `validate_outgoing`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import * as v from "valibot";
import { type } from "arktype";
import {
  SockhopClient,
  SockhopError,
  SockhopInvalidValueError,
  SockhopServer,
  type StandardSchemaV1,
} from "../mod.ts";
import { collect, isCode, once, within } from "./helpers/util.ts";
import { MAX_HELD_FRAMES } from "../src/typed_receiver.ts";

type Received = [data: unknown, meta: { type: string }];

class Point {
  constructor(public x = 0, public y = 0) {}
  length(): number {
    return Math.hypot(this.x, this.y);
  }
}

/** Counts its constructor's runs: revival must not run it. */
class Guarded {
  static built = 0;
  secret = "set by the constructor";
  constructor() {
    Guarded.built++;
  }
  set name(_v: string) {
    throw new Error("a setter ran with received data");
  }
}

class Money {
  constructor(readonly cents: number) {}
  static fromJSON(data: { euros: number }): Money {
    return new Money(Math.round(data.euros * 100));
  }
  toJSON(): { euros: number } {
    return { euros: this.cents / 100 };
  }
}

class Order {
  constructor(public item: string, public qty: number) {}
  total(price: number): number {
    return price * this.qty;
  }
}

/** A server and a client with the given `types` (and other options). */
async function typedPair(
  serverOpts: ConstructorParameters<typeof SockhopServer>[0],
  clientOpts: ConstructorParameters<typeof SockhopClient>[0] = {},
) {
  const server = new SockhopServer({ port: 0, ...serverOpts });
  await server.listen();
  const client = new SockhopClient({ port: server.port, ...clientOpts });
  const connected = once(server, "connect");
  await client.connect();
  await connected;
  return {
    server,
    client,
    async [Symbol.asyncDispose]() {
      await client.disconnect();
      await server.close();
    },
  };
}

describe("types: revival", () => {
  it("revives a registered class without running its constructor", async () => {
    await using p = await typedPair({ types: { Point, Guarded } });
    const got = collect<Received>(p.server, "receive", 2);
    await p.client.send(new Point(3, 4));
    await p.client._send_message({
      type: "Guarded",
      data: { name: "from the peer", secret: "overwritten" },
    });
    const [[point, meta], [guarded]] = await within(got);
    assert.ok(point instanceof Point);
    assert.equal((point as Point).length(), 5);
    assert.equal(meta.type, "Point");
    assert.ok(guarded instanceof Guarded);
    assert.equal(Guarded.built, 0);
    assert.deepEqual(Object.keys(guarded as object), ["name", "secret"]);
    assert.equal((guarded as Guarded).secret, "overwritten");
  });

  it("uses a static fromJSON when the class has one", async () => {
    await using p = await typedPair({ types: [Money] });
    const got = once(p.server, "receive:Money");
    await p.client.send(new Money(1250));
    const [money] = await within(got);
    assert.ok(money instanceof Money);
    assert.equal((money as Money).cents, 1250);
  });

  it("leaves nested data as data, and unregistered labels as before", async () => {
    await using p = await typedPair({ types: { Point } });
    const got = collect<Received>(p.server, "receive", 2);
    class Line {
      constructor(public from: Point, public to: Point) {}
    }
    const nested = new Point(1, 2) as Point & { inner?: Point };
    nested.inner = new Point(5, 6);
    await p.client.send(nested);
    await p.client.send(new Line(new Point(), new Point(1, 1)));
    const [[outer], [line, lineMeta]] = await within(got);
    assert.ok(outer instanceof Point);
    const inner = (outer as unknown as { inner: unknown }).inner;
    assert.equal(Object.getPrototypeOf(inner), Object.prototype);
    assert.deepEqual(inner, { x: 5, y: 6 });
    assert.equal(lineMeta.type, "Line");
    assert.equal(Object.getPrototypeOf(line), Object.prototype);
    assert.equal(Object.getPrototypeOf((line as Line).from), Object.prototype);
  });

  it("hostile field names do not pollute prototypes", async () => {
    await using p = await typedPair({ types: { Point } });
    const got = once(p.server, "receive");
    const hostile = JSON.parse(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        '"prototype":{"polluted":true},"x":3,"y":4}',
    );
    await p.client._send_message({ type: "Point", data: hostile });
    const [point] = await within(got);
    assert.ok(point instanceof Point);
    assert.equal((point as Point).length(), 5);
    assert.equal(point.constructor, Point);
    assert.deepEqual(Object.keys(point as object), ["x", "y"]);
    for (const probe of [{}, new Point(), point, Point.prototype]) {
      assert.equal((probe as { polluted?: boolean }).polluted, undefined);
    }
    assert.equal(Object.getPrototypeOf(Point.prototype), Object.prototype);
  });

  it("revives remote-callback answers and request responses", async () => {
    class Receipt {
      constructor(public id = "") {}
      label(): string {
        return `receipt ${this.id}`;
      }
    }
    await using p = await typedPair({}, { types: { Receipt } });
    p.server.on("receive", (_data, meta) => meta.callback?.(new Receipt("r1")));
    p.server.on("request", async (_req, res) => {
      await res.write(new Receipt("r2"));
      await res.send({ plain: true });
    });
    const answer = await within(
      new Promise<Receipt>((resolve) =>
        p.client.send<Receipt>({ want: "receipt" }, (r) => resolve(r))
      ),
    );
    assert.equal(answer.label(), "receipt r1");
    const stream = await p.client.request<Receipt | { plain: boolean }>({
      want: "stream",
    });
    const packets = await within(stream.all());
    assert.ok(packets[0].data instanceof Receipt);
    assert.equal(packets[0].data.label(), "receipt r2");
    assert.deepEqual(packets[1], { data: { plain: true }, type: "Object" });
  });

  it("sessions use their server's registry (answers to session.send)", async () => {
    await using p = await typedPair({ types: { Point } });
    p.client.on("receive", (_d, meta) => meta.callback?.(new Point(6, 8)));
    const answer = await within(
      new Promise<unknown>((resolve) =>
        p.server.sessions[0].send({ ask: true }, (a) => resolve(a))
      ),
    );
    assert.ok(answer instanceof Point);
    assert.equal(answer.length(), 10);
  });
});

/** Sends one bad Order, then a good one; returns the error and the good one. */
async function refuseOne(
  schema: StandardSchemaV1,
  good: unknown,
  bad: unknown,
): Promise<{ error: SockhopInvalidValueError; received: unknown[] }> {
  await using p = await typedPair({
    types: { Order: { class: Order, schema } },
  });
  const received: unknown[] = [];
  p.server.on("receive", (data) => received.push(data));
  const errored = once(p.server, "error");
  const arrived = once(p.server, "receive");
  await p.client._send_message({ type: "Order", data: bad });
  await p.client._send_message({ type: "Order", data: good });
  const [[error, sock, session]] = await within(
    Promise.all([errored, arrived]),
  );
  assert.equal(sock, p.server.sockets[0]);
  assert.equal(session, p.server.sessions[0]);
  assert.equal(p.client.connected, true);
  return { error: error as SockhopInvalidValueError, received };
}

describe("types: Standard Schema validation", () => {
  const good = { item: "bolts", qty: 10 };
  const bad = { item: "bolts", qty: "ten" };
  const cases: [string, StandardSchemaV1][] = [
    ["Zod", z.object({ item: z.string(), qty: z.number().int() })],
    ["Valibot", v.object({ item: v.string(), qty: v.number() })],
    ["ArkType", type({ item: "string", qty: "number" })],
  ];
  for (const [vendor, schema] of cases) {
    it(`${vendor}: an invalid value is an ERR_INVALID_VALUE error, never received`, async () => {
      const { error, received } = await refuseOne(schema, good, bad);
      assert.ok(error instanceof SockhopError);
      assert.ok(error instanceof SockhopInvalidValueError);
      assert.equal(error.code, "ERR_INVALID_VALUE");
      assert.equal(error.label, "Order");
      assert.ok(error.issues.length >= 1);
      assert.equal(typeof error.issues[0].message, "string");
      assert.match(error.message, /^Invalid Order: /);
      assert.equal(received.length, 1);
      assert.ok(received[0] instanceof Order);
      assert.equal((received[0] as Order).total(2), 20);
    });
  }

  it("a schema alone delivers the schema's output (Zod strips unknown keys)", async () => {
    const Note = z.object({ text: z.string() });
    await using p = await typedPair({ types: { Object: Note } });
    const got = once(p.server, "receive");
    await p.client.send({ text: "hi", extra: 1 });
    assert.deepEqual((await within(got))[0], { text: "hi" });
  });

  it("async schemas keep each connection's order", async () => {
    let n = 0;
    // The first values take longest to validate.
    const slow: StandardSchemaV1 = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value) =>
          new Promise((resolve) =>
            setTimeout(
              () =>
                resolve(
                  (value as { n: number }).n === 3
                    ? { issues: [{ message: "three is refused" }] }
                    : { value },
                ),
              30 - 5 * n++,
            )
          ),
      },
    };
    await using p = await typedPair({ types: { Order: slow } });
    const order: unknown[] = [];
    p.server.on("receive", (data, meta) => order.push([meta.type, data]));
    const errored = once(p.server, "error");
    const done = collect(p.server, "receive", 9);
    for (let i = 0; i < 5; i++) {
      await p.client._send_message({ type: "Order", data: { n: i } });
      p.client.send(`after ${i}`);
    }
    const [, [error]] = await within(Promise.all([done, errored]));
    assert.equal(
      (error as SockhopInvalidValueError).issues[0].message,
      "three is refused",
    );
    assert.deepEqual(order, [
      ["Order", { n: 0 }],
      ["String", "after 0"],
      ["Order", { n: 1 }],
      ["String", "after 1"],
      ["Order", { n: 2 }],
      ["String", "after 2"],
      ["String", "after 3"],
      ["Order", { n: 4 }],
      ["String", "after 4"],
    ]);
  });
});

const positive = z.object({ n: z.number().positive() });
class Count {
  constructor(public n: number) {}
}

describe("types: bounded waiting", () => {
  it("closes a connection whose values pile up behind an async schema", async () => {
    // A schema that never answers: everything after the first value waits.
    const stuck: StandardSchemaV1 = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: () => new Promise(() => {}),
      },
    };
    await using p = await typedPair({ types: { Order: stuck } });
    let received = 0;
    p.server.on("receive", () => received++);
    const errored = once(p.server, "error", 20_000);
    const gone = once(p.server, "disconnect", 20_000);
    await p.client._send_message({ type: "Order", data: {} });
    const flood = [];
    for (let i = 0; i <= MAX_HELD_FRAMES; i++) flood.push(p.client.send(i));
    await Promise.allSettled(flood);
    const [error] = await within(errored, 20_000);
    assert.equal((error as SockhopError).code, "ERR_BAD_DATA");
    assert.match((error as Error).message, /wait for validation/);
    await within(gone, 20_000);
    assert.equal(received, 0);
  });
});

describe("types: remote callbacks and requests with invalid values", () => {
  it("a message wanting a callback is not answered; the sender times out", async () => {
    await using p = await typedPair({ types: { Count: positive } });
    let received = 0;
    p.server.on("receive", () => received++);
    const errored = once(p.server, "error");
    const reason = new Promise((resolve) =>
      p.client.send(new Count(-1), () => resolve("answered"), {
        timeout: 200,
        error_cb: resolve,
      })
    );
    const [error] = await within(errored);
    assert.equal((error as SockhopError).code, "ERR_INVALID_VALUE");
    assert.equal(await within(reason), "timed-out");
    assert.equal(received, 0);
    assert.equal(p.client.stats().callbacks_pending, 0);
  });

  it('an invalid answer drops the callback locally: error_cb is told "invalid"', async () => {
    await using p = await typedPair({}, { types: { Count: positive } });
    p.server.on("receive", (_d, meta) => meta.callback?.(new Count(0)));
    const errored = once(p.client, "error");
    const reason = await within(
      new Promise((resolve) =>
        p.client.send({ ask: 1 }, () => resolve("answered"), {
          error_cb: resolve,
        })
      ),
    );
    assert.equal(reason, "invalid");
    const [error] = await within(errored);
    assert.equal((error as SockhopInvalidValueError).label, "Count");
    assert.equal(p.client.stats().callbacks_pending, 0);
    // The connection stays up.
    const echoed = once(p.server, "receive");
    await p.client.send(new Count(2));
    assert.deepEqual((await within(echoed))[0], { n: 2 });
  });

  it("an invalid request is not emitted; the requester times out", async () => {
    await using p = await typedPair({ types: { Count: positive } });
    let requests = 0;
    p.server.on("request", (_req, res) => {
      requests++;
      res.end();
    });
    const errored = once(p.server, "error");
    const stream = await p.client.request(new Count(-5), { timeout: 200 });
    await assert.rejects(stream.next(), isCode("ERR_RESPONSE_TIMEOUT"));
    assert.equal(
      ((await within(errored))[0] as SockhopError).code,
      "ERR_INVALID_VALUE",
    );
    assert.equal(requests, 0);
    const good = await p.client.request(new Count(5));
    await within(good.all());
    assert.equal(requests, 1);
  });

  it("an invalid response packet ends the stream with ERR_INVALID_VALUE", async () => {
    await using p = await typedPair({}, { types: { Count: positive } });
    p.server.on("request", async (_req, res) => {
      await res.write(new Count(1));
      await res.write(new Count(-1));
      await res.send(new Count(3));
    });
    const errored = once(p.client, "error");
    const stream = await p.client.request({ count: true });
    const seen: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const { data } of stream) seen.push(data);
      })(),
      isCode("ERR_INVALID_VALUE"),
    );
    assert.deepEqual(seen, [{ n: 1 }]);
    assert.equal(
      ((await within(errored))[0] as SockhopError).code,
      "ERR_INVALID_VALUE",
    );
    assert.equal(p.client.stats().requests_pending, 0);
    assert.equal(p.client.connected, true);
  });
});

describe("types: validate_outgoing", () => {
  it("refuses sends, requests, answers and responses that fail their schema", async () => {
    const checked = { types: { Count: positive }, validate_outgoing: true };
    await using p = await typedPair(checked, checked);
    let received = 0;
    p.server.on("receive", (data, meta) => {
      received++;
      meta.callback?.(new Count(-data.n)).catch((e: SockhopError) =>
        answerRefused.push(e.code)
      );
    });
    const answerRefused: string[] = [];
    await assert.rejects(
      p.client.send(new Count(0)),
      isCode("ERR_INVALID_VALUE"),
    );
    await assert.rejects(
      p.client.send(new Count(-1), () => {}),
      isCode("ERR_INVALID_VALUE"),
    );
    await assert.rejects(
      p.client.request(new Count(-1)),
      isCode("ERR_INVALID_VALUE"),
    );
    assert.equal(p.client.stats().callbacks_pending, 0);
    assert.equal(p.client.stats().requests_pending, 0);
    const refused = await p.server.sendall(new Count(-2)).catch((e) => e);
    assert.equal(refused.code, "ERR_INVALID_VALUE");
    const arrived = once(p.server, "receive");
    await p.client.send(new Count(4), () => {}, { timeout: 100 });
    await within(arrived);
    assert.equal(received, 1);
    await within((async () => {
      while (answerRefused.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
      }
    })());
    assert.deepEqual(answerRefused, ["ERR_INVALID_VALUE"]);
    p.server.on("request", async (_req, res) => {
      await res.write(new Count(-1)).catch((e) => res.send(e.code));
    });
    const stream = await p.client.request({ count: true });
    assert.equal((await within(stream.next())).data, "ERR_INVALID_VALUE");
  });
});

describe("types: without a registry", () => {
  it("nothing is revived or checked", async () => {
    await using p = await typedPair({ types: {} }, { types: [] });
    const got = once<Received>(p.server, "receive");
    await p.client.send(new Point(1, 1));
    const [point, meta] = await within(got);
    assert.equal(meta.type, "Point");
    assert.equal(Object.getPrototypeOf(point), Object.prototype);
  });

  it("a registry entry that is not a class or a schema is refused at once", () => {
    assert.throws(
      () => new SockhopServer({ types: { Bad: 42 as never } }),
      TypeError,
    );
    assert.throws(
      () => new SockhopClient({ types: { SockhopPing: Point } }),
      TypeError,
    );
  });
});
