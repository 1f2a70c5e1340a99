/**
 * TLS across runtimes and libraries, with this project's TLS server:
 * this project on both ends in different runtimes (under `deno test` the
 * peer is a Node child running the npm build, under Node or Bun a Deno
 * child running mod.ts; both directions), and the ORIGINAL sockhop@1.8.4
 * TLS client (Node child; the original has TLS on the client only) with
 * `ssl: true` and with `ssl_options` alone. Values and labels, bytes,
 * remote callbacks and request streams both ways. Certificates are made
 * at test time (tests/helpers/certs.ts); peers are tests/fixtures/peer.mjs.
 */
import { after, before, describe, it } from "node:test";
import { makeTestCerts, type TestCerts } from "./helpers/certs.ts";
import { describeSpec, type LinkSpec, withLink } from "./helpers/peer_link.ts";
import { DATA_CHECKS, type LinkCheck } from "./helpers/link_checks.ts";
import { isDeno, runtime } from "./helpers/util.ts";

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
