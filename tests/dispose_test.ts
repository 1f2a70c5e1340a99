// Explicit resource management: `await using` closes servers and
// disconnects clients when their scope ends.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer } from "../mod.ts";
import { once } from "./helpers/util.ts";

describe("Symbol.asyncDispose", () => {
  it("await using closes the server and disconnects the client at scope end", async () => {
    let server: SockhopServer;
    let client: SockhopClient;
    let port: number;
    {
      await using s = new SockhopServer({ port: 0 });
      await s.listen();
      port = s.port;
      await using c = new SockhopClient({ port });
      const joined = once(s, "connect");
      await c.connect();
      await joined;
      server = s;
      client = c;
      assert.equal(client.connected, true);
      assert.equal(server.sockets.length, 1);
    }
    assert.equal(client.connected, false);
    assert.equal(server.sockets.length, 0);
    await assert.rejects(
      new SockhopClient({ port }).connect(),
      /ECONNREFUSED/,
    );
  });

  it("a throw inside the scope still releases both ends", async () => {
    let server: SockhopServer | undefined;
    let client: SockhopClient | undefined;
    await assert.rejects(async () => {
      await using s = new SockhopServer({ port: 0 });
      await s.listen();
      await using c = new SockhopClient({ port: s.port });
      await c.connect();
      server = s;
      client = c;
      throw new Error("boom");
    }, /boom/);
    assert.equal(client?.connected, false);
    assert.equal(server?.get_bound_port(), undefined);
  });
});
