/**
 * The receiving switch to binary mode, driven byte by byte from a raw
 * socket: bytes that follow the peer's transition in the same write are
 * read as binary frames (2.1 itself would lose them), and a hostile binary
 * frame is refused before its bytes are buffered.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { Server, type SockhopEventError } from "../mod.ts";
import { encodeBinaryFrame } from "../src/wire/binary_frame.ts";
import { once } from "./helpers/util.ts";

const enc = new TextEncoder();
const HANDSHAKE =
  `{"type":"SockhopHandshake","data":{"protocol_version":2,"library_version":"raw","request_binary_mode":true},"id":"00000000-0000-4000-8000-000000000001"}\n`;
const TRANSITION = `{"type":"SockhopBinaryModeTransition","data":{}}\n`;

/** A raw client of `server` that has sent its handshake and been answered. */
async function rawPeer(server: Server): Promise<Socket> {
  const sock = connect(server.port, "127.0.0.1");
  let text = "";
  const answered = new Promise<void>((resolve) => {
    sock.on("data", (b: Uint8Array) => {
      text += new TextDecoder().decode(b);
      if (text.includes('"allow_binary_mode":true')) resolve();
    });
  });
  await once(sock, "connect");
  sock.write(HANDSHAKE);
  await answered;
  return sock;
}

/** Bytes: the transition's text, then `tail`, as one write. */
function transitionThen(tail: Uint8Array): Uint8Array {
  const head = enc.encode(TRANSITION);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

describe("switching to binary frames on receipt", () => {
  it("reads a binary frame that follows the transition in the same write", async () => {
    const server = new Server({ port: 0 });
    await server.listen();
    const sock = await rawPeer(server);
    try {
      const got = once<[unknown, { type: string }]>(server, "receive");
      const frame = encodeBinaryFrame({
        kind: "json",
        type: "Widget",
        data: { a: 1 },
      });
      sock.write(transitionThen(frame));
      const [data, meta] = await got;
      assert.deepEqual([meta.type, data], ["Widget", { a: 1 }]);
      assert.deepEqual(server.binary_mode(server.sockets[0]).rx, true);
    } finally {
      sock.destroy();
      await server.close();
    }
  });

  it("refuses a binary frame over max_message_bytes at its header, and drops the peer", async () => {
    const server = new Server({ port: 0, max_message_bytes: 1024 });
    const errors: SockhopEventError[] = [];
    server.on("error", (e) => errors.push(e));
    await server.listen();
    const sock = await rawPeer(server);
    try {
      const closed = once(sock, "close");
      sock.on("error", () => {});
      // A header promising 2 GiB, and a little of its payload.
      const header = new Uint8Array([0xff, 0xff, 0xff, 0x7f, 10, 1, 2, 3]);
      sock.write(transitionThen(header));
      await closed;
      assert.deepEqual(
        errors.map((e) => e.code),
        ["ERR_MESSAGE_TOO_LARGE"],
      );
    } finally {
      sock.destroy();
      await server.close();
    }
  });
});
