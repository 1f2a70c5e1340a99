/**
 * The receiving switch to binary frames keeps reading a JSON line that
 * 2.1 writes after its transition (it switches its sending side only when
 * the transition's write completes; over TLS its answer to our handshake
 * came that way, and was read as a binary length, `{"ty`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SwitchingDecoder } from "../src/wire/rx_switch.ts";
import { FrameDecoder } from "../src/wire/framing.ts";
import { encodeBinaryFrame } from "../src/wire/binary_frame.ts";

const text = new TextEncoder();

function stream(): Uint8Array {
  const lines = text.encode(
    '{"type":"SockhopBinaryModeTransition","data":{}}\n' +
      '{"type":"Object","data":{"allow_binary_mode":true},"callback_id":"x"}\n',
  );
  const frame = encodeBinaryFrame({ kind: "json", type: "Widget", data: 1 });
  const all = new Uint8Array(lines.length + frame.length);
  all.set(lines);
  all.set(frame, lines.length);
  return all;
}

describe("SwitchingDecoder", () => {
  it("reads a JSON line written after the transition, then binary frames", () => {
    const all = stream();
    for (let cut = 1; cut < all.length; cut++) {
      const errors: string[] = [];
      const decoder = new SwitchingDecoder(
        new FrameDecoder("\n", {}, (e) => errors.push(e.message)),
        1 << 20,
        (e) => errors.push(e.message),
      );
      decoder.watch();
      const types = [
        ...decoder.decode(all.subarray(0, cut)),
        ...decoder.decode(all.subarray(cut)),
      ].map((f) => (f as { type: string }).type);
      assert.deepEqual(
        types,
        ["SockhopBinaryModeTransition", "Object", "Widget"],
        `cut at ${cut}`,
      );
      assert.deepEqual(errors, [], `cut at ${cut}`);
    }
  });
});
