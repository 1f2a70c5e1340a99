/**
 * This project on both ends, in different runtimes: under `deno test` the
 * peer is a Node child running the npm build (run `deno task build`
 * first), under `node --test` a Deno child running mod.ts. Each run covers
 * both directions (our server with the peer's client, our client with the
 * peer's server), over TCP and over Unix sockets: values and labels,
 * bytes, remote callbacks, streamed requests and pings.
 * The peer is tests/fixtures/peer.mjs (tests/helpers/peer_process.ts).
 */
import { describe, it } from "node:test";
import { describeSpec, type LinkSpec, withLink } from "./helpers/peer_link.ts";
import {
  DATA_CHECKS,
  type LinkCheck,
  pingsBothWays,
} from "./helpers/link_checks.ts";
import { isDeno } from "./helpers/util.ts";

const library = isDeno ? "npm" : "source";
const here = isDeno ? "Deno" : "Node";
const there = isDeno ? "Node" : "Deno";

const checks: LinkCheck[] = [
  ...DATA_CHECKS,
  ["stays connected while both ends ping every 100 ms", pingsBothWays],
];

for (const transport of ["tcp", "unix"] as const) {
  for (const side of ["server", "client"] as const) {
    const spec: LinkSpec = { library, side, transport };
    const [server, client] = side === "server" ? [here, there] : [there, here];
    describe(
      `${server} server and ${client} client: ${describeSpec(spec)}`,
      () => {
        for (const [name, check] of checks) {
          it(name, () => withLink(spec, check));
        }
      },
    );
  }
}
