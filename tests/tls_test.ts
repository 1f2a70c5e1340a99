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
  type Conn,
  SockhopClient,
  type SockhopClientOptions,
  SockhopServer,
  type SockhopServerOptions,
  type SockhopSession,
  type SockhopSocket,
} from "../mod.ts";
import { makeTestCerts, type TestCerts } from "./helpers/certs.ts";
import {
  assertCallbacksBothWays,
  assertValuesDelivered,
  collect,
  isCode,
  isDeno,
  once,
  type Pair,
  sleep,
  tempDir,
  waitFor,
  Widget,
  withPair,
  withUnconnectedPair,
} from "./helpers/util.ts";

/** Matches an error with this `code`, of any class (Node's own, too). */
const isErrCode = (code: string) => (e: unknown) => {
  assert.equal((e as { code?: string }).code, code, String(e));
  return true;
};

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

  it("carries TLS over a Unix socket path", async () => {
    const { dir, cleanup } = tempDir();
    const path = `${dir}/tls.sock`;
    const server = new SockhopServer(serverTls({ path }));
    const client = new SockhopClient({ ...clientTls(0), path });
    const doubting = new SockhopClient({
      ...clientTls(0, { ca: certs.otherCa }),
      path,
    });
    const plain = new SockhopClient({ path });
    plain.on("error", () => {});
    server.on("error", () => {}); // the refused handshakes below
    try {
      await server.listen();
      assert.equal(server.get_bound_address(), path);
      const connected = once(server, "connect");
      await client.connect();
      await connected;
      server.on(
        "receive",
        (data, meta) => meta.callback?.([data, meta.type]),
      );
      const reply = await new Promise((resolve) =>
        client.send(new Widget("unix"), (answer) => resolve(answer))
      );
      assert.deepEqual(reply, [{ name: "unix", teeth: 12 }, "Widget"]);

      // The certificate is checked on a path too.
      await assert.rejects(
        doubting.connect(),
        isErrCode("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
      );
      // A client speaking clear text on that path is hung up on.
      await plain.connect();
      const dropped = once(plain, "disconnect", 10_000);
      await plain.send({ clear: true }).catch(() => {});
      await dropped;
      assert.equal(server.sockets.length, 1);
    } finally {
      await plain.disconnect();
      await doubting.disconnect();
      await client.disconnect();
      await server.close();
      cleanup();
    }
  });

  it("connects without verifying when rejectUnauthorized is false", async () => {
    const server = new SockhopServer(serverTls());
    await server.listen();
    server.on("error", () => {});
    // No CA given: only rejectUnauthorized: false lets this one in.
    const unverified = new SockhopClient({
      port: server.port,
      ssl_options: { rejectUnauthorized: false },
    });
    const verified = new SockhopClient({ port: server.port, ssl: true });
    try {
      await assert.rejects(
        verified.connect(),
        isErrCode("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
      );
      await unverified.connect();
      server.on("receive", (data, meta) => meta.callback?.(data));
      const reply = await new Promise((resolve) =>
        unverified.send("unverified", (answer) => resolve(answer))
      );
      assert.equal(reply, "unverified");
    } finally {
      await verified.disconnect();
      await unverified.disconnect();
      await server.close();
    }
  });

  it("rejects certificate failures with Node's codes", async () => {
    const server = new SockhopServer(serverTls());
    await server.listen();
    server.on("error", () => {});
    const cases: [SockhopClientOptions["ssl_options"], string][] = [
      [{ ca: certs.otherCa }, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
      [
        { ca: certs.ca, servername: "example.com" },
        "ERR_TLS_CERT_ALTNAME_INVALID",
      ],
    ];
    try {
      for (const [ssl_options, code] of cases) {
        const client = new SockhopClient({ port: server.port, ssl_options });
        try {
          await assert.rejects(client.connect(), isErrCode(code));
        } finally {
          await client.disconnect();
        }
      }
    } finally {
      await server.close();
    }
  });

  it("rejects a host name that does not resolve with Node's code", async () => {
    for (const ssl of [false, true]) {
      const client = new SockhopClient({
        address: "no-such-host.invalid",
        port: 443,
        ssl,
        connect_timeout: 20_000,
      });
      try {
        await assert.rejects(client.connect(), (e: unknown) => {
          const err = e as { code?: string; syscall?: string; message: string };
          // ENOTFOUND, or EAI_AGAIN where no resolver answers at all.
          assert.match(err.code ?? "", /^(ENOTFOUND|EAI_AGAIN)$/);
          assert.equal(err.syscall, "getaddrinfo");
          assert.match(err.message, /^getaddrinfo (ENOTFOUND|EAI_AGAIN) /);
          return true;
        });
      } finally {
        await client.disconnect();
      }
    }
  });

  it("a CA certificate as the server's own is accepted, as in Node", async () => {
    const server = new SockhopServer({
      port: 0,
      ssl_options: { cert: certs.caAsLeafCert, key: certs.caAsLeafKey },
    });
    await server.listen();
    server.on("error", () => {});
    const client = new SockhopClient({
      port: server.port,
      ssl_options: { ca: certs.caAsLeafCert },
    });
    try {
      await client.connect();
      assert.equal(client.connected, true);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("closes every connection that never finishes its handshake", async () => {
    const stalled = 20;
    const limit = 300;
    const server = new SockhopServer(
      serverTls({ tls_handshake_timeout: limit }),
    );
    const codes: string[] = [];
    server.on("error", (e, sock) => {
      if (sock === null) codes.push(e.code ?? "no code");
    });
    await server.listen();
    const raws: Socket[] = [];
    let closedByServer = 0;
    try {
      // TCP connections that never send a ClientHello.
      for (let i = 0; i < stalled; i++) {
        const raw = netConnect({ host: "127.0.0.1", port: server.port });
        raw.on("error", () => {});
        raw.on("close", () => closedByServer++);
        raw.resume();
        raws.push(raw);
      }
      await waitFor(
        () => closedByServer === stalled,
        limit + 10_000,
        `the server closing ${stalled} stalled handshakes (${closedByServer})`,
      );
      await waitFor(() => codes.length === stalled, 5000, "error events");
      assert.deepEqual([...new Set(codes)], ["ERR_TLS_HANDSHAKE_TIMEOUT"]);
      assert.equal(server.sockets.length, 0);

      // And it still serves a real client.
      const client = new SockhopClient(clientTls(server.port));
      try {
        await client.connect();
        server.on("receive", (data, meta) => meta.callback?.(data));
        const reply = await new Promise((resolve) =>
          client.send("after the stall", (answer) => resolve(answer))
        );
        assert.equal(reply, "after the stall");
      } finally {
        await client.disconnect();
      }
    } finally {
      for (const raw of raws) raw.destroy();
      await server.close();
    }
  });

  describe("mutual TLS (requestCert and ca)", () => {
    /** A server that asks for client certificates from the test CA. */
    const mtlsServer = (
      ssl_options: SockhopServerOptions["ssl_options"] = {},
      more: SockhopServerOptions = {},
    ) =>
      new SockhopServer(serverTls({
        ssl_options: {
          cert: certs.cert,
          key: certs.key,
          ca: certs.ca,
          requestCert: true,
          ...ssl_options,
        },
        ...more,
      }));

    const withCert = (port: number, cert: string, key: string) =>
      new SockhopClient(clientTls(port, { cert, key }));

    it("accepts a client certificate from the CA and shows its subject", async () => {
      const server = mtlsServer();
      await server.listen();
      const client = withCert(server.port, certs.clientCert, certs.clientKey);
      try {
        const connected = once<[SockhopSocket, SockhopSession]>(
          server,
          "connect",
        );
        await client.connect();
        const [sock, session] = await connected;
        assert.equal(
          session.peer_certificate?.subject.CN,
          "Sockhop Test Client",
        );
        assert.equal(session.peer_certificate?.subject.O, "Sockhop Tests");
        assert.equal(session.peer_certificate?.issuer.CN, "Sockhop Test CA");
        assert.equal(sock.peerCertificate, session.peer_certificate);
        assert.match(
          sock.peerCertificate?.fingerprint256 ?? "",
          /^[0-9A-F:]+$/,
        );
        server.on("receive", (data, meta) => meta.callback?.(data));
        const reply = await new Promise((resolve) =>
          client.send("with a certificate", (answer) => resolve(answer))
        );
        assert.equal(reply, "with a certificate");
      } finally {
        await client.disconnect();
        await server.close();
      }
    });

    it("speaks TLS 1.2 by default, TLS 1.3 when maxVersion says so", async () => {
      const protocols: (string | null)[] = [];
      for (const maxVersion of [undefined, "TLSv1.3"]) {
        const server = mtlsServer(maxVersion ? { maxVersion } : {});
        await server.listen();
        const client = withCert(server.port, certs.clientCert, certs.clientKey);
        try {
          const connected = once<[SockhopSocket, SockhopSession]>(
            server,
            "connect",
          );
          await client.connect();
          const [sock] = await connected;
          const tls = (sock._conn as Conn & {
            socket?: { getProtocol(): string };
          }).socket;
          protocols.push(tls?.getProtocol() ?? null);
        } finally {
          await client.disconnect();
          await server.close();
        }
      }
      assert.deepEqual(protocols, ["TLSv1.2", "TLSv1.3"]);
    });

    it("refuses a client without a certificate, and both sides say so", async () => {
      const server = mtlsServer();
      await server.listen();
      const serverErrors: string[] = [];
      let connects = 0;
      server.on("error", (e) => serverErrors.push(e.code ?? "no code"));
      server.on("connect", () => connects++);
      const client = new SockhopClient(clientTls(server.port));
      try {
        assert.match(await refusalCode(client), REFUSED);
        await waitFor(() => serverErrors.length > 0, 5000, "server error");
        assert.deepEqual(serverErrors, [
          "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",
        ]);
        assert.equal(connects, 0);
        assert.equal(server.sockets.length, 0);
        assert.equal(client.connected, false);
      } finally {
        await client.disconnect();
        await server.close();
      }
    });

    it("refuses a client certificate from another CA", async () => {
      const server = mtlsServer();
      await server.listen();
      const serverErrors: string[] = [];
      let connects = 0;
      server.on("error", (e) => serverErrors.push(e.code ?? "no code"));
      server.on("connect", () => connects++);
      const client = withCert(
        server.port,
        certs.strangerCert,
        certs.strangerKey,
      );
      try {
        assert.match(await refusalCode(client), REFUSED);
        await waitFor(() => serverErrors.length > 0, 5000, "server error");
        assert.deepEqual(serverErrors, ["UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);
        assert.equal(connects, 0);
        assert.equal(client.connected, false);
      } finally {
        await client.disconnect();
        await server.close();
      }
    });

    it("without error listeners, a refusal throws nowhere", async () => {
      const server = mtlsServer({}, { tls_handshake_timeout: 200 });
      await server.listen();
      const client = new SockhopClient(clientTls(server.port));
      const raw = netConnect({ host: "127.0.0.1", port: server.port });
      raw.on("error", () => {});
      raw.resume();
      // Node's runner fails a test on an uncaught error by itself; Deno's
      // is told through the global error event.
      const uncaught: unknown[] = [];
      const onUncaught = (ev: Event) => {
        ev.preventDefault();
        uncaught.push((ev as ErrorEvent).error);
      };
      if (isDeno) globalThis.addEventListener("error", onUncaught);
      try {
        // A refused handshake and a stalled one closed by the server:
        // neither side listens for errors.
        await assert.rejects(client.connect());
        await once(raw, "close", 10_000);
        await sleep(50); // a throw from a microtask would have come by now
        assert.equal(client.connected, false);
        assert.equal(server.sockets.length, 0);
        assert.deepEqual(uncaught, []);
      } finally {
        if (isDeno) globalThis.removeEventListener("error", onUncaught);
        raw.destroy();
        await client.disconnect();
        await server.close();
      }
    });

    it("with rejectUnauthorized: false, lets anyone in and shows who", async () => {
      const server = mtlsServer({ rejectUnauthorized: false });
      await server.listen();
      const clients = [
        withCert(server.port, certs.strangerCert, certs.strangerKey),
        new SockhopClient(clientTls(server.port)),
      ];
      try {
        const sessions = collect<[SockhopSocket, SockhopSession]>(
          server,
          "connect",
          2,
        );
        for (const client of clients) await client.connect();
        const subjects = (await sessions).map(([, session]) =>
          session.peer_certificate?.subject.CN ?? null
        );
        assert.deepEqual(subjects.sort(), ["Stranger", null].sort());
      } finally {
        for (const client of clients) await client.disconnect();
        await server.close();
      }
    });
  });

  if (isDeno) {
    it("Deno: refuses options it cannot honour with ERR_TLS_OPTION", async () => {
      const server = new SockhopServer(serverTls());
      await server.listen();
      let connects = 0;
      server.on("connect", () => connects++);
      // An option with no Deno counterpart is an error, not ignored.
      const client = new SockhopClient(
        clientTls(server.port, { ciphers: "HIGH" }),
      );
      try {
        await assert.rejects(client.connect(), isCode("ERR_TLS_OPTION"));
        assert.equal(client.connected, false);
        const odd = new SockhopServer(
          serverTls({
            ssl_options: { ...serverTls().ssl_options, ciphers: "HIGH" },
          }),
        );
        await assert.rejects(odd.listen(), isCode("ERR_TLS_OPTION"));
        await odd.close();
        assert.equal(connects, 0);
      } finally {
        await client.disconnect();
        await server.close();
      }
    });
  } else {
    it("Node: passes Node's own TLS options through", async () => {
      const server = new SockhopServer(serverTls());
      await server.listen();
      const client = new SockhopClient({
        port: server.port,
        ssl_options: { rejectUnauthorized: false, minVersion: "TLSv1.3" },
      });
      try {
        await client.connect();
        const sock = (client.socket?._conn as {
          socket?: { authorized?: boolean; getProtocol?: () => string | null };
        }).socket;
        assert.equal(sock?.authorized, false);
        assert.equal(sock?.getProtocol?.(), "TLSv1.3");
      } finally {
        await client.disconnect();
        await server.close();
      }
    });
  }
});

/**
 * What a refused client is told: a TLS alert (Node's and Deno's code, or
 * Bun's, BoringSSL's, name for it) or the server hanging up mid-handshake.
 */
const REFUSED = /^(ERR_SSL_\w+_ALERT_\w+|ECONNRESET|EPIPE)$/;

/**
 * How a refused client learns it: `connect()` rejects with a code (a
 * server asking for client certificates keeps the verdict inside the
 * handshake; see README, TLS). Fails if `connect()` resolves.
 */
async function refusalCode(client: SockhopClient): Promise<string> {
  const code = await client.connect().then(
    () => "connected",
    (e) => (e as { code?: string }).code ?? "no code",
  );
  assert.equal(client.connected, false, `refused client got in (${code})`);
  return code;
}
