/**
 * Interoperation with the ORIGINAL sockhop@1.8.4, run by Node in a child
 * process (tests/fixtures/peer.mjs): our client with its server, its client
 * with our server, over TCP and over Unix sockets. Labels and data, bytes,
 * remote callbacks, streamed requests and pings, both ways; the same checks
 * as between this project's runtimes (tests/helpers/link_checks.ts).
 */
import type { LinkSpec } from "./helpers/peer_link.ts";
import { describeLinkChecks } from "./helpers/link_checks.ts";

for (const transport of ["tcp", "unix"] as const) {
  for (const side of ["server", "client"] as const) {
    const spec: LinkSpec = { library: "original", side, transport };
    describeLinkChecks("interop with sockhop@1.8.4", spec);
  }
}
