/**
 * Exact bytes on the wire (PROTOCOL.md §2-3, §6), seen by raw `node:net`
 * peers: what our client and our server write, key order included, and how
 * they take what a raw peer writes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { EventEmitter } from "node:events";
import {
  type RemoteCallback,
  SockhopClient,
  SockhopError,
  type SockhopResponseReadableStream,
  type SockhopResponseWriteableStream,
  SockhopServer,
  type SockhopSocket,
} from "../mod.ts";
import { once, Widget } from "./helpers/util.ts";
import { rawClient, type RawPeer, RawServer } from "./helpers/raw.ts";

const UUID_V4 =
  "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
const ISO = '"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"';

/** One of our ends, connected to a raw peer. */
interface Side {
  /** Our client or server. */
  ours: EventEmitter;
  /** The raw peer at the other end. */
  raw: RawPeer;
  send(v: unknown, cb?: RemoteCallback): Promise<void>;
  request(v: unknown): Promise<SockhopResponseReadableStream>;
  ping(ms: number): void;
  close(): Promise<void>;
}

type Opts = ConstructorParameters<typeof SockhopClient>[0];

/** Our client connected to a raw server. */
async function clientSide(opts: Opts = {}): Promise<Side> {
  const server = await new RawServer().listen();
  const client = new SockhopClient({ port: server.port, ...opts });
  try {
    await client.connect();
    const raw = await server.peer();
    return {
      ours: client,
      raw,
      send: (v, cb) => client.send(v, cb),
      request: (v) => client.request(v),
      ping: (ms) => client.ping(ms),
      close: async () => {
        await client.disconnect();
        await server.close();
      },
    };
  } catch (e) {
    await client.disconnect();
    await server.close();
    throw e;
  }
}

/** Our server with a raw client connected. */
async function serverSide(opts: Opts = {}): Promise<Side> {
  const server = new SockhopServer({ port: 0, ...opts });
  await server.listen();
  let raw: RawPeer | undefined;
  try {
    const connected = once<[SockhopSocket]>(server, "connect");
    raw = await rawClient(server.port);
    const [sock] = await connected;
    return {
      ours: server,
      raw,
      send: (v, cb) => server.send(sock, v, cb),
      request: (v) => server.request(sock, v),
      ping: (ms) => server.ping(ms),
      close: async () => {
        await raw!.close();
        await server.close();
      },
    };
  } catch (e) {
    await raw?.close();
    await server.close();
    throw e;
  }
}

const sides = [
  { name: "our client to a raw server", open: clientSide },
  { name: "our server to a raw client", open: serverSide },
];

