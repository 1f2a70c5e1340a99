/**
 * Interoperation with the ORIGINAL sockhop@1.8.4, run by Node in a child
 * process (scripts/peers/peer.mjs): our client with its server,
 * its client with our server. Labels and data, remote callbacks, streamed
 * requests and pings, both ways.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventEmitter } from "node:events";
import {
  type Conn,
  type RemoteCallback,
  SockhopClient,
  type SockhopResponseReadableStream,
  type SockhopResponseWriteableStream,
  SockhopServer,
} from "../mod.ts";
import { collect, once, sleep } from "./helpers/util.ts";
import { PeerProcess } from "./helpers/peer_process.ts";

class Widget {
  constructor(public name = "gear", public teeth = 12) {}
}

/** Our end, connected to an original peer. */
interface Link {
  /** The original, in its child process. */
  peer: PeerProcess;
  /** Our client or server. */
  ours: EventEmitter;
  send(v: unknown, cb?: RemoteCallback): Promise<void>;
  request(v: unknown): Promise<SockhopResponseReadableStream>;
  ping(ms: number): void;
  /** Whether our end still holds the connection. */
  connected(): boolean;
  close(): Promise<void>;
}

/** Our client connected to the original's server. */
async function toOriginalServer(): Promise<Link> {
  const peer = PeerProcess.start("original");
  const client = new SockhopClient({ port: 1 });
  try {
    const { port } = await peer.call("listen");
    client.port = port;
    await client.connect();
    await peer.event("connect");
    return {
      peer,
      ours: client,
      send: (v, cb) => client.send(v, cb),
      request: (v) => client.request(v),
      ping: (ms) => client.ping(ms),
      connected: () => client.connected,
      close: async () => {
        await client.disconnect();
        await peer.close();
      },
    };
  } catch (e) {
    await client.disconnect();
    await peer.close();
    throw e;
  }
}

/** The original's client connected to our server. */
async function fromOriginalClient(): Promise<Link> {
  const peer = PeerProcess.start("original");
  const server = new SockhopServer({ port: 0 });
  try {
    await server.listen();
    const connected = once<[Conn]>(server, "connect", 10000);
    await peer.call("connect", { port: server.port });
    const [sock] = await connected;
    return {
      peer,
      ours: server,
      send: (v, cb) => server.send(sock, v, cb),
      request: (v) => server.request(sock, v),
      ping: (ms) => server.ping(ms),
      connected: () => server.sockets.includes(sock),
      close: async () => {
        await server.close();
        await peer.close();
      },
    };
  } catch (e) {
    await server.close();
    await peer.close();
    throw e;
  }
}

const links = [
  { name: "our client with the original server", open: toOriginalServer },
  { name: "the original client with our server", open: fromOriginalClient },
];

