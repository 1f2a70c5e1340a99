#!/usr/bin/env node
/**
 * A peer running the ORIGINAL sockhop@1.8.4 (from node_modules), driven by
 * the interop tests over stdin/stdout, one JSON object per line.
 *
 * Commands in: {"id": n, "cmd": "...", ...}. Every command gets one reply
 * out: {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error", "code"}.
 * What the original emits goes out as {"ev": "...", ...}.
 *
 *   listen                              -> {port}        start a server
 *   connect  {port}                     -> {}            start a client
 *   send     {data, as?, callback?}     -> {}            as: "Widget"|"Buffer"
 *   request  {data, as?, mode?, timeout?} -> {packets}   mode: "all"|"next"
 *   ping     {delay}                    -> {}
 *   status                              -> {connected, sockets, pings, answered}
 *   quit                                -> exits
 *
 * Behaviour as a responder: a receive that wants a callback is answered
 * with Widget {echo, type}; a request {count: n} is answered with n
 * packets ({i} objects, the last one a Widget {i, echo}), anything else
 * with one last packet Widget {echo, type}.
 *
 * The original client starts a setInterval in its constructor, so this
 * process only ends through process.exit ("quit" or stdin closing).
 */
"use strict";

const readline = require("node:readline");
const sockhop = require("sockhop");

/** A class whose name travels as the type label. */
class Widget {
  constructor(o = {}) {
    Object.assign(this, o);
  }
}

let server = null;
let client = null;

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function build(data, as) {
  if (as === "Widget") return new Widget(data);
  if (as === "Buffer") return Buffer.from(data);
  return data;
}

/** The object to send through: the client, or the server's first socket. */
function target() {
  if (client) {
    return {
      send: (o, cb) => client.send(o, cb),
      request: (o, cfg) => client.request(o, cfg),
      ping: (d) => client.ping(d),
    };
  }
  if (server) {
    const sock = server.sockets[0];
    return {
      send: (o, cb) => server.send(sock, o, cb),
      request: (o, cfg) => server.request(sock, o, cfg),
      ping: (d) => server.ping(d),
    };
  }
  throw new Error("neither listening nor connected");
}

function onReceive(data, meta) {
  out({ ev: "receive", data, type: meta.type, callback: !!meta.callback });
  if (meta.callback) meta.callback(new Widget({ echo: data, type: meta.type }));
}

async function onRequest(req, res) {
  out({ ev: "request", data: req.data, type: req.type, uuid: req.uuid });
  try {
    const count = req.data && typeof req.data.count === "number"
      ? req.data.count
      : 0;
    if (count < 1) {
      await res.send(new Widget({ echo: req.data, type: req.type }));
      return;
    }
    for (let i = 0; i < count - 1; i++) await res.write({ i });
    await res.send(new Widget({ i: count - 1, echo: req.data }));
  } catch (e) {
    out({ ev: "error", where: "respond", message: String(e) });
  }
}

function wire(emitter) {
  emitter.on("connect", () => out({ ev: "connect" }));
  emitter.on("disconnect", () => out({ ev: "disconnect" }));
  emitter.on("receive", onReceive);
  emitter.on("request", onRequest);
  emitter.on("error", (e) => {
    out({ ev: "error", message: String(e && e.message), code: e && e.code });
  });
}

function pingState() {
  let pings = [];
  if (client) pings = client.pings;
  if (server) { for (const list of server.pings.values()) pings.push(...list); }
  return {
    pings: pings.length,
    answered: pings.filter((p) => !p.unanswered()).length,
  };
}

const commands = {
  async listen() {
    server = new sockhop.server({ address: "127.0.0.1" });
    server.port = 0; // the constructor turns 0 into 50000; let the OS pick
    wire(server);
    await server.listen();
    return { port: server.server.address().port };
  },
  async connect({ port }) {
    client = new sockhop.client({ address: "127.0.0.1", port });
    wire(client);
    await client.connect();
    return {};
  },
  async send({ data, as, callback }) {
    const value = build(data, as);
    const cb = callback
      ? (d, meta) => out({ ev: "callback", data: d, type: meta.type })
      : undefined;
    await target().send(value, cb);
    return {};
  },
  async request({ data, as, mode, timeout }) {
    const stream = await target().request(build(data, as), { timeout });
    if (mode === "next") return { packets: [await stream.next()] };
    return { packets: await stream.all() };
  },
  ping({ delay }) {
    target().ping(delay);
    return {};
  },
  status() {
    return {
      connected: client ? client.connected : null,
      sockets: server ? server.sockets.length : null,
      ...pingState(),
    };
  },
  quit() {
    process.exit(0);
  },
};

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    out({ ev: "error", where: "driver", message: `bad command: ${line}` });
    return;
  }
  const run = commands[msg.cmd];
  try {
    if (!run) throw new Error(`unknown command ${msg.cmd}`);
    out({ id: msg.id, ok: true, ...(await run(msg)) });
  } catch (e) {
    out({
      id: msg.id,
      ok: false,
      error: String(e && e.message),
      code: e && e.code,
    });
  }
});
lines.on("close", () => process.exit(0));
