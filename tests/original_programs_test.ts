/**
 * Programs written for sockhop 1.x run unchanged on the npm build: each
 * program below, in the original's style (CommonJS, `require("sockhop")`),
 * runs once with sockhop@1.8.4 (in Node, the reference) and once with this
 * project's npm build (in Node, or in Bun when the tests run in Bun), and
 * both must print the same, except where ours is asked to do better (a
 * connection's first message is never delivered before its `connect`).
 * @module
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runBeside, shown } from "./helpers/original_program.ts";

/** Lines every program starts with: `sockhop` and a port, from `PORT`. */
const PRELUDE = `"use strict";
const Sockhop = require("sockhop");
const port = Number(process.env.PORT);
const show = (o) =>
  JSON.stringify(o, (_k, v) => (v === undefined ? "undefined" : v));
`;

describe("programs for sockhop 1.8.4", () => {
  it("client.auto_reconnect = true connects and reconnects; false stops (point 1)", async () => {
    const program = PRELUDE + `
const server = new Sockhop.server({ port });
const client = new Sockhop.client({ port, auto_reconnect_interval: 50 });
let connects = 0;
console.log("before:", client.auto_reconnect);
client.auto_reconnect = true; // no server yet: keeps trying
console.log("set true:", client.auto_reconnect);
setTimeout(() => server.listen().then(() => console.log("listening")), 300);
client.on("connect", () => {
  connects++;
  console.log("client connect", connects);
  if (connects === 1) {
    server.disconnect();
  } else {
    client.auto_reconnect = false;
    console.log("set false:", client.auto_reconnect);
    server.disconnect();
    setTimeout(() => {
      console.log("connects:", connects, "connected:", client.connected);
      client.disconnect();
      server.close().then(() => process.exit(0));
    }, 500);
  }
});
client.on("disconnect", () => console.log("client disconnect"));
`;
    const { original, ours } = await runBeside(program);
    assert.equal(original.code, 0, shown(original));
    assert.equal(ours.code, 0, shown(ours));
    assert.deepEqual(ours.lines, original.lines, shown(ours));
    assert.deepEqual(original.lines, [
      "before: false",
      "set true: true",
      "listening",
      "client connect 1",
      "client disconnect",
      "client connect 2",
      "set false: false",
      "client disconnect",
      "connects: 2 connected: false",
    ]);
    // One warning, naming what to use instead.
    const warnings = ours.stderr.match(
      /auto_reconnect = \.\.\. is deprecated/g,
    );
    assert.equal(warnings?.length, 1, ours.stderr);
    assert.match(ours.stderr, /start\(\)/);
  });

  for (const where of ["tcp", "unix"]) {
    it(`the socket in events is socket-like, over ${where} (point 2)`, async () => {
      const program = PRELUDE + `
const path = ${
        where === "unix"
      } ? require("node:path").join(__dirname, "s.sock") : undefined;
const pick = (s) => show({
  remoteAddress: s.remoteAddress,
  remotePortIsServers: s.remotePort === port,
  remotePort: typeof s.remotePort,
  remoteFamily: s.remoteFamily,
  localAddress: s.localAddress,
  localPortIsServers: s.localPort === port,
  localPort: typeof s.localPort,
  readyState: s.readyState,
  destroyed: s.destroyed,
  methods: ["end", "destroy", "setNoDelay", "setKeepAlive"]
    .map((m) => typeof s[m]).join(),
});
const server = new Sockhop.server(path ? { path } : { port });
const client = new Sockhop.client(path ? { path } : { port });
let disconnects = 0;
let clientGone = false;
const finish = () => {
  if (disconnects !== 1 || !clientGone) return;
  setTimeout(() => {
    console.log("server disconnects:", disconnects, "sockets:", server.sockets.length);
    client.disconnect();
    server.close().then(() => process.exit(0));
  }, 100);
};
server.on("connect", (sock, session) => {
  console.log("server connect", pick(sock));
  console.log("server same handle:", session.sock === sock, server.sockets[0] === sock);
  console.log("server chainable:", sock.setNoDelay(true) === sock, sock.setKeepAlive(true, 1000) === sock);
});
server.on("receive", (data, meta) => {
  console.log("server receive", show(data), meta.socket === server.sockets[0]);
  if (data.n === 1) return meta.callback({ ok: 1 });
  meta.session.sock.end();
  console.log("server after end():", meta.socket.readyState, meta.socket.destroyed);
});
server.on("disconnect", (sock) => {
  disconnects++;
  console.log("server disconnect", pick(sock));
  console.log("server bytes:", sock.bytesRead > 0, sock.bytesWritten > 0);
  finish();
});
client.on("connect", (sock) => console.log("client connect", pick(sock)));
client.on("disconnect", () => {
  console.log("client disconnect");
  clientGone = true;
  finish();
});
server.listen().then(() => client.connect()).then(() =>
  client.send({ n: 1 }, () => client.send({ n: 2 }))
);
`;
      const { original, ours } = await runBeside(program);
      assert.equal(original.code, 0, shown(original));
      assert.equal(ours.code, 0, shown(ours));
      // Each end's events in the same order (not interleaved alike: the
      // original emits the server's disconnect on a timer).
      for (const end of ["client", "server"]) {
        const side = (lines: string[]) =>
          lines.filter((line) => line.startsWith(end));
        assert.deepEqual(side(ours.lines), side(original.lines), shown(ours));
      }
    });
  }

  it("connect events come after the client's connect(), and before the first message (point 3)", async () => {
    const program = PRELUDE + `
const log = [];
class Session extends Sockhop.session {
  async start() {
    log.push("session start");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const server = new Sockhop.server({ port, session_type: Session });
const peers = new Set();
// Done once both the connect event and the second message were seen, in
// whichever order the library emits them.
let seen = 0;
const finish = () => {
  if (++seen < 2) return;
  console.log(log.join("\\n"));
  client.disconnect();
  server.close().then(() => process.exit(0));
};
server.on("connect", (sock) => {
  log.push("server connect");
  peers.add(sock);
  finish();
});
server.on("receive", (data, meta) => {
  log.push("receive " + data.n + (peers.has(meta.socket) ? "" : " from an unknown peer"));
  if (data.n === 2) finish();
});
const client = new Sockhop.client({ port });
server.listen().then(() => client.connect()).then(() => {
  log.push("client connected");
  client.send({ n: 1 });
  client.send({ n: 2 });
});
`;
    const { original, ours } = await runBeside(program);
    assert.equal(original.code, 0, shown(original));
    assert.equal(ours.code, 0, shown(ours));
    // As with the original: the client's connect() resolves first.
    const before = (lines: string[], a: string, b: string) =>
      lines.indexOf(a) >= 0 && lines.indexOf(a) < lines.indexOf(b);
    assert.ok(
      before(original.lines, "client connected", "server connect"),
      shown(original),
    );
    // Better than the original: the session starts after the client's
    // connect() too, and nothing is received before `connect` ran.
    assert.deepEqual(ours.lines, [
      "client connected",
      "session start",
      "server connect",
      "receive 1",
      "receive 2",
    ], shown(ours));
  });

  it('import Sockhop from "sockhop" gives the original\'s shape (point 4)', async () => {
    const program = `
import Sockhop from "sockhop";
const names = ["server", "client", "session", "error"];
console.log(names.map((n) => n + ":" + typeof Sockhop[n]).join(" "));
const server = new Sockhop.server({ port: Number(process.env.PORT) });
await server.listen();
const client = new Sockhop.client({ port: Number(process.env.PORT) });
await client.connect();
console.log("error class:", new Sockhop.error("x", "ERR_X") instanceof Error);
client.disconnect();
await server.close();
process.exit(0);
`;
    const { original, ours } = await runBeside(program, { esm: true });
    assert.equal(original.code, 0, shown(original));
    assert.equal(ours.code, 0, shown(ours));
    assert.deepEqual(ours.lines, original.lines, shown(ours));
    assert.deepEqual(original.lines, [
      "server:function client:function session:function error:function",
      "error class: true",
    ]);
  });
});
