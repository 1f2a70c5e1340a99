/**
 * The runtime transport's read side, seen directly (src/transport/): what
 * `Conn.readable` and `Conn.receive` promise about chunks, against a raw
 * `node:net` server. In Node and Bun, client sockets read into one shared
 * buffer (Node's `onread`), so these pin that queued chunks keep their
 * bytes and that nothing sent at once on connect is lost.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { transport } from "../src/transport/runtime.ts";
import type { Conn } from "../src/transport/types.ts";
import { sleep } from "./helpers/util.ts";

/** A raw server that runs `onClient` for each connection; and its port. */
async function rawServer(
  onClient: (sock: net.Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => {});
    onClient(sock);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Each chunk's bytes, kept as text. */
function text(chunks: Uint8Array[]): string {
  return chunks.map((c) => new TextDecoder().decode(c)).join("");
}

describe("transport reads", () => {
  it("readable: chunks queued before they are asked for keep their bytes", async () => {
    // Three writes a while apart arrive as three reads, all before the
    // consumer asks: each must still hold its own bytes.
    const server = await rawServer(async (sock) => {
      for (const letter of ["a", "b", "c"]) {
        sock.write(letter.repeat(1000));
        await sleep(30);
      }
      sock.end();
    });
    const conn: Conn = await transport.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    try {
      const reader = conn.readable[Symbol.asyncIterator]();
      await sleep(200);
      const got: Uint8Array[] = [];
      for (;;) {
        const { value, done } = await reader.next();
        if (done) break;
        got.push(value.slice()); // the consumer keeps a copy, as it may
      }
      assert.equal(
        text(got),
        "a".repeat(1000) + "b".repeat(1000) + "c".repeat(1000),
      );
    } finally {
      conn.close();
      await server.close();
    }
  });

  it("receive: bytes the server writes as soon as it accepts all arrive", async () => {
    const greeting = "hello ".repeat(5000); // several reads' worth
    const server = await rawServer((sock) => sock.end(greeting));
    const conn = await transport.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    // Taken up only after a pause: the bytes wait, they are not lost.
    await sleep(100);
    try {
      const got: string[] = [];
      await new Promise<void>((resolve) => {
        const decoder = new TextDecoder();
        if (conn.receive) {
          conn.receive({
            chunk: (c) => got.push(decoder.decode(c, { stream: true })),
            end: () => resolve(),
          });
        } else {
          (async () => {
            for await (const c of conn.readable) {
              got.push(decoder.decode(c, { stream: true }));
            }
            resolve();
          })();
        }
      });
      assert.equal(got.join(""), greeting);
    } finally {
      conn.close();
      await server.close();
    }
  });
});
