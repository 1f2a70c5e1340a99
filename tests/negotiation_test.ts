/**
 * The 2.x negotiation state machine alone (src/negotiation.ts), with a
 * fake port that records what it is asked to do: who sends a handshake
 * when, the answer, the per-direction switch, when the handshake counts as
 * done, compatibility mode, timeouts and closes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Negotiation,
  type NegotiationConfig,
  type NegotiationPort,
} from "../src/negotiation.ts";
import type { SockhopError } from "../src/errors.ts";
import { channelOptions } from "../src/options.ts";

/** A 2.1 peer's handshake payload. */
const PEER_21 = {
  protocol_version: 2,
  library_version: "2.1.0",
  request_binary_mode: true,
};

function config(over: Partial<NegotiationConfig> = {}): NegotiationConfig {
  return {
    send_first: false,
    allow_binary_mode: true,
    compatibility_mode: false,
    handshake_timeout: 3000,
    ...over,
  };
}

/** A negotiation whose port logs each step; answers are given by hand. */
function harness(over: Partial<NegotiationConfig> = {}) {
  const log: string[] = [];
  const answers: ((a: unknown) => void)[] = [];
  let txWritten: () => void = () => {};
  const results: { ok: boolean; error?: SockhopError }[] = [];
  const port: NegotiationPort = {
    sendHandshake: (h, onAnswer) => {
      log.push(`send handshake ${h.request_binary_mode}`);
      answers.push(onAnswer);
    },
    switchTx: () => {
      log.push("transition");
      return new Promise((resolve) => (txWritten = resolve));
    },
    switchRx: (expected) => log.push(expected ? "watch rx" : "switch rx"),
    handshake: (ok, error) => {
      log.push(`handshake ${ok}`);
      results.push({ ok, error });
    },
    binaryMode: (direction, on) => log.push(`${direction} ${on}`),
  };
  const n = new Negotiation(config(over), port);
  return {
    n,
    log,
    results,
    answer: (a: unknown) => answers.shift()!(a),
    txWritten: () => txWritten(),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("Negotiation", () => {
  it("by default never sends first, and reacts to a peer's handshake: ours, then the answer; done once ours is answered and the transition written", async () => {
    const h = harness();
    h.n.open();
    assert.deepEqual(h.log, []);
    const replies: unknown[] = [];
    h.n.peerHandshake(PEER_21, (a) => replies.push(a));
    assert.deepEqual(replies, [{ allow_binary_mode: true }]);
    assert.deepEqual(h.log, ["send handshake true", "watch rx"]);
    h.answer({ allow_binary_mode: true });
    assert.deepEqual(h.log.slice(2), ["transition"]);
    assert.equal(h.n.handshaken, false, "not before the transition is written");
    h.txWritten();
    await tick();
    assert.deepEqual(h.log.slice(3), ["tx true", "handshake true"]);
    assert.deepEqual(h.n.binary_mode, { rx: false, tx: true });
    assert.equal(h.n.peerTransition(), true);
    assert.deepEqual(h.n.binary_mode, { rx: true, tx: true });
    assert.equal(h.n.peerServesRequests, false, "2.1 has no streamed requests");
  });

  it("with send_first, sends on open and completes only once the peer's handshake came too", () => {
    const h = harness({ send_first: true, allow_binary_mode: false });
    h.n.open();
    assert.deepEqual(h.log, ["send handshake false"]);
    h.answer({ allow_binary_mode: true }); // granted, but we did not ask
    assert.equal(h.n.handshaken, false);
    const replies: unknown[] = [];
    h.n.peerHandshake(
      { ...PEER_21, streamed_requests: true },
      (a) => replies.push(a),
    );
    assert.deepEqual(replies, [{ allow_binary_mode: false }]);
    assert.deepEqual(h.log.slice(1), ["handshake true"]);
    assert.equal(h.n.peerServesRequests, true);
    h.n.closed();
  });

  it("fails with ERR_HANDSHAKE_TIMEOUT when no answer comes in time, and ignores a late one", async () => {
    const h = harness({ send_first: true, handshake_timeout: 5 });
    h.n.open();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(h.results.length, 1);
    assert.equal(h.results[0].ok, false);
    assert.equal(h.results[0].error?.code, "ERR_HANDSHAKE_TIMEOUT");
    h.answer({ allow_binary_mode: true });
    assert.equal(h.log.includes("transition"), false);
    h.n.closed();
  });

  it("in compatibility mode sends nothing, ignores the peer's handshake (no answer) and its transition", () => {
    const h = harness({
      send_first: true,
      compatibility_mode: true,
      allow_binary_mode: false,
    });
    h.n.open();
    let answered = false;
    h.n.peerHandshake(PEER_21, () => (answered = true));
    assert.equal(answered, false);
    assert.equal(h.n.peerTransition(), false);
    assert.deepEqual(h.log, []);
  });

  it("on close: binary mode ends per direction, and a handshake under way fails", () => {
    const h = harness();
    h.n.peerHandshake(PEER_21, () => {});
    h.n.peerTransition();
    h.n.closed();
    assert.deepEqual(h.log.slice(-2), ["handshake false", "rx false"]);
    assert.equal(h.results[0]?.error?.code, "ERR_SOCKET_DESTROYED");
    assert.deepEqual(h.n.binary_mode, { rx: false, tx: false });
  });

  it("is configured from the options: a json peer is never sent a handshake", () => {
    const on = channelOptions({ handshake: true }).negotiation!;
    assert.equal(on.send_first, true);
    const json = channelOptions({ handshake: true, peer_type: "json" });
    assert.equal(json.negotiation!.send_first, false);
    const compat = channelOptions({
      handshake: true,
      compatibility_mode: true,
    });
    assert.deepEqual(
      [compat.negotiation!.send_first, compat.negotiation!.allow_binary_mode],
      [false, false],
    );
  });
});