for (const { name, open } of sides) {
  describe(`envelopes on the wire: ${name}`, () => {
    it("writes plain sends as {type, data} with the right labels", async () => {
      const side = await open();
      try {
        const bare = Object.create(null);
        bare.k = 1;
        const cases: [unknown, string][] = [
          [{ a: 1 }, '{"type":"Object","data":{"a":1}}'],
          [[1, "two"], '{"type":"Array","data":[1,"two"]}'],
          ["text", '{"type":"String","data":"text"}'],
          [42, '{"type":"Number","data":42}'],
          [true, '{"type":"Boolean","data":true}'],
          [new Widget(), '{"type":"Widget","data":{"name":"gear","teeth":12}}'],
          [bare, '{"type":"Object","data":{"k":1}}'],
          ["é€😀", '{"type":"String","data":"é€😀"}'],
        ];
        for (const [value, expected] of cases) {
          await side.send(value);
          assert.equal(await side.raw.line(), expected);
        }
      } finally {
        await side.close();
      }
    });

    it("writes a Uint8Array exactly as the original writes a Buffer", async () => {
      const side = await open();
      try {
        const bytes = [0, 1, 127, 128, 255];
        // What the original does: {type: o.constructor.name, data: o}.
        const nodeBuffer = Buffer.from(bytes);
        const original = JSON.stringify({
          type: nodeBuffer.constructor.name,
          data: nodeBuffer,
        });
        assert.equal(
          original,
          '{"type":"Buffer","data":{"type":"Buffer","data":[0,1,127,128,255]}}',
        );
        await side.send(new Uint8Array(bytes));
        assert.equal(await side.raw.line(), original);
        await side.send(nodeBuffer);
        assert.equal(await side.raw.line(), original);
        await side.send(new Uint8Array(0));
        assert.equal(
          await side.raw.line(),
          '{"type":"Buffer","data":{"type":"Buffer","data":[]}}',
        );
      } finally {
        await side.close();
      }
    });

    it("puts id last on a send that wants a callback, and runs it", async () => {
      const side = await open();
      try {
        let answered: ((v: unknown[]) => void) | undefined;
        const answer = new Promise<unknown[]>((r) => (answered = r));
        await side.send("q", (data, meta) => answered!([data, meta.type]));
        const line = await side.raw.line();
        const m = line.match(
          new RegExp(`^\\{"type":"String","data":"q","id":"(${UUID_V4})"\\}$`),
        );
        assert.ok(m, line);
        side.raw.writeText(
          `{"type":"Widget","data":{"name":"w","teeth":1},"callback_id":"${
            m[1]
          }"}\n`,
        );
        assert.deepEqual(await answer, [{ name: "w", teeth: 1 }, "Widget"]);
      } finally {
        await side.close();
      }
    });

    it("answers a remote callback with callback_id last", async () => {
      const side = await open();
      try {
        side.ours.on("receive", (data, meta) => {
          if (data === "first") meta.callback(new Widget("w", 1));
          else meta.callback();
        });
        side.raw.writeText('{"type":"String","data":"first","id":"abc-1"}\n');
        assert.equal(
          await side.raw.line(),
          '{"type":"Widget","data":{"name":"w","teeth":1},"callback_id":"abc-1"}',
        );
        side.raw.writeText('{"type":"String","data":"second","id":"abc-2"}\n');
        assert.equal(
          await side.raw.line(),
          '{"type":"Object","data":{},"callback_id":"abc-2"}',
        );
      } finally {
        await side.close();
      }
    });

    it("writes pings, and pongs that copy _id and _created", async () => {
      const side = await open();
      try {
        side.ping(20);
        const ping = await side.raw.line();
        side.ping(0);
        assert.match(
          ping,
          new RegExp(
            `^\\{"type":"SockhopPing","data":\\{"_id":"${UUID_V4}",` +
              `"_created":${ISO},"_returned":null,"_finished":null\\}\\}$`,
          ),
        );
        side.raw.lines.length = 0; // drop pings sent meanwhile
        const created = "2026-11-25T11:00:00.000Z";
        side.raw.writeText(
          `{"type":"SockhopPing","data":{"_id":"p-1","_created":"${created}",` +
            `"_returned":null,"_finished":null}}\n`,
        );
        let pong = await side.raw.line();
        while (pong.startsWith('{"type":"SockhopPing"')) {
          pong = await side.raw.line();
        }
        assert.match(
          pong,
          new RegExp(
            `^\\{"type":"SockhopPong","data":\\{"_id":"p-1",` +
              `"_created":"${created}","_returned":${ISO},"_finished":null\\}\\}$`,
          ),
        );
      } finally {
        await side.close();
      }
    });

    it("writes requests and takes streamed response packets", async () => {
      const side = await open();
      try {
        const stream = await side.request({ q: 1 });
        const line = await side.raw.line();
        assert.equal(
          line,
          `{"type":"SockhopRequest","data":{"uuid":"${stream.uuid}",` +
            `"data":{"q":1},"type":"Object"}}`,
        );
        assert.match(stream.uuid, new RegExp(`^${UUID_V4}$`));
        const all = stream.all();
        const packet = (type: string, data: string, last: boolean) =>
          `{"type":"SockhopResponsePacket","data":{"uuid":"${stream.uuid}",` +
          `"type":"${type}","data":${data},"last":${last}}}\n`;
        side.raw.writeText(packet("Number", "1", false));
        side.raw.writeText(
          packet("Buffer", '{"type":"Buffer","data":[9]}', false),
        );
        side.raw.writeText(packet("String", '"end"', true));
        const got = await all;
        assert.equal(got.length, 3);
        assert.deepEqual(got[0], { data: 1, type: "Number" });
        assert.equal(got[1].type, "Buffer");
        assert.ok(got[1].data instanceof Uint8Array);
        assert.deepEqual([...(got[1].data as Uint8Array)], [9]);
        assert.deepEqual(got[2], { data: "end", type: "String" });

        const bytes = await side.request(new Uint8Array([1, 2]));
        assert.equal(
          await side.raw.line(),
          `{"type":"SockhopRequest","data":{"uuid":"${bytes.uuid}",` +
            `"data":{"type":"Buffer","data":[1,2]},"type":"Buffer"}}`,
        );
      } finally {
        await side.close();
      }
    });

    it("writes response packets in the original's key order", async () => {
      const side = await open();
      try {
        side.ours.on(
          "request",
          async (
            req: { data: unknown },
            res: SockhopResponseWriteableStream,
          ) => {
            if (req.data === "many") {
              await res.write([1]);
              await res.write(new Uint8Array([7]));
              await res.send(new Widget("last", 0));
            } else {
              await res.end();
            }
          },
        );
        side.raw.writeText(
          '{"type":"SockhopRequest","data":{"uuid":"r-1","data":"many","type":"String"}}\n',
        );
        const pkt = (type: string, data: string, last: boolean, uuid = "r-1") =>
          `{"type":"SockhopResponsePacket","data":{"uuid":"${uuid}",` +
          `"type":"${type}","data":${data},"last":${last}}}`;
        assert.equal(await side.raw.line(), pkt("Array", "[1]", false));
        assert.equal(
          await side.raw.line(),
          pkt("Buffer", '{"type":"Buffer","data":[7]}', false),
        );
        assert.equal(
          await side.raw.line(),
          pkt("Widget", '{"name":"last","teeth":0}', true),
        );
        side.raw.writeText(
          '{"type":"SockhopRequest","data":{"uuid":"r-2","data":{},"type":"Object"}}\n',
        );
        assert.equal(await side.raw.line(), pkt("Object", "{}", true, "r-2"));
      } finally {
        await side.close();
      }
    });

    it("ignores an answer with an unknown callback_id", async () => {
      const side = await open();
      try {
        const errors: Error[] = [];
        side.ours.on("error", (e: Error) => errors.push(e));
        const received = once<[unknown, { type: string }]>(
          side.ours,
          "receive",
        );
        side.raw.writeText(
          '{"type":"Object","data":{},"callback_id":"nope"}\n',
        );
        side.raw.writeText('{"type":"String","data":"after"}\n');
        const [data, meta] = await received;
        assert.deepEqual([data, meta.type], ["after", "String"]);
        // The connection goes on both ways.
        await side.send({ still: "here" });
        assert.equal(
          await side.raw.line(),
          '{"type":"Object","data":{"still":"here"}}',
        );
        for (const e of errors) {
          assert.ok(e instanceof SockhopError, String(e));
        }
      } finally {
        await side.close();
      }
    });

    it("reports corrupt frames and delivers the next valid one", async () => {
      const side = await open();
      try {
        const error = once<[SockhopError]>(side.ours, "error");
        const received = once<[unknown, { type: string }]>(
          side.ours,
          "receive",
        );
        side.raw.writeText('garbage {\n{"type":"String","data":"ok"}\n');
        const [err] = await error;
        assert.ok(err instanceof SockhopError);
        assert.equal(err.code, "ERR_OBJECTBUFFER_BAD_BUFFER_DATA");
        assert.match(err.message, /corrupted data in buffer/);
        const [data, meta] = await received;
        assert.deepEqual([data, meta.type], ["ok", "String"]);
      } finally {
        await side.close();
      }
    });
  });

  describe(`peer_type "json": ${name}`, () => {
    it("writes values plainly as JSON plus the terminator", async () => {
      const side = await open({ peer_type: "json", allow_non_objects: true });
      try {
        const cases: [unknown, string][] = [
          [{ a: 1 }, '{"a":1}'],
          [[1, 2], "[1,2]"],
          ["s", '"s"'],
          [5, "5"],
          [new Widget("j", 2), '{"name":"j","teeth":2}'],
          [new Uint8Array([1, 2]), '{"type":"Buffer","data":[1,2]}'],
        ];
        for (const [value, expected] of cases) {
          await side.send(value);
          assert.equal(await side.raw.line(), expected);
        }
      } finally {
        await side.close();
      }
    });

    it("emits received values with their constructor type", async () => {
      const side = await open({ peer_type: "json" });
      try {
        const got: [unknown, string][] = [];
        const done = new Promise<void>((resolve) =>
          side.ours.on("receive", (data, meta) => {
            got.push([data, meta.type]);
            if (got.length === 6) resolve();
          })
        );
        side.raw.writeText('{"x":1}\n[2]\n"t"\n7\nfalse\n');
        side.raw.writeText('{"type":"String","data":"not unwrapped"}\n');
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          done,
          new Promise((_, reject) =>
            timer = setTimeout(() => reject(new Error("timed out")), 5000)
          ),
        ]).finally(() => clearTimeout(timer));
        assert.deepEqual(got, [
          [{ x: 1 }, "Object"],
          [[2], "Array"],
          ["t", "String"],
          [7, "Number"],
          [false, "Boolean"],
          [{ type: "String", data: "not unwrapped" }, "Object"],
        ]);
      } finally {
        await side.close();
      }
    });

    it("rejects remote callbacks, requests and non-objects", async () => {
      const side = await open({ peer_type: "json" });
      try {
        await assert.rejects(side.send({ a: 1 }, () => {}), {
          code: "ERR_REMOTE_CALLBACK_TYPE",
        });
        await assert.rejects(side.request({ a: 1 }), {
          code: "ERR_REQUEST_TYPE",
        });
        await assert.rejects(side.send("s"), {
          code: "ERR_OBJECTBUFFER_BAD_OBJECT",
          message: /non object type/,
        });
        // Nothing of that reached the wire; a valid send still works.
        await side.send({ ok: true });
        assert.equal(await side.raw.line(), '{"ok":true}');
      } finally {
        await side.close();
      }
    });
  });
}

describe("sendall on the wire", () => {
  it("writes the same bytes to three clients", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    const raws: RawPeer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const connected = once(server, "connect");
        raws.push(await rawClient(server.port));
        await connected;
      }
      await server.sendall(new Widget("all", 3));
      for (const raw of raws) {
        assert.equal(
          await raw.line(),
          '{"type":"Widget","data":{"name":"all","teeth":3}}',
        );
      }
    } finally {
      await Promise.all(raws.map((raw) => raw.close()));
      await server.close();
    }
  });
});
