/**
 * Interoperation with the ORIGINAL sockhop@1.8.4, run by Node in a child
 * process (tests/fixtures/peer.mjs): our client with its server, its client
 * with our server, over TCP and over Unix sockets. Labels and data, bytes,
 * remote callbacks, streamed requests and pings, both ways; the same checks
 * as between this project's runtimes (tests/helpers/link_checks.ts).
 */
import { describe, it } from "node:test";
import { describeSpec, type LinkSpec, withLink } from "./helpers/peer_link.ts";
import {
  DATA_CHECKS,
  type LinkCheck,
  pingsBothWays,
} from "./helpers/link_checks.ts";

const checks: LinkCheck[] = [
  ...DATA_CHECKS,
  ["stays connected while both ends ping every 100 ms", pingsBothWays],
];

for (const transport of ["tcp", "unix"] as const) {
  for (const side of ["server", "client"] as const) {
    const spec: LinkSpec = { library: "original", side, transport };
    describe(`interop with sockhop@1.8.4: ${describeSpec(spec)}`, () => {
      for (const [name, check] of checks) {
        it(name, () => withLink(spec, check));
      }
    });
  }
}
