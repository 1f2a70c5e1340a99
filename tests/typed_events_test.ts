// Typed events: the @ts-expect-error lines are checked by `deno check
// tests/` (part of the test task), so a regression in the event typing fails
// the build; the runtime tests pin the per-type `receive:<Type>` events.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer } from "../mod.ts";
import { once, withPair } from "./helpers/util.ts";

class Widget {
  constructor(public name = "gear") {}
}

/** Never called: only compiled, to pin the event typings. */
export function typingsCompile(): void {
  const client = new SockhopClient();
  client.on("connect", (sock) => sock.remoteAddr);
  // @ts-expect-error: no such event
  client.on("conect", () => {});
  // @ts-expect-error: connect_error passes an Error
  client.on("connect_error", (e: number) => e);
  client.on("receive:Widget", (_data, meta) => meta.type);
  const server = new SockhopServer();
  server.on("receive", (_data, meta) => meta.session.id);
  server.on("request", (req, res, meta) => res.send([req.uuid, meta.socket]));
  // @ts-expect-error: a server's connect passes (sock, session)
  server.on("connect", (_sock, session: number) => session);
  // Error listeners read a code without a cast (a SockhopError's, or Node's).
  const codes: (string | undefined)[] = [];
  client.on("error", (e) => codes.push(e.code));
  client.on("connect_error", (e) => codes.push(e.code));
  server.on(
    "error",
    (e, sock) => codes.push(e.code, sock?.peerCertificate?.fingerprint256),
  );
  server.on("connect", (_sock, session) => session.peer_certificate?.subject);
}

describe("per-type receive events", () => {
  it("emits receive:<Type> on the server alongside receive", async () => {
    await withPair(async ({ server, client }) => {
      const widgets: unknown[] = [];
      server.on("receive:Widget", (data) => widgets.push(data));
      const all = new Promise<void>((resolve) => {
        let n = 0;
        server.on("receive", () => ++n === 3 && resolve());
      });
      await client.send("not a widget");
      await client.send(new Widget("a"));
      await client.send({ plain: true });
      await all;
      assert.deepEqual(widgets, [{ name: "a" }]);
    });
  });

  it("emits receive:<Type> on the client, with the callback in meta", async () => {
    await withPair(async ({ server, client }) => {
      client.on("receive:Widget", (data, meta) => meta.callback?.([data.name]));
      const answer = await new Promise((resolve) =>
        server.send(
          server.sockets[0],
          new Widget("b"),
          (reply) => resolve(reply),
        )
      );
      assert.deepEqual(answer, ["b"]);
      const got = once(client, "receive:Array");
      await server.send(server.sockets[0], [1, 2]);
      assert.deepEqual((await got)[0], [1, 2]);
    });
  });
});
