// A TLS peer for the cross-runtime tests (tests/tls_interop_test.ts),
// driven through JSON lines: it writes {"ev": ...} objects on stdout and
// ends (disconnecting first) when stdin closes or reads "quit".
//
//   deno run -A scripts/peers/tls_peer.mjs source   <mode> <certdir> [port]
//   node scripts/peers/tls_peer.mjs        npm      <mode> <certdir> [port]
//   node scripts/peers/tls_peer.mjs        original client <certdir> <port> [flagless]
//
// Libraries: "source" is this project (mod.ts, Deno transport), "npm" its
// build in npm/ (Node transport), "original" sockhop@1.8.4 from
// node_modules (a client only: the original's server has no TLS).
// <certdir> holds ca.pem, server.pem and server.key (tests/helpers/certs.ts).
//
// mode "server": a TLS server on 127.0.0.1, port 0. Writes "listening"
//   {port, address}; on each connection writes "connect" and pushes a
//   Widget {hello: <runtime>} to the client.
// mode "client": a TLS client to 127.0.0.1:<port> trusting ca.pem and
//   checking the name "localhost" (servername). Writes "connect" {address},
//   then sends Widget {from: <runtime>} with a remote callback ("callback"
//   {data, type}), then requests {count: 3} ("packets" [...]), then "ready".
//   "flagless" (original only) passes ssl_options {ca, servername} without
//   ssl: true: the original turns TLS on for more than one option key.
// Either way it answers like this: every "receive" is written out and a
// wanted callback is answered with Widget {echo: data, type}; a request
// {count: n} gets n - 1 packets Widget {i} and a last {done: n, runtime}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";

const args = globalThis.Deno?.args ?? process.argv.slice(2);
const [which, mode, certDir, port, variant] = args;
const runtime = globalThis.Deno ? "deno" : "node";

/** A class whose name travels as the type label. */
class Widget {
  constructor(fields) {
    Object.assign(this, fields);
  }
}

function out(ev, fields = {}) {
  process.stdout.write(JSON.stringify({ ev, ...fields }) + "\n");
}

let lib;
if (which === "source") {
  lib = await import("../../mod.ts");
} else if (which === "npm") {
  lib = await import("../../npm/esm/mod.js");
} else if (which === "original") {
  lib = createRequire(import.meta.url)("sockhop");
} else {
  throw new Error(`unknown library "${which}"`);
}

const pem = (name) => readFileSync(join(certDir, name), "utf8");

function onReceive(data, meta) {
  out("receive", { data, type: meta.type });
  if (meta.callback) meta.callback(new Widget({ echo: data, type: meta.type }));
}

async function onRequest(req, res) {
  const n = req.data?.count ?? 1;
  for (let i = 0; i < n - 1; i++) await res.write(new Widget({ i }));
  await res.send({ done: n, runtime });
}

/** The peer's own object: closed when told to quit. */
let self;

async function runServer() {
  const server = new lib.server({
    port: 0,
    ssl: true,
    ssl_options: { cert: pem("server.pem"), key: pem("server.key") },
  });
  self = { close: () => server.close() };
  server.on("connect", (sock) => {
    out("connect");
    server.send(sock, new Widget({ hello: runtime })).catch((e) =>
      out("error", { message: String(e?.message) })
    );
  });
  server.on("disconnect", () => out("disconnect"));
  server.on("receive", onReceive);
  server.on("request", onRequest);
  server.on("error", (e) => out("error", { message: String(e?.message) }));
  await server.listen();
  out("listening", { port: server.port, address: server.get_bound_address() });
}

async function runClient() {
  const ssl_options = { ca: pem("ca.pem"), servername: "localhost" };
  const client = new lib.client(
    variant === "flagless"
      ? { port: Number(port), ssl_options }
      : { port: Number(port), ssl: true, ssl_options },
  );
  self = { close: () => client.disconnect() };
  client.on("disconnect", () => out("disconnect"));
  client.on("receive", onReceive);
  client.on("request", onRequest);
  client.on("error", (e) => out("error", { message: String(e?.message) }));
  try {
    await client.connect();
  } catch (e) {
    out("connect_failed", { message: String(e?.message), code: e?.code });
    return;
  }
  out("connect", { address: client.get_bound_address() });
  await new Promise((resolve) => {
    client.send(new Widget({ from: runtime }), (data, meta) => {
      out("callback", { data, type: meta.type });
      resolve();
    });
  });
  const stream = await client.request({ count: 3 }, { timeout: 20000 });
  out("packets", { packets: await stream.all() });
  out("ready");
}

async function quit() {
  try {
    await self?.close();
  } finally {
    out("bye");
    // The original client keeps an interval timer; end explicitly.
    process.exit(0);
  }
}

createInterface({ input: process.stdin })
  .on("line", (line) => line.trim() === "quit" && quit())
  .on("close", quit);

if (mode === "server") await runServer();
else if (mode === "client") await runClient();
else throw new Error(`unknown mode "${mode}"`);
