/**
 * Ending a connection attempt while its TLS handshake is under way (an
 * aborted signal, or `disconnect()`) closes the half-made TCP connection
 * at once, not at `connect_timeout`: the peer here accepts and never
 * answers the handshake, and must see its socket closed.
 * @module
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient } from "../mod.ts";
import type { TlsOptions } from "../mod.ts";
import { RawServer } from "./helpers/raw.ts";
import { isCode, once, within } from "./helpers/util.ts";

/** Far longer than the test may take: only an early close passes. */
const CONNECT_TIMEOUT = 60_000;

const CASES: [string, TlsOptions][] = [
  ["verifying", {}],
  ["not verifying", { rejectUnauthorized: false }],
];

describe("ending connect() during a TLS handshake", () => {
  for (const [name, ssl_options] of CASES) {
    for (const how of ["abort", "disconnect"] as const) {
      it(`${how}, ${name}: the half-made connection closes at once`, async () => {
        const raw = await new RawServer().listen();
        const client = new SockhopClient({
          port: raw.port,
          ssl: true,
          ssl_options,
          connect_timeout: CONNECT_TIMEOUT,
        });
        try {
          const accepted = once(raw, "peer");
          const stop = new AbortController();
          const attempt = client.connect({ signal: stop.signal });
          attempt.catch(() => {});
          await accepted;
          if (how === "abort") stop.abort();
          else await client.disconnect();
          await assert.rejects(
            attempt,
            isCode(how === "abort" ? "ERR_ABORTED" : "ERR_SOCKET_DESTROYED"),
          );
          await within(raw.peers[0].closed, 10_000, "the peer to see a close");
        } finally {
          await client.disconnect();
          await raw.close();
        }
      });
    }
  }
});
