/**
 * `session.server` is the server, as in the original: what users reach
 * through it (sendall, sockets, sessions, get_session, events, ...)
 * compiles without a cast. The type check of this file is the test; the
 * run checks that the calls reach the server.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopSession, type SockhopSocket } from "../mod.ts";
import { once, waitFor, withUnconnectedPair } from "./helpers/util.ts";

describe("session.server", () => {
  it("reaches the server's public surface without a cast", async () => {
    const left: string[] = [];
    class Room extends SockhopSession {
      override start(): Promise<void> {
        // No cast: these compile against the session's own view.
        const server = this.server;
        server.on(
          "disconnect",
          (_sock: SockhopSocket, session: SockhopSession) => {
            left.push(session.id);
          },
        );
        assert.equal(server.sessions.length, 0); // not registered yet
        assert.equal(typeof server.get_bound_port(), "number");
        return Promise.resolve();
      }
    }
    await withUnconnectedPair(
      { session_type: Room },
      async ({ server, client }) => {
        const joined = once<[SockhopSocket, SockhopSession]>(server, "connect");
        const hello = once<[unknown]>(client, "receive");
        await client.connect();
        const [sock, session] = await joined;
        const host = session.server;
        assert.equal(host, server);
        assert.deepEqual(host.sockets, [sock]);
        assert.deepEqual(host.sessions, [session]);
        assert.equal(host.get_session(session.id), session);
        assert.equal(host.port, server.port);
        assert.equal(host.address, "127.0.0.1");
        assert.equal(host.path, null);
        assert.equal(host.get_bound_address(), "127.0.0.1");
        assert.ok(host.listenerCount("disconnect") >= 1);
        await host.sendall("to everyone");
        assert.equal((await hello)[0], "to everyone");
        host.ping(0);
        await host.kill_socket(sock);
        await waitFor(() => left.length > 0, 5000, "the disconnect listener");
        assert.deepEqual(left, [session.id]);
      },
    );
  });
});
