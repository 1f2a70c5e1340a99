/**
 * What makes the npm package a drop-in for the original `sockhop`, as a
 * Node script: the named classes, the original's `server`, `client`,
 * `session` and `error` aliases (identical to them; with `import`, on the
 * default export too), and Buffers for bytes (from `obj2buf` and on
 * receive). It exits 0 and prints `shape ok` when
 * all hold. Shared by `scripts/check_package.ts` (on the installed tarball)
 * and `tests/npm_package_test.ts` (on npm/).
 * @module
 */

/** The package name the script loads. */
export const PACKAGE = "@sockhop/sockhop";

/** The classes the package must export. */
export const CLASSES: readonly string[] = [
  "ObjectBuffer",
  "SockhopClient",
  "SockhopError",
  "SockhopPing",
  "SockhopPong",
  "SockhopRequest",
  "SockhopResponsePacket",
  "SockhopResponseReadableStream",
  "SockhopResponseWriteableStream",
  "SockhopServer",
  "SockhopSession",
  "TimedMap",
];

// `m` is the package, `assert` node:assert/strict, `Buffer` node:buffer's.
const checks = `
for (const name of ${JSON.stringify(CLASSES)}) {
  assert.equal(typeof m[name], "function", name + " is not exported");
}
assert.equal(m.server, m.SockhopServer, "server alias");
assert.equal(m.client, m.SockhopClient, "client alias");
assert.equal(m.session, m.SockhopSession, "session alias");
assert.equal(m.error, m.SockhopError, "error alias");
assert.ok(new m.error("x", "ERR_X") instanceof Error);
// Sockhop 2.x's names: Client and Server bring 2.1's defaults.
assert.ok(m.Client.prototype instanceof m.SockhopClient, "Client (2.x)");
assert.ok(m.Server.prototype instanceof m.SockhopServer, "Server (2.x)");
assert.equal(m.Session, m.SockhopSession, "Session alias (2.x)");
assert.equal(m.Error, m.SockhopError, "Error alias (2.x)");
const frame = new m.ObjectBuffer().obj2buf({ hello: "world" });
assert.ok(Buffer.isBuffer(frame), "obj2buf must give a Buffer in Node");
const server = new m.server({ port: 0 });
let client;
server.on("receive", (data, meta) => {
  assert.equal(meta.type, "Buffer");
  assert.ok(Buffer.isBuffer(data), "received bytes must be a Buffer");
  assert.deepEqual([...data], [1, 2, 3]);
  client.disconnect().then(() => server.close()).then(() =>
    console.log("shape ok: ${CLASSES.length} classes, 4 aliases, Buffers")
  );
});
server.listen().then(() => {
  client = new m.client({ port: server.port });
  return client.connect();
}).then(() => client.send(new Uint8Array([1, 2, 3])));
`;

/**
 * The drop-in check as a Node script that loads the package by name with
 * `require` ("commonjs") or `import` ("module").
 */
export function dropInScript(format: "commonjs" | "module"): string {
  const load = format === "commonjs"
    ? `const m = require("${PACKAGE}");
const assert = require("node:assert/strict");
const { Buffer } = require("node:buffer");`
    : `import * as m from "${PACKAGE}";
import Sockhop from "${PACKAGE}";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
for (const name of [...${
      JSON.stringify(CLASSES)
    }, "server", "client", "session", "error"]) {
  assert.equal(Sockhop[name], m[name], "default export: " + name);
}`;
  return load + "\n" + checks;
}
