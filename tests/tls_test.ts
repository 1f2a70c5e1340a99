/**
 * TLS with this project on both ends (Deno with Deno under `deno test`,
 * Node with Node after the npm build): the same values, callbacks and
 * requests as over plain TCP, certificate and host name checks, clients
 * that do not speak TLS, and the options each runtime cannot honour.
 * Certificates are made at test time with openssl (tests/helpers/certs.ts).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import {
  SockhopClient,
  type SockhopClientOptions,
  SockhopServer,
  type SockhopServerOptions,
} from "../mod.ts";
import { makeTestCerts, type TestCerts } from "./helpers/certs.ts";
import {
  assertCallbacksBothWays,
  assertValuesDelivered,
  isCode,
  isDeno,
  once,
  type Pair,
  tempDir,
  Widget,
  withPair,
  withUnconnectedPair,
} from "./helpers/util.ts";

describe("TLS between two peers of this project", () => {
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs?.cleanup());

  /** Options of a TLS server with the test certificate. */
  const serverTls = (
    more: SockhopServerOptions = {},
  ): SockhopServerOptions => ({
    port: 0,
    ssl: true,
    ssl_options: { cert: certs.cert, key: certs.key },
    ...more,
  });

  /** Options of a TLS client trusting the test CA. */
  const clientTls = (
    port: number,
    ssl_options: SockhopClientOptions["ssl_options"] = {},
  ): SockhopClientOptions => ({
    port,
    ssl: true,
    ssl_options: { ca: certs.ca, ...ssl_options },
  });

  /** Runs `fn` on a TLS server and a TLS client connected to it. */
  const withTlsPair = (fn: (p: Pair) => Promise<void>) =>
    withPair(serverTls(), { ssl: true, ssl_options: { ca: certs.ca } }, fn);

  it("delivers values, Widgets and bytes both ways", async () => {
    await withTlsPair(async ({ server, client }) => {
      await assertValuesDelivered(server, client);

      const back = once(client, "receive");
      await server.sendall(new Widget("back", 3));
      const [data, meta] = await back;
      assert.deepEqual(data, { name: "back", teeth: 3 });
      assert.equal((meta as { type: string }).type, "Widget");
    });
  });

  it("runs remote callbacks both ways", async () => {
    await withTlsPair(async ({ server, client }) => {
      await assertCallbacksBothWays(server, client);
    });
  });

  it("streams a request's response packets", async () => {
    await withTlsPair(async ({ server, client }) => {
      server.on("request", async (req, res) => {
        const { n } = req.data as { n: number };
        for (let i = 0; i < n; i++) await res.write(new Widget("part", i));
        await res.send({ done: n });
      });
      const stream = await client.request({ n: 3 }, { timeout: 10_000 });
      assert.deepEqual(await stream.all(), [
        { data: { name: "part", teeth: 0 }, type: "Widget" },
        { data: { name: "part", teeth: 1 }, type: "Widget" },
        { data: { name: "part", teeth: 2 }, type: "Widget" },
        { data: { done: 3 }, type: "Object" },
      ]);
    });
  });

  it("reports addresses and connect/disconnect events as over TCP", async () => {
    const server = new SockhopServer(serverTls());
    await server.listen();
    const client = new SockhopClient(clientTls(server.port));
    const events: string[] = [];
    server.on("connect", () => events.push("server connect"));
    server.on("disconnect", () => events.push("server disconnect"));
    client.on("connect", () => events.push("client connect"));
    client.on("disconnect", () => events.push("client disconnect"));
    try {
      assert.equal(server.get_bound_address(), "127.0.0.1");
      assert.ok(server.port > 0);
      assert.equal(server.get_bound_port(), server.port);

      const serverSaw = once<[{ remoteAddr: { port?: number } }, unknown]>(
        server,
        "connect",
      );
      await client.connect();
      const [sock, session] = await serverSaw;
      assert.equal(client.connected, true);
      assert.equal(client.get_bound_address(), "127.0.0.1");
      assert.equal(server.sockets.length, 1);
      assert.equal(server.sockets[0], sock);
      assert.equal(server.sessions.length, 1);
      assert.equal(server.sessions[0], session);
      const local = client.socket?.localAddr;
      assert.equal(local?.transport, "tcp");
      assert.equal(
        sock.remoteAddr.port,
        local?.transport === "tcp" ? local.port : -1,
      );

      const serverGone = once(server, "disconnect");
      const clientGone = once(client, "disconnect");
      await client.disconnect();
      await Promise.all([serverGone, clientGone]);
      assert.equal(client.connected, false);
      assert.equal(server.sockets.length, 0);
    } finally {
      await client.disconnect();
      await server.close();
    }
    assert.deepEqual([...events].sort(), [
      "client connect",
      "client disconnect",
      "server connect",
      "server disconnect",
    ]);
  });

  it("checks the certificate against servername, not the address", async () => {
    const server = new SockhopServer(serverTls());
    await server.listen();
    const good = new SockhopClient(
      clientTls(server.port, { servername: "localhost" }),
    );
    const wrong = new SockhopClient(
      clientTls(server.port, { servername: "example.com" }),
    );
    try {
      assert.equal(good.address, "127.0.0.1");
      await good.connect();
      server.on("receive", (data, meta) => meta.callback?.([data, meta.type]));
      const reply = await new Promise((resolve) =>
        good.send(new Widget("sni"), (answer) => resolve(answer))
      );
      assert.deepEqual(reply, [{ name: "sni", teeth: 12 }, "Widget"]);

      await assert.rejects(wrong.connect(), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, /certificate/i);
        assert.doesNotMatch(e.message, /Timeout exceeded/);
        return true;
      });
      assert.equal(wrong.connected, false);
      assert.equal(server.sockets.length, 1);
    } finally {
      await good.disconnect();
      await wrong.disconnect();
      await server.close();
    }
  });

  it("fails to connect to a server it does not trust, leaving nothing open", async () => {
    const server = new SockhopServer(serverTls());
    await server.listen();
    let serverConnects = 0;
    server.on("connect", () => serverConnects++);
    server.on("error", () => {}); // a failed handshake may be reported; never thrown
    const untrusting = [
      new SockhopClient(clientTls(server.port, { ca: certs.otherCa })),
      // ssl: true alone trusts only the system's store
      new SockhopClient({ port: server.port, ssl: true }),
    ];
    try {
      for (const client of untrusting) {
        const clientConnects: unknown[] = [];
        client.on("connect", (s) => clientConnects.push(s));
        await assert.rejects(client.connect(), (e: unknown) => {
          assert.ok(e instanceof Error);
          assert.match(e.message, /certificate|issuer/i);
          assert.doesNotMatch(e.message, /Timeout exceeded/);
          return true;
        });
        assert.equal(client.connected, false);
        assert.equal(client.socket, null);
        assert.deepEqual(clientConnects, []);
        await assert.rejects(client.send({}), isCode("ERR_SOCKET_DESTROYED"));
      }
      assert.equal(serverConnects, 0);
      assert.equal(server.sockets.length, 0);

      // The server is unharmed and still serves a client that trusts it.
      const trusting = new SockhopClient(clientTls(server.port));
      try {
        const connected = once(server, "connect");
        await trusting.connect();
        await connected;
        assert.equal(serverConnects, 1);
        assert.equal(server.sockets.length, 1);
      } finally {
        await trusting.disconnect();
      }
    } finally {
      for (const client of untrusting) await client.disconnect();
      await server.close();
    }
  });

  it("drops clients that do not speak TLS and keeps serving", async () => {
    const server = new SockhopServer(serverTls());
    await server.listen();
    let serverConnects = 0;
    server.on("connect", () => serverConnects++);
    server.on("error", () => {});
    const plain = new SockhopClient({ port: server.port });
    plain.on("error", () => {}); // the server's TLS alert is not a frame
    let raw: Socket | undefined;
    try {
      // Our own client without ssl: TCP connects, the first message is
      // not a TLS handshake, so the server hangs up.
      await plain.connect();
      const dropped = once(plain, "disconnect", 10_000);
      await plain.send({ hello: "in clear" }).catch(() => {});
      await dropped;
      assert.equal(plain.connected, false);

      // A raw socket writing garbage is hung up on too.
      raw = netConnect({ host: "127.0.0.1", port: server.port });
      raw.on("error", () => {});
      raw.resume(); // read (and drop) the alert, so the hang-up is seen
      await once(raw, "connect");
      const closed = once(raw, "close", 10_000);
      raw.write("GET / HTTP/1.0\r\nHost: x\r\n\r\n\x00\x01garbage\n");
      await closed;

      assert.equal(serverConnects, 0);
      assert.equal(server.sockets.length, 0);

      const good = new SockhopClient(clientTls(server.port));
      try {
        const connected = once(server, "connect");
        await good.connect();
        await connected;
        server.on("receive", (data, meta) => meta.callback?.({ ok: data }));
        const reply = await new Promise((resolve) =>
          good.send("after the noise", (answer) => resolve(answer))
        );
        assert.deepEqual(reply, { ok: "after the noise" });
        assert.equal(serverConnects, 1);
      } finally {
        await good.disconnect();
      }
    } finally {
      raw?.destroy();
      await plain.disconnect();
      await server.close();
    }
  });

  it("rejects listen() on a TLS server without cert and key", async () => {
    const cases: SockhopServerOptions[] = [
      { port: 0, ssl: true },
      { port: 0, ssl_options: { cert: certs.cert } },
      { port: 0, ssl_options: { key: certs.key } },
    ];
    for (const opts of cases) {
      const server = new SockhopServer(opts);
      try {
        await assert.rejects(server.listen(), isCode("ERR_TLS_OPTION"));
        assert.equal(server.get_bound_address(), undefined);
      } finally {
        await server.close();
      }
    }
  });

  it("turns TLS on for any ssl_options key, even without ssl: true", async () => {
    await withUnconnectedPair({
      ssl_options: { cert: certs.cert, key: certs.key },
    }, {
      ssl_options: { ca: certs.ca },
    }, async ({ server, client }) => {
      await client.connect();
      server.on("receive", (data, meta) => meta.callback?.(data));
      const reply = await new Promise((resolve) =>
        client.send({ one: "key" }, (answer) => resolve(answer))
      );
      assert.deepEqual(reply, { one: "key" });
    });
  });

  if (isDeno) {
    it("Deno: refuses TLS over a Unix socket with ERR_TLS_OPTION", async () => {
      const { dir, cleanup } = tempDir();
      const path = `${dir}/tls.sock`;
      const tlsServer = new SockhopServer(serverTls({ path }));
      const plainServer = new SockhopServer({ path });
      const client = new SockhopClient({ ...clientTls(0), path });
      try {
        await assert.rejects(tlsServer.listen(), isCode("ERR_TLS_OPTION"));
        // Nor does a client upgrade a Unix socket, even to a live server.
        await plainServer.listen();
        let connects = 0;
        plainServer.on("connect", () => connects++);
        await assert.rejects(client.connect(), isCode("ERR_TLS_OPTION"));
        assert.equal(client.connected, false);
        assert.equal(connects, 0);
      } finally {
        await client.disconnect();
        await tlsServer.close();
        await plainServer.close();
        cleanup();
      }
    });

    it("Deno: refuses options it cannot honour with ERR_TLS_OPTION", async () => {
      const server = new SockhopServer(serverTls());
      await server.listen();
      let connects = 0;
      server.on("connect", () => connects++);
      const clients = [
        // Deno always verifies the certificate chain.
        new SockhopClient(
          clientTls(server.port, { rejectUnauthorized: false }),
        ),
        // An option with no Deno counterpart is an error, not ignored.
        new SockhopClient(clientTls(server.port, { ciphers: "HIGH" })),
      ];
      try {
        for (const client of clients) {
          await assert.rejects(client.connect(), isCode("ERR_TLS_OPTION"));
          assert.equal(client.connected, false);
        }
        const odd = new SockhopServer(
          serverTls({
            ssl_options: { ...serverTls().ssl_options, ciphers: "HIGH" },
          }),
        );
        await assert.rejects(odd.listen(), isCode("ERR_TLS_OPTION"));
        await odd.close();
        assert.equal(connects, 0);
      } finally {
        for (const client of clients) await client.disconnect();
        await server.close();
      }
    });
  } else {
    it("Node: carries TLS over a Unix socket", async () => {
      const { dir, cleanup } = tempDir();
      const path = `${dir}/tls.sock`;
      const server = new SockhopServer(serverTls({ path }));
      const client = new SockhopClient({ ...clientTls(0), path });
      const plain = new SockhopClient({ path });
      plain.on("error", () => {});
      try {
        await server.listen();
        assert.equal(server.get_bound_address(), path);
        const connected = once<[{ socket?: { encrypted?: boolean } }]>(
          server,
          "connect",
        );
        await client.connect();
        const [serverSide] = await connected;
        // Both ends really are TLS sockets (the Node transport's escape hatch).
        assert.equal(serverSide.socket?.encrypted, true);
        const clientSide = client.socket as {
          socket?: { encrypted?: boolean };
        };
        assert.equal(clientSide.socket?.encrypted, true);

        server.on(
          "receive",
          (data, meta) => meta.callback?.([data, meta.type]),
        );
        const reply = await new Promise((resolve) =>
          client.send(new Widget("unix"), (answer) => resolve(answer))
        );
        assert.deepEqual(reply, [{ name: "unix", teeth: 12 }, "Widget"]);

        // A client speaking clear text on that path is hung up on.
        await plain.connect();
        const dropped = once(plain, "disconnect", 10_000);
        await plain.send({ clear: true }).catch(() => {});
        await dropped;
        assert.equal(server.sockets.length, 1);
      } finally {
        await plain.disconnect();
        await client.disconnect();
        await server.close();
        cleanup();
      }
    });

    it("Node: passes Node's own TLS options through", async () => {
      const server = new SockhopServer(serverTls());
      await server.listen();
      // No CA given: only rejectUnauthorized: false lets this one in.
      const client = new SockhopClient({
        port: server.port,
        ssl_options: { rejectUnauthorized: false, minVersion: "TLSv1.3" },
      });
      try {
        await client.connect();
        const sock = (client.socket as {
          socket?: { authorized?: boolean; getProtocol?: () => string | null };
        }).socket;
        assert.equal(sock?.authorized, false);
        assert.equal(sock?.getProtocol?.(), "TLSv1.3");
        server.on("receive", (data, meta) => meta.callback?.(data));
        const reply = await new Promise((resolve) =>
          client.send("unverified", (answer) => resolve(answer))
        );
        assert.equal(reply, "unverified");
      } finally {
        await client.disconnect();
        await server.close();
      }
    });
  }
});
