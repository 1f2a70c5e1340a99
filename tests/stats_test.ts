// stats() of clients, servers and sessions: messages and bytes both ways
// (bytes as UTF-8 on the wire), errors by code, pending callbacks and
// requests, reconnects, and connections accepted, refused and open, with
// totals that outlive the connections.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  SockhopClient,
  type SockhopResponseReadableStream,
  type SockhopResponseWriteableStream,
  SockhopServer,
  type SockhopSession,
} from "../mod.ts";
import { collect, freePort, once, waitFor } from "./helpers/util.ts";

/** The UTF-8 size of a frame as the default framing writes it. */
const frameBytes = (envelope: unknown) =>
  new TextEncoder().encode(JSON.stringify(envelope) + "\n").length;

/** A remote callback round trip: everything sent before it has arrived. */
function sync(client: SockhopClient): Promise<unknown> {
  return new Promise((resolve) => client.send("sync", resolve));
}

describe("stats()", () => {
  it("counts messages and UTF-8 bytes both ways, alike on both ends", async () => {
    const server = new SockhopServer({ port: 0 });
    server.on("receive", (_data, meta) => meta.callback?.("ok"));
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      assert.deepEqual(client.stats(), {
        messages_in: 0,
        messages_out: 0,
        bytes_in: 0,
        bytes_out: 0,
        errors: {},
        callbacks_pending: 0,
        requests_pending: 0,
        reconnects: 0,
        connect_errors: 0,
      });
      const [[, session]] = await Promise.all([
        once<[unknown, SockhopSession]>(server, "connect"),
        client.connect(),
      ]);
      const got = collect(server, "receive", 3);
      for (let i = 0; i < 3; i++) await client.send("héllo ✓");
      await got;
      const one = frameBytes({ type: "String", data: "héllo ✓" });
      assert.ok(one > '{"type":"String","data":"héllo ✓"}\n'.length);
      const sent = client.stats();
      assert.equal(sent.messages_out, 3);
      assert.equal(sent.bytes_out, 3 * one);
      const received = server.stats();
      assert.equal(received.messages_in, 3);
      assert.equal(received.bytes_in, 3 * one);
      assert.equal(received.messages_out, 0);

      await sync(client); // one frame out, its answer in
      const c = client.stats();
      const s = server.stats();
      assert.equal(c.messages_out, 4);
      assert.equal(c.messages_in, 1);
      assert.equal(s.messages_in, 4);
      assert.equal(s.messages_out, 1);
      assert.equal(s.bytes_in, c.bytes_out);
      assert.equal(s.bytes_out, c.bytes_in);
      assert.equal(c.callbacks_pending, 0);
      // The session's counts are its connection's: here, all the server's.
      const { connections_accepted, connections_open, ...perConn } = s;
      assert.equal(connections_accepted, 1);
      assert.equal(connections_open, 1);
      assert.deepEqual(session.stats(), {
        messages_in: perConn.messages_in,
        messages_out: perConn.messages_out,
        bytes_in: perConn.bytes_in,
        bytes_out: perConn.bytes_out,
        errors: {},
        callbacks_pending: 0,
        requests_pending: 0,
      });
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("counts remote callbacks and requests waiting for their answer", async () => {
    const server = new SockhopServer({ port: 0 });
    const answers: (() => void)[] = [];
    let res: SockhopResponseWriteableStream | undefined;
    server.on("receive", (_data, meta) => {
      if (meta.callback) answers.push(() => meta.callback!("late"));
    });
    server.on("request", (_req, r) => (res = r));
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      const answered = new Promise((r) => client.send("wait", r));
      const stream: SockhopResponseReadableStream = await client.request(
        "stream please",
      );
      await waitFor(() => answers.length === 1 && res !== undefined, 5000);
      assert.equal(client.stats().callbacks_pending, 1);
      assert.equal(client.stats().requests_pending, 1);
      answers[0]();
      await answered;
      await res!.send("done");
      await stream.all();
      assert.equal(client.stats().callbacks_pending, 0);
      assert.equal(client.stats().requests_pending, 0);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("keeps totals across reconnections and after clients leave", async () => {
    const server = new SockhopServer({ port: 0 });
    server.on("receive", (_data, meta) => meta.callback?.("ok"));
    await server.listen();
    const client = new SockhopClient({
      port: server.port,
      auto_reconnect_interval: 10,
    });
    const leftSessions: SockhopSession[] = [];
    server.on("disconnect", (_sock, session) => leftSessions.push(session));
    try {
      await client.start();
      await sync(client);
      const first = client.stats();
      const back = once(client, "reconnect");
      if (server.sockets.length === 0) await once(server, "connect");
      await server.kill_socket(server.sockets[0]);
      await back;
      await sync(client);
      const after = client.stats();
      assert.equal(after.reconnects, 1);
      assert.equal(after.messages_out, 2 * first.messages_out);
      assert.equal(after.bytes_in, 2 * first.bytes_in);

      await client.disconnect();
      await waitFor(() => leftSessions.length === 2, 5000, "both sessions");
      const s = server.stats();
      assert.equal(s.connections_accepted, 2);
      assert.equal(s.connections_open, 0);
      assert.equal(s.messages_in, 2);
      assert.equal(s.bytes_in, after.bytes_out);
      assert.equal(s.bytes_out, after.bytes_in);
      // A session that left keeps its final figures.
      assert.equal(leftSessions[0].stats().messages_in, 1);
      assert.equal(
        leftSessions[0].stats().bytes_in + leftSessions[1].stats().bytes_in,
        s.bytes_in,
      );
      assert.deepEqual(client.stats(), after);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("counts errors by code, on the server and on the session they concern", async () => {
    const server = new SockhopServer({ port: 0 });
    server.on("error", () => {});
    await server.listen();
    // A json peer sends bare JSON, which is no Sockhop envelope.
    const client = new SockhopClient({ port: server.port, peer_type: "json" });
    try {
      const [[, session]] = await Promise.all([
        once<[unknown, SockhopSession]>(server, "connect"),
        client.connect(),
      ]);
      const errors = collect(server, "error", 2);
      await client.send({ not: "an envelope" });
      await client.send({ nor: "this" });
      await errors;
      assert.deepEqual(server.stats().errors, { ERR_BAD_DATA: 2 });
      assert.deepEqual(session.stats().errors, { ERR_BAD_DATA: 2 });
      assert.equal(session.stats().messages_in, 2);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("counts connections refused over max_connections", async () => {
    const server = new SockhopServer({ port: 0, max_connections: 1 });
    server.on("error", () => {});
    await server.listen();
    const first = new SockhopClient({ port: server.port });
    const second = new SockhopClient({ port: server.port });
    try {
      await Promise.all([once(server, "connect"), first.connect()]);
      const refused = once(server, "error");
      await second.connect().catch(() => {});
      await refused;
      const s = server.stats();
      assert.equal(s.connections_refused, 1);
      assert.equal(s.connections_accepted, 1);
      assert.equal(s.connections_open, 1);
      assert.deepEqual(s.errors, { ERR_MAX_CONNECTIONS: 1 });
    } finally {
      await first.disconnect();
      await second.disconnect();
      await server.close();
    }
  });

  it("counts a client's failed automatic attempts", async () => {
    const client = new SockhopClient({
      port: await freePort(),
      auto_reconnect_interval: 10,
    });
    try {
      client.start().catch(() => {});
      await collect(client, "connect_error", 3);
      assert.ok(client.stats().connect_errors >= 3);
      assert.equal(client.stats().reconnects, 0);
    } finally {
      await client.disconnect();
    }
  });
});
