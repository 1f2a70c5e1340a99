/**
 * A real sockhop 2.1.0 server (tests/fixtures/peer2.mjs) with this
 * library's 2.x `Client` connected to nothing yet: the shape of most tests
 * of our client against 2.1. Both are closed afterwards.
 * @module
 */

import { Client, type ClientOptions } from "../../mod.ts";
import { type Peer2Process, withPeer2 } from "./peer2_process.ts";

/**
 * Runs `fn` with a listening 2.1 server and our client for it (not yet
 * started); disconnects the client and ends the peer afterwards.
 * @param listen the peer's listen command (`path`, `options`)
 * @param options our client's options (its port is the peer's)
 * @param fn the test
 */
export function withOurClientOf2x(
  listen: Record<string, unknown>,
  options: ClientOptions,
  fn: (client: Client, peer: Peer2Process) => Promise<void>,
): Promise<void> {
  return withPeer2(async (peer) => {
    const { port } = await peer.call("listen", listen);
    const client = new Client({ port, ...options });
    try {
      await fn(client, peer);
    } finally {
      await client.disconnect();
    }
  });
}
