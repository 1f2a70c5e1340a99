// A value without data never reaches a handler: envelopes, requests and
// response packets whose `data` is missing or null are malformed
// (ERR_BAD_DATA error events), and values JSON would silently drop
// (functions, symbols) are refused by every sending method.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer } from "../mod.ts";
import { isCode, once, sleep, waitFor, withPair } from "./helpers/util.ts";
import { rawClient, RawServer } from "./helpers/raw.ts";
import { classify, whyInvalid } from "../src/wire/envelope.ts";

const isBadData = isCode("ERR_BAD_DATA");

/** What a promise settles to: its rejection reason, or "ok". */
const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e) => e);

describe("received values without data are malformed", () => {
  it('classify: a missing or null data is invalid for messages, answers, requests and response packets; {}, 0, false and "" are data', () => {
    const uuid = "u";
    const cases: [unknown, string][] = [
      [{ type: "Object" }, "invalid"],
      [{ type: "Object", data: null }, "invalid"],
      [{ type: "Object", data: null, id: "i" }, "invalid"],
      [{ type: "Object", callback_id: "c" }, "invalid"],
      [{ type: "SockhopRequest", data: { uuid } }, "invalid"],
      [{ type: "SockhopRequest", data: { uuid, data: null } }, "invalid"],
      [
        { type: "SockhopResponsePacket", data: { uuid, last: true } },
        "invalid",
      ],
      [{ type: "Object", data: {} }, "message"],
      [{ type: "Number", data: 0 }, "message"],
      [{ type: "Boolean", data: false, id: "i" }, "message"],
      [{ type: "String", data: "", callback_id: "c" }, "answer"],
      [{ type: "Object", data: {}, callback_id: "c" }, "answer"],
      [{ type: "SockhopRequest", data: { uuid, data: {} } }, "request"],
      [
        { type: "SockhopResponsePacket", data: { uuid, data: {}, last: true } },
        "response",
      ],
      [{ type: "SockhopPing", data: { _id: "p" } }, "ping"],
    ];
    for (const [frame, kind] of cases) {
      assert.equal(classify(frame), kind, JSON.stringify(frame));
      if (kind === "invalid") {
        assert.match(whyInvalid(frame), /without data/, JSON.stringify(frame));
      }
    }
  });

  it("server: envelopes and requests without data are error events, and a well-formed one after them is delivered", async () => {
    const server = new SockhopServer({ port: 0 });
    const received: unknown[] = [];
    const requests: unknown[] = [];
    const errors: Error[] = [];
    server.on("receive", (data, meta) => received.push([data, meta.type]));
    server.on("request", (req) => requests.push(req.data));
    server.on("error", (e) => errors.push(e));
    await server.listen();
    const peer = await rawClient(server.port);
    try {
      peer.write({ type: "Object" });
      peer.write({ type: "Object", data: null });
      peer.write({ type: "Widget", data: null, id: "cb-1" });
      peer.write({ type: "SockhopRequest", data: { uuid: "r1", type: "X" } });
      peer.write({
        type: "SockhopRequest",
        data: { uuid: "r2", type: "X", data: null },
      });
      peer.write({ type: "Object", data: {} });
      await waitFor(() => received.length === 1, 5000, "the good frame");
      assert.deepEqual(received, [[{}, "Object"]]);
      assert.deepEqual(requests, []);
      assert.equal(errors.length, 5);
      for (const e of errors) assert.ok(isBadData(e), String(e));
      assert.match(errors[0].message, /Object without data/);
      assert.match(errors[3].message, /SockhopRequest without data/);
      // Nothing was answered: no callback reply, no response packet.
      await sleep(20);
      assert.deepEqual(peer.frames, []);
    } finally {
      await peer.close();
      await server.close();
    }
  });

  it("client: a response packet or a callback answer without data is an error event, not a delivery", async () => {
    const raw = await new RawServer().listen();
    const client = new SockhopClient({ port: raw.port });
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e));
    try {
      await client.connect();
      const peer = await raw.peer();
      const stream = await client.request({ q: 1 }, { timeout: 300 });
      const packets: unknown[] = [];
      stream.on("data", (d) => packets.push(d));
      let answers = 0;
      await client.send("ask", () => answers++);
      const req = await peer.until((f) => f.type === "SockhopRequest");
      const ask = await peer.until((f) => f.id !== undefined);
      const uuid = req.data.uuid;
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid, type: "Object", last: false },
      });
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid, type: "Object", data: null, last: true },
      });
      peer.write({ type: "Object", callback_id: ask.id });
      peer.write({ type: "Object", data: null, callback_id: ask.id });
      await waitFor(() => errors.length === 4, 5000, "four error events");
      for (const e of errors) assert.ok(isBadData(e), String(e));
      assert.equal(answers, 0);
      assert.deepEqual(packets, []);
      assert.equal(stream.ended, false);

      // The legitimate forms still arrive: an answer of {} and a packet
      // whose data is {} (what res.end() sends).
      peer.write({ type: "Object", data: {}, callback_id: ask.id });
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid, type: "Object", data: {}, last: true },
      });
      const [err] = await once<[Error | undefined]>(stream, "end");
      assert.equal(err, undefined);
      assert.deepEqual(packets, [{}]);
      assert.equal(answers, 1);
      assert.equal(errors.length, 4);
    } finally {
      await client.disconnect();
      await raw.close();
    }
  });
});

describe("values JSON cannot carry are refused with ERR_BAD_DATA", () => {
  const odd: [string, unknown][] = [
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
  ];

  for (const [name, value] of odd) {
    it(`${name}: send, sendall, server.send, request, callback replies and response writes reject, and nothing is written`, async () => {
      await withPair(async ({ server, client }) => {
        const received: unknown[] = [];
        const outcomes: Promise<unknown>[] = []; // settled at once
        server.on("receive", (data, meta) => {
          received.push(data);
          if (meta.callback) outcomes.push(outcome(meta.callback(value)));
        });
        server.on("request", (_req, res) => {
          outcomes.push(outcome(res.write(value)));
          outcomes.push(outcome(res.send(value)));
          outcomes.push(outcome(res.send("fine")));
        });
        await assert.rejects(client.send(value), isBadData);
        await assert.rejects(server.sendall(value), isBadData);
        await assert.rejects(server.send(server.sockets[0], value), isBadData);
        await assert.rejects(client.request(value), isBadData);
        await assert.rejects(server.sessions[0].send(value), isBadData);

        // A callback answered with the value, then a request answered.
        let answered = 0;
        await client.send("ask", () => answered++);
        const packets = await (await client.request("r")).all();
        assert.deepEqual(packets.map((p) => p.data), ["fine"]);
        const settled = await Promise.all(outcomes);
        assert.equal(settled.length, 4);
        for (const e of settled.slice(0, 3)) assert.ok(isBadData(e), String(e));
        assert.equal(settled[3], "ok");
        assert.deepEqual(received, ["ask"]);
        assert.equal(answered, 0);
      });
    });
  }

  it("sendall with nobody connected and a client's offline queue refuse them too", async () => {
    const server = new SockhopServer({ port: 0 });
    await assert.rejects(server.sendall(() => 1), isBadData);
    const client = new SockhopClient({ port: 1, offline_queue_size: 5 });
    await assert.rejects(client.send(Symbol("s")), isBadData);
    assert.equal(client.offline_queue_length, 0);
  });
});
