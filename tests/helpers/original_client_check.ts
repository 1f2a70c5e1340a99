/**
 * One check shared by the tests that a server's new behaviour stays
 * invisible to a sockhop@1.8.4 client.
 */
import assert from "node:assert/strict";
import { SockhopServer, type SockhopServerOptions } from "../../mod.ts";
import { PeerProcess } from "./peer_process.ts";

/**
 * A sockhop@1.8.4 client of a server with `options` (answering callbacks)
 * sends a Widget with a remote callback: the answer is the first and only
 * thing it gets (anything sent at connect would have come before it).
 */
export async function originalClientGetsOnlyTheAnswer(
  options: SockhopServerOptions,
): Promise<void> {
  const server = new SockhopServer({ ...options, port: 0 });
  server.on("receive", (_d, meta) => meta.callback?.({ ok: 1 }));
  await server.listen();
  const peer = PeerProcess.start("original");
  try {
    await peer.call("connect", { port: server.port });
    await peer.call("send", { data: { a: 1 }, as: "Widget", callback: true });
    await peer.event("callback");
    assert.equal(peer.count("receive"), 0);
  } finally {
    await peer.close();
    await server.close();
  }
}