for (const { name, open } of links) {
  describe(`interop with sockhop@1.8.4: ${name}`, () => {
    it("delivers our values with the original's labels", async () => {
      const link = await open();
      try {
        const values: [unknown, string, unknown][] = [
          [{ a: 1, b: [true, null] }, "Object", { a: 1, b: [true, null] }],
          [[1, "two"], "Array", [1, "two"]],
          ["é€😀", "String", "é€😀"],
          [42.5, "Number", 42.5],
          [false, "Boolean", false],
          [new Widget("w", 3), "Widget", { name: "w", teeth: 3 }],
          [
            new Uint8Array([0, 1, 255]),
            "Buffer",
            { type: "Buffer", data: [0, 1, 255] },
          ],
        ];
        for (const [value] of values) await link.send(value);
        for (const [, type, data] of values) {
          const ev = await link.peer.event("receive");
          assert.deepEqual({ type: ev.type, data: ev.data }, { type, data });
          assert.equal(ev.callback, false);
        }
      } finally {
        await link.close();
      }
    });

    it("receives the original's values with their labels", async () => {
      const link = await open();
      try {
        const got = collect<[unknown, { type: string }]>(
          link.ours,
          "receive",
          7,
          10000,
        );
        const sends: [unknown, string | undefined][] = [
          [{ a: 1 }, undefined],
          [[1, "two"], undefined],
          ["é€😀", undefined],
          [7, undefined],
          [true, undefined],
          [{ name: "w", teeth: 3 }, "Widget"],
          [[0, 1, 255], "Buffer"],
        ];
        for (const [data, as] of sends) {
          await link.peer.call("send", { data, as });
        }
        const received = (await got).map(([data, meta]) => [meta.type, data]);
        assert.deepEqual(received.slice(0, 6), [
          ["Object", { a: 1 }],
          ["Array", [1, "two"]],
          ["String", "é€😀"],
          ["Number", 7],
          ["Boolean", true],
          ["Widget", { name: "w", teeth: 3 }],
        ]);
        const [type, bytes] = received[6] as [string, Uint8Array];
        assert.equal(type, "Buffer");
        assert.ok(bytes instanceof Uint8Array);
        assert.deepEqual([...bytes], [0, 1, 255]);
      } finally {
        await link.close();
      }
    });

    it("runs remote callbacks both ways", async () => {
      const link = await open();
      try {
        // Ours asks, the original answers with Widget {echo, type}.
        const answer = new Promise<unknown[]>((resolve) =>
          link.send(new Widget("q", 1), (data, meta) => resolve([data, meta]))
        );
        assert.deepEqual(await answer, [
          { echo: { name: "q", teeth: 1 }, type: "Widget" },
          { type: "Widget" },
        ]);
        const ev = await link.peer.event("receive");
        assert.equal(ev.callback, true);

        // The original asks, ours answers.
        link.ours.on("receive", (data, meta) => {
          meta.callback?.(new Widget(`re:${data}`, 0));
        });
        await link.peer.call("send", { data: "hi", callback: true });
        const cb = await link.peer.event("callback");
        assert.deepEqual(
          { data: cb.data, type: cb.type },
          { data: { name: "re:hi", teeth: 0 }, type: "Widget" },
        );
      } finally {
        await link.close();
      }
    });

    it("streams our requests' responses from the original", async () => {
      const link = await open();
      try {
        const one = await (await link.request({ count: 1 })).all();
        assert.deepEqual(one, [
          { data: { i: 0, echo: { count: 1 } }, type: "Widget" },
        ]);
        const three = await (await link.request({ count: 3 })).all();
        assert.deepEqual(three, [
          { data: { i: 0 }, type: "Object" },
          { data: { i: 1 }, type: "Object" },
          { data: { i: 2, echo: { count: 3 } }, type: "Widget" },
        ]);
        const first = await (await link.request("plain")).next();
        assert.deepEqual(first, {
          data: { echo: "plain", type: "String" },
          type: "Widget",
        });
        const seen = [
          await link.peer.event("request"),
          await link.peer.event("request"),
          await link.peer.event("request"),
        ].map((e) => [e.type, e.data]);
        assert.deepEqual(seen, [
          ["Object", { count: 1 }],
          ["Object", { count: 3 }],
          ["String", "plain"],
        ]);
      } finally {
        await link.close();
      }
    });

    it("streams responses to the original's requests", async () => {
      const link = await open();
      try {
        const requests: unknown[][] = [];
        link.ours.on(
          "request",
          async (
            req: { data: { count?: number } | string; type: string },
            res: SockhopResponseWriteableStream,
          ) => {
            requests.push([req.type, req.data]);
            const count = typeof req.data === "object"
              ? req.data.count ?? 1
              : 1;
            for (let i = 0; i < count - 1; i++) await res.write([i]);
            await res.send(new Widget("done", count));
          },
        );
        const one = await link.peer.call("request", { data: { count: 1 } });
        assert.deepEqual(one.packets, [
          { data: { name: "done", teeth: 1 }, type: "Widget" },
        ]);
        const three = await link.peer.call("request", { data: { count: 3 } });
        assert.deepEqual(three.packets, [
          { data: [0], type: "Array" },
          { data: [1], type: "Array" },
          { data: { name: "done", teeth: 3 }, type: "Widget" },
        ]);
        const next = await link.peer.call("request", {
          data: [9, 9],
          as: "Buffer",
          mode: "next",
        });
        assert.deepEqual(next.packets, [
          { data: { name: "done", teeth: 1 }, type: "Widget" },
        ]);
        assert.equal(requests.length, 3);
        assert.deepEqual(requests.slice(0, 2), [
          ["Object", { count: 1 }],
          ["Object", { count: 3 }],
        ]);
        const [type, bytes] = requests[2] as [string, Uint8Array];
        assert.equal(type, "Buffer");
        assert.deepEqual([...bytes], [9, 9]);
      } finally {
        await link.close();
      }
    });

    it("keeps the connection while both sides ping every 100 ms", async () => {
      const link = await open();
      const drops: unknown[] = [];
      link.ours.on("disconnect", (...args) => drops.push(args));
      try {
        await link.peer.call("ping", { delay: 100 });
        link.ping(100);
        await sleep(1200); // twelve intervals; four unanswered would drop
        const status = await link.peer.call("status");
        assert.ok(
          status.connected === true || status.sockets === 1,
          JSON.stringify(status),
        );
        assert.ok(
          status.answered > 0,
          `original got no pongs: ${JSON.stringify(status)}`,
        );
        assert.equal(link.peer.count("disconnect"), 0);
        assert.ok(link.connected(), "our end dropped the original");
        assert.equal(drops.length, 0);
        if (link.ours instanceof SockhopClient) {
          const answered = link.ours.pings.filter((p) => !p.unanswered());
          assert.ok(answered.length > 0, "our pings were never answered");
        }
        // Values still flow after all that pinging.
        await link.send("after pings");
        const ev = await link.peer.event("receive");
        assert.equal(ev.data, "after pings");
      } finally {
        link.ping(0);
        await link.close();
      }
    });
  });
}
