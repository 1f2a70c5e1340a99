/**
 * TLS across runtimes and libraries, with this project's TLS server:
 * this project on both ends in different runtimes (under `deno test` the
 * peer is a Node child running the npm build, under Node or Bun a Deno
 * child running mod.ts; both directions), and the ORIGINAL sockhop@1.8.4
 * TLS client (Node child; the original has TLS on the client only) with
 * `ssl: true` and with `ssl_options` alone. Values and labels, bytes,
 * remote callbacks and request streams both ways. Then mutual TLS across
 * runtimes, both ways round: a client certificate from the server's CA is
 * accepted and its subject reaches the server's session; a client without
 * one, or with one from another CA, is refused: its `connect()` rejects
 * with a code, and the server emits an `error` with a code. Certificates are made at
 * test time (tests/helpers/certs.ts); peers are tests/fixtures/peer.mjs.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer, type SockhopSession } from "../mod.ts";
import { makeTestCerts, type TestCerts } from "./helpers/certs.ts";
import { describeSpec, type LinkSpec, withLink } from "./helpers/peer_link.ts";
import { DATA_CHECKS, type LinkCheck } from "./helpers/link_checks.ts";
import { PeerProcess } from "./helpers/peer_process.ts";
import { isDeno, once, runtime, waitFor } from "./helpers/util.ts";

const other = isDeno ? "npm" : "source";
const here = runtime;
const there = isDeno ? "Node" : "Deno";

const checks: LinkCheck[] = DATA_CHECKS;

const links: [string, Omit<LinkSpec, "certs">][] = [
  [`${here} server, ${there} client`, {
    library: other,
    side: "server",
    transport: "tls",
  }],
  [`${there} server, ${here} client`, {
    library: other,
    side: "client",
    transport: "tls",
  }],
  [`${here} server, sockhop@1.8.4 client`, {
    library: "original",
    side: "server",
    transport: "tls",
  }],
  [`${here} server, sockhop@1.8.4 client`, {
    library: "original",
    side: "server",
    transport: "tls",
    flagless: true,
  }],
];

describe("TLS interop", () => {
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs?.cleanup());

  for (const [title, spec] of links) {
    describe(`${title}: ${describeSpec(spec)}`, () => {
      for (const [name, check] of checks) {
        it(name, () => withLink({ ...spec, certs }, check));
      }
    });
  }
});

/**
 * What a refused client is told, as `connect()`'s rejection: a TLS alert
 * (Node's and Deno's code, or Bun's, BoringSSL's, name for it) or the
 * server hanging up mid-handshake (a certificate it does not trust).
 */
const REFUSED = /^(ERR_SSL_\w+_ALERT_\w+|ECONNRESET|EPIPE)$/;

describe(`Mutual TLS between ${here} and ${there}`, () => {
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs?.cleanup());

  /** Our server, asking for client certificates from the test CA. */
  const mtlsServer = () =>
    new SockhopServer({
      port: 0,
      ssl_options: {
        cert: certs.cert,
        key: certs.key,
        ca: certs.ca,
        requestCert: true,
      },
    });

  /** Our client, trusting the test CA, with a client certificate or not. */
  const ourClient = (port: number, cert: "good" | "stranger" | "none") =>
    new SockhopClient({
      port,
      ssl_options: {
        ca: certs.ca,
        servername: "localhost",
        ...(cert === "good"
          ? { cert: certs.clientCert, key: certs.clientKey }
          : cert === "stranger"
          ? { cert: certs.strangerCert, key: certs.strangerKey }
          : {}),
      },
    });

  it(`${here} server: accepts a ${there} client's certificate, refuses none and strangers`, async () => {
    const server = mtlsServer();
    await server.listen();
    const serverErrors: string[] = [];
    server.on("error", (e) => serverErrors.push(e.code ?? "no code"));
    const good = PeerProcess.start(other);
    const bare = PeerProcess.start(other);
    const stranger = PeerProcess.start(other);
    try {
      const connected = once<[unknown, SockhopSession]>(server, "connect");
      await good.call("connect", {
        port: server.port,
        tls: certs.dir,
        clientCert: true,
      }, 15000);
      const [, session] = await connected;
      assert.equal(
        session.peer_certificate?.subject.CN,
        "Sockhop Test Client",
      );
      const got = once(server, "receive");
      await good.call("send", { data: { hello: "with a certificate" } });
      assert.deepEqual((await got)[0], { hello: "with a certificate" });

      // Without a certificate, or with one from another CA: refused, and
      // the peer's connect() rejects with a code.
      for (
        const [peer, clientCert] of [[bare, false], [
          stranger,
          "stranger",
        ]] as const
      ) {
        const refused = await peer.call("connect", {
          port: server.port,
          tls: certs.dir,
          clientCert,
        }, 15000).then(() => "connected", (e) => e.code as string);
        assert.match(
          refused,
          REFUSED,
          `peer events: ${JSON.stringify(peer.events)}`,
        );
      }
      await waitFor(() => serverErrors.length > 1, 15000, "server errors");
      assert.deepEqual(serverErrors, [
        "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      ]);
      assert.equal(server.sockets.length, 1);
    } finally {
      await good.close();
      await bare.close();
      await stranger.close();
      await server.close();
    }
  });

  it(`${there} server: accepts a ${here} client's certificate, refuses none and strangers`, async () => {
    const peer = PeerProcess.start(other);
    let good: SockhopClient | null = null;
    const refused: SockhopClient[] = [];
    try {
      const { port } = await peer.call(
        "listen",
        { tls: certs.dir, mtls: true },
        15000,
      );
      good = ourClient(port, "good");
      await good.connect();
      const connect = await peer.event("connect", 15000);
      // A failure shows every event of the peer: which connections its
      // server saw and what TLS said of each.
      const story = () => `peer events: ${JSON.stringify(peer.events)}`;
      assert.equal(connect.subject?.CN, "Sockhop Test Client", story());
      assert.equal(peer.count("connect"), 1, story());
      await good.send({ hello: "with a certificate" });
      const got = await peer.event("receive", 15000);
      assert.deepEqual(got.data, { hello: "with a certificate" });
      await good.disconnect();

      for (const which of ["none", "stranger"] as const) {
        const client = ourClient(port, which);
        refused.push(client);
        const code = await client.connect().then(
          () => "connected",
          (e) => e.code as string,
        );
        assert.match(code, REFUSED, `${which}: ${story()}`);
        assert.equal(client.connected, false);
      }
      await waitFor(() => peer.count("error") > 1, 15000, "peer errors");
      const codes = peer.events.filter((e) =>
        e.ev === "error" || e.ev === "error:taken"
      ).map((e) => e.code);
      assert.deepEqual(codes, [
        "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      ]);
    } finally {
      await good?.disconnect();
      for (const client of refused) await client.disconnect();
      await peer.close();
    }
  });
});
