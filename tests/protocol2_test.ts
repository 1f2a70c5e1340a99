/**
 * The 2.x protocol between peers of this library, and what a sockhop@1.8.4
 * peer sees of it (nothing: by default no side sends a handshake first).
 * Between two peers of this library, `handshake: true` (the 2.x names)
 * gives binary mode both ways, and streamed requests keep working in it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  Server,
  SockhopClient,
  type SockhopRequest,
  type SockhopResponseWriteableStream,
  SockhopServer,
} from "../mod.ts";
import { PeerProcess } from "./helpers/peer_process.ts";
import { patternBytes, sha256Hex } from "./helpers/peer2_process.ts";
import { once, waitFor } from "./helpers/util.ts";
import { originalClientGetsOnlyTheAnswer } from "./helpers/original_client_check.ts";

class Widget {
  constructor(o: Record<string, unknown> = {}) {
    Object.assign(this, o);
  }
}

/** Answers a request with three packets, the last one a Widget. */
async function threePackets(
  req: SockhopRequest,
  res: SockhopResponseWriteableStream,
): Promise<void> {
  await res.write({ i: 0 });
  await res.write(patternBytes(3));
  await res.send(new Widget({ echo: req.data }));
}

describe("the 2.x protocol between peers of this library", () => {
  it("with handshake: true (Server, Client): binary both ways, bytes byte-exact both ways, typed buffers, and streamed requests still work", async () => {
    const server = new Server({ port: 0 });
    server.on("request", threePackets);
    const handshakes: boolean[] = [];
    const sessionEvents: string[] = [];
    server.on("handshake", (_s, _session, ok) => handshakes.push(ok));
    server.on("connect", (_s, session) => {
      session.on("handshake", (ok) => sessionEvents.push(`handshake ${ok}`));
      session.on("binary_mode:rx", (on) => sessionEvents.push(`rx ${on}`));
    });
    await server.listen();
    const client = new Client({ port: server.port });
    const json = new SockhopClient({ port: server.port }); // no handshake
    try {
      await client.start();
      await waitFor(() => client.binary_mode.rx && client.binary_mode.tx);
      const sock = server.sockets[0];
      await waitFor(() => server.binary_mode(sock).rx);
      assert.deepEqual(server.binary_mode(sock), { rx: true, tx: true });
      assert.deepEqual(handshakes, [true]);
      await waitFor(() => sessionEvents.length === 2);
      assert.deepEqual(sessionEvents.sort(), ["handshake true", "rx true"]);

      const big = patternBytes(8 << 20);
      const atServer = once<[Uint8Array]>(server, "receive", 20_000);
      await client.send(big);
      assert.equal(sha256Hex((await atServer)[0]), sha256Hex(big));
      const atClient = once<[Uint8Array]>(client, "receive", 20_000);
      await server.send(sock, big);
      assert.equal(sha256Hex((await atClient)[0]), sha256Hex(big));

      const typed = once<[Uint8Array, { type: string }]>(
        server,
        "receive:buffer",
      );
      await client.send_typed_buffer("image/raw", patternBytes(5));
      const [tb, tmeta] = await typed;
      assert.deepEqual([tmeta.type, [...tb]], ["image/raw", [0, 1, 2, 3, 4]]);

      const packets = await (await client.request({ n: 1 })).all();
      assert.deepEqual(packets.map((p) => p.type), [
        "Object",
        "Buffer",
        "Widget",
      ]);
      assert.deepEqual([...(packets[1].data as Uint8Array)], [0, 1, 2]);
      assert.deepEqual(packets[2].data, { echo: { n: 1 } });

      // sendall to a binary and a JSON client: each gets its own frame.
      await json.connect();
      await waitFor(() => server.sockets.length === 2);
      const both = Promise.all([
        once(client, "receive"),
        once(json, "receive"),
      ]);
      await server.sendall(new Uint8Array([7, 8]));
      for (const [bytes] of await both) {
        assert.deepEqual([...(bytes as Uint8Array)], [7, 8]);
      }
    } finally {
      await json.disconnect();
      await client.disconnect();
      await server.close();
    }
  });

  it("with the defaults (the 1.x names) neither side sends a handshake: JSON both ways, no handshake event", async () => {
    const server = new SockhopServer({ port: 0 });
    const seen: string[] = [];
    server.on("handshake", () => seen.push("server handshake"));
    server.on("receive", (d, meta) => {
      seen.push(meta.type);
      meta.callback?.(d);
    });
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    client.on("handshake", () => seen.push("client handshake"));
    try {
      await client.connect();
      const answer = await new Promise((resolve) =>
        client.send(new Uint8Array([1, 2]), resolve)
      );
      assert.deepEqual([...(answer as Uint8Array)], [1, 2]);
      assert.deepEqual(seen, ["Buffer"]);
      assert.deepEqual(client.binary_mode, { rx: false, tx: false });
    } finally {
      await client.disconnect();
      await server.close();
    }
  });
});

describe("a sockhop@1.8.4 peer sees nothing new", () => {
  it("our default server: the 1.8.4 client is sent no handshake (its callback's answer is the first thing it gets)", async () => {
    await originalClientGetsOnlyTheAnswer({});
  });

  it("our default client: the 1.8.4 server gets only what the application sent", async () => {
    const peer = PeerProcess.start("original");
    const { port } = await peer.call("listen");
    const client = new SockhopClient({ port });
    try {
      await client.connect();
      const answer = await new Promise((resolve) =>
        client.send(new Widget({ a: 1 }), resolve)
      );
      assert.deepEqual(answer, { echo: { a: 1 }, type: "Widget" });
      // The peer's report comes through its stdout, which may lag the answer.
      await peer.event("receive");
      const received = peer.events.filter((e) => e.ev?.startsWith("receive"));
      assert.deepEqual(received.map((e) => e.type), ["Widget"]);
    } finally {
      await client.disconnect();
      await peer.close();
    }
  });
});
