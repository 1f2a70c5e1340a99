/**
 * This project on both ends, in different runtimes: the run under test
 * (Deno with mod.ts; Node or Bun with the npm build) against a peer in each
 * of the two other runtimes (a Deno child runs mod.ts, a Node or Bun child
 * the npm build: run `deno task build` first). Each pair is checked both
 * ways round (our server with the peer's client, our client with the
 * peer's server), over TCP and over Unix sockets: values and labels,
 * bytes, remote callbacks, streamed requests and pings.
 * The peer is tests/fixtures/peer.mjs (tests/helpers/peer_process.ts).
 */
import type { LinkSpec } from "./helpers/peer_link.ts";
import { describeLinkChecks } from "./helpers/link_checks.ts";
import { type Runtime, runtime } from "./helpers/util.ts";

/** The peers for this run: every runtime but this one. */
const everyPeer: [Runtime, Pick<LinkSpec, "library" | "runtime">][] = [
  ["Deno", { library: "source" }],
  ["Node", { library: "npm", runtime: "Node" }],
  ["Bun", { library: "npm", runtime: "Bun" }],
];
const peers = everyPeer.filter(([name]) => name !== runtime);

for (const [there, peer] of peers) {
  for (const transport of ["tcp", "unix"] as const) {
    for (const side of ["server", "client"] as const) {
      const spec: LinkSpec = { ...peer, side, transport };
      const [server, client] = side === "server"
        ? [runtime, there]
        : [there, runtime];
      describeLinkChecks(`${server} server and ${client} client`, spec);
    }
  }
}
