/**
 * A Sockhop peer in a child process, driven by the interop tests over
 * stdin/stdout, one JSON object per line. One script for every library,
 * runtime and transport:
 *
 *   node scripts/peers/peer.mjs original     sockhop@1.8.4 from node_modules
 *   node scripts/peers/peer.mjs npm          this project's npm build (npm/)
 *   deno run -A scripts/peers/peer.mjs source   this project's mod.ts
 *
 * Commands in: {"id": n, "cmd": "...", ...}. Every command gets one reply
 * out: {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error", "code"}.
 * What the library emits goes out as {"ev": "...", ...}.
 *
 *   listen   {path?, tls?, mtls?}         -> {port}      start a server
 *   connect  {port?, path?, tls?, flagless?, clientCert?} -> {}  start a client
 *   send     {data, as?, callback?}       -> {}          as: "Widget"|"Buffer"
 *   request  {data, as?, mode?, timeout?} -> {packets}   mode: "all"|"next"
 *   ping     {delay}                      -> {}
 *   status                                -> {connected, sockets, pings, answered}
 *   quit                                  -> exits
 *
 * `path` is a Unix socket; `tls` is a folder with ca.pem, server.pem and
 * server.key (tests/helpers/certs.ts): a server uses the certificate, a
 * client trusts the CA and checks the name "localhost". "flagless" passes
 * the client's ssl_options without `ssl: true` (the original turns TLS on
 * for more than one option key). The original's server has no TLS.
 * Mutual TLS: "mtls" makes the server ask for client certificates from
 * ca.pem; "clientCert" makes the client present client.pem / client.key.
 * A server's "connect" event carries the client certificate's subject
 * (`subject`, null without one).
 *
 * "Buffer" values are a Node Buffer in Node and a Uint8Array in Deno.
 * Received bytes (Uint8Array, Buffer) go out as {bytes: [...], class}, so
 * tests can tell what the library handed over.
 *
 * Behaviour as a responder: a receive that wants a callback is answered
 * with Widget {echo, type}; a request {count: n} is answered with n
 * packets ({i} objects, the last one a Widget {i, echo}), anything else
 * with one last packet Widget {echo, type}.
 *
 * The original client starts a setInterval in its constructor, so this
 * process only ends through process.exit ("quit" or stdin closing).
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";

const which = globalThis.Deno?.args[0] ?? process.argv[2];
const isDeno = "Deno" in globalThis;

let lib;
if (which === "source") {
  lib = await import("../../mod.ts");
} else if (which === "npm") {
  lib = await import("../../npm/esm/mod.js");
} else if (which === "original") {
  lib = createRequire(import.meta.url)("sockhop");
} else {
  throw new Error(`unknown library "${which}" (source, npm or original)`);
}
const original = which === "original";

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
  if (as === "Buffer") return isDeno ? new Uint8Array(data) : Buffer.from(data);
  return data;
}

/** Bytes as JSON that says what they were; anything else as it is. */
function plain(v) {
  return v instanceof Uint8Array
    ? { bytes: [...v], class: Buffer.isBuffer(v) ? "Buffer" : "Uint8Array" }
    : v;
}

const pem = (dir, name) => readFileSync(join(dir, name), "utf8");

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
  out({
    ev: "receive",
    data: plain(data),
    type: meta.type,
    callback: !!meta.callback,
  });
  if (meta.callback) meta.callback(new Widget({ echo: data, type: meta.type }));
}

async function onRequest(req, res) {
  out({ ev: "request", data: plain(req.data), type: req.type, uuid: req.uuid });
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
  emitter.on("connect", (_sock, session) =>
    out({
      ev: "connect",
      subject: session?.peer_certificate?.subject ?? null,
    }));
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
  // Only the original shows a server's pings (a Map of socket to pings).
  if (server?.pings instanceof Map) {
    for (const list of server.pings.values()) pings.push(...list);
  }
  return {
    pings: pings.length,
    answered: pings.filter((p) => !p.unanswered()).length,
  };
}

const commands = {
  async listen({ path, tls, mtls }) {
    const opts = path ? { path } : { address: "127.0.0.1", port: 0 };
    if (tls) {
      if (original) throw new Error("the original's server has no TLS");
      opts.ssl = true;
      opts.ssl_options = {
        cert: pem(tls, "server.pem"),
        key: pem(tls, "server.key"),
      };
      if (mtls) {
        opts.ssl_options.ca = pem(tls, "ca.pem");
        opts.ssl_options.requestCert = true;
      }
    }
    server = new lib.server(opts);
    // The original's constructor turns 0 into 50000; let the OS pick.
    if (original && !path) server.port = 0;
    wire(server);
    await server.listen();
    if (path) return {};
    return { port: original ? server.server.address().port : server.port };
  },
  async connect({ port, path, tls, flagless, clientCert }) {
    const opts = path ? { path } : { address: "127.0.0.1", port };
    if (tls) {
      opts.ssl_options = { ca: pem(tls, "ca.pem"), servername: "localhost" };
      if (clientCert) {
        opts.ssl_options.cert = pem(tls, "client.pem");
        opts.ssl_options.key = pem(tls, "client.key");
      }
      if (!flagless) opts.ssl = true;
    }
    client = new lib.client(opts);
    wire(client);
    await client.connect();
    return {};
  },
  async send({ data, as, callback }) {
    const value = build(data, as);
    const cb = callback
      ? (d, meta) => out({ ev: "callback", data: plain(d), type: meta.type })
      : undefined;
    await target().send(value, cb);
    return {};
  },
  async request({ data, as, mode, timeout }) {
    const stream = await target().request(build(data, as), { timeout });
    const packets = mode === "next"
      ? [await stream.next()]
      : await stream.all();
    return { packets: packets.map((p) => ({ ...p, data: plain(p.data) })) };
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
  async quit() {
    // Close what is open (bounded), then end: the original keeps timers.
    const closing = Promise.allSettled([client?.disconnect(), server?.close()]);
    await Promise.race([closing, new Promise((r) => setTimeout(r, 1000))]);
    process.exit(0);
  },
};

const lines = createInterface({ input: process.stdin });
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
lines.on("close", () => commands.quit());
