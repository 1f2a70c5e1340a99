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
 * one is refused, with a code on both sides. Certificates are made at
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
 * What a client refused for sending no certificate is told (TLS 1.3): Node's
 * and Deno's code, or Bun's (BoringSSL's) name for the same alert.
 */
const ALERT_CODE = /^ERR_SSL_TLSV13?_ALERT_CERTIFICATE_REQUIRED$/;

/**
 * ALERT_LOST: Deno 2.9's `node:tls` server sometimes closes a refused
 * connection without sending its alert when the client is OpenSSL's
 * (Node's): about 7 times in 40 here, seen on the wire as no alert record
 * before the FIN. Deno's own client gets the alert every time (40 in 40),
 * and so does any client of a Node server. Only for a Deno server with a
 * Node client, then, may the client see a plain `disconnect`.
 */
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

  /** Our client, trusting the test CA, with the client certificate or not. */
  const ourClient = (port: number, withCert: boolean) =>
    new SockhopClient({
      port,
      ssl_options: {
        ca: certs.ca,
        servername: "localhost",
        ...(withCert ? { cert: certs.clientCert, key: certs.clientKey } : {}),
      },
    });

  it(`${here} server: accepts a ${there} client's certificate, refuses none`, async () => {
    const server = mtlsServer();
    await server.listen();
    const serverErrors: string[] = [];
    server.on("error", (e) => serverErrors.push(e.code ?? "no code"));
    const good = PeerProcess.start(other);
    const bare = PeerProcess.start(other);
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

      // Without a certificate: refused, and the peer is told why.
      const refused = await bare.call("connect", {
        port: server.port,
        tls: certs.dir,
      }, 15000).then(() => null, (e) => e.code as string);
      if (refused !== null) {
        assert.match(refused, ALERT_CODE);
      } else {
        await bare.event("disconnect", 15000);
        const order = bare.events.map((e) => e.ev);
        const error = bare.events.find((e) => e.ev === "error");
        // See ALERT_LOST: a Deno server's alert may not reach a Node client.
        if (error || !isDeno) {
          assert.match(error?.code ?? "", ALERT_CODE, `peer events: ${order}`);
          assert.ok(
            order.indexOf("error") < order.indexOf("disconnect:taken"),
            `peer events: ${order.join(", ")}`,
          );
        }
      }
      await waitFor(() => serverErrors.length > 0, 15000, "server error");
      assert.deepEqual(serverErrors, [
        "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",
      ]);
      assert.equal(server.sockets.length, 1);
    } finally {
      await good.close();
      await bare.close();
      await server.close();
    }
  });

  it(`${there} server: accepts a ${here} client's certificate, refuses none`, async () => {
    const peer = PeerProcess.start(other);
    let good: SockhopClient | null = null;
    let bare: SockhopClient | null = null;
    try {
      const { port } = await peer.call(
        "listen",
        { tls: certs.dir, mtls: true },
        15000,
      );
      good = ourClient(port, true);
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

      bare = ourClient(port, false);
      const seen: string[] = [];
      let code: string | undefined;
      const client = bare;
      client.on("error", (e) => {
        seen.push("error");
        code ??= e.code;
      });
      client.on("disconnect", () => seen.push("disconnect"));
      const rejected = await client.connect().then(
        () => null,
        (e) => e.code as string,
      );
      if (rejected !== null) {
        assert.match(rejected, ALERT_CODE);
      } else {
        await waitFor(() => seen.includes("disconnect"), 15000, "disconnect");
        // See ALERT_LOST: a Deno server's alert may not reach a Node client.
        if (seen[0] === "error" || isDeno) {
          assert.equal(seen[0], "error", `events: ${seen.join(", ")}`);
          assert.match(code ?? "", ALERT_CODE);
        }
      }
      const error = await peer.event("error", 15000);
      assert.equal(error.code, "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE");
    } finally {
      await good?.disconnect();
      await bare?.disconnect();
      await peer.close();
    }
  });
});
