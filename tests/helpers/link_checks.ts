/**
 * The checks the interop tests run on a link (tests/helpers/peer_link.ts),
 * whatever the peer's library, runtime and transport: values and their
 * labels both ways, remote callbacks both ways, streamed requests both
 * ways, and pings. The peer answers as tests/fixtures/peer.mjs describes.
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import type {
  ReceiveMeta,
  SockhopRequest,
  SockhopResponseWriteableStream,
} from "../../mod.ts";
import { SockhopClient } from "../../mod.ts";
import {
  describeSpec,
  emitter,
  type Link,
  type LinkSpec,
  withLink,
} from "./peer_link.ts";
import type { PeerLibrary } from "./peer_process.ts";
import { collect, isDeno, sleep, waitFor } from "./util.ts";

/** A class whose name travels as the type label. */
export class Widget {
  constructor(public name = "gear", public teeth = 12) {}
}

/** Bytes as this runtime's users have them: Buffer in Node, else Uint8Array. */
export function localBytes(bytes: number[]): Uint8Array {
  return isDeno ? new Uint8Array(bytes) : Buffer.from(bytes);
}

/** How the peer reports received bytes (see tests/fixtures/peer.mjs). */
export function peerBytes(
  library: PeerLibrary | "sockhop2",
  bytes: number[],
): unknown {
  // The original hands over what Buffer.toJSON() made, as it is.
  if (library === "original") return { type: "Buffer", data: bytes };
  return { bytes, class: library === "npm" ? "Buffer" : "Uint8Array" };
}

/** Asserts `v` is bytes as this runtime hands them over, equal to `bytes`. */
export function assertLocalBytes(v: unknown, bytes: number[]): void {
  assert.ok(v instanceof Uint8Array, `not bytes: ${JSON.stringify(v)}`);
  if (!isDeno) assert.ok(Buffer.isBuffer(v), "Node must hand over a Buffer");
  assert.deepEqual([...v], bytes);
}

/** Our values arrive at the peer with their labels. */
export async function valuesToPeer(link: Link): Promise<void> {
  const values: [unknown, string, unknown][] = [
    ["é€😀", "String", "é€😀"],
    [42.5, "Number", 42.5],
    [false, "Boolean", false],
    [[1, "two", null], "Array", [1, "two", null]],
    [{ a: 1, b: [true] }, "Object", { a: 1, b: [true] }],
    [new Widget("w", 3), "Widget", { name: "w", teeth: 3 }],
    [
      localBytes([0, 1, 255]),
      "Buffer",
      peerBytes(link.peer.library, [0, 1, 255]),
    ],
  ];
  for (const [value] of values) await link.send(value);
  const got = [];
  for (let i = 0; i < values.length; i++) {
    const ev = await link.peer.event("receive");
    got.push([ev.type, ev.data, ev.callback]);
  }
  assert.deepEqual(got, values.map(([, type, data]) => [type, data, false]));
}

/** The peer's values arrive here with their labels. */
export async function valuesFromPeer(link: Link): Promise<void> {
  const sends: [unknown, string | undefined][] = [
    ["é€😀", undefined],
    [7, undefined],
    [true, undefined],
    [[1, "two"], undefined],
    [{ a: 1 }, undefined],
    [{ name: "w", teeth: 3 }, "Widget"],
    [[0, 1, 255], "Buffer"],
  ];
  const got = collect<[unknown, ReceiveMeta]>(
    emitter(link),
    "receive",
    sends.length,
    15000,
  );
  for (const [data, as] of sends) await link.peer.call("send", { data, as });
  const received = (await got).map(([data, meta]) => [meta.type, data]);
  assert.deepEqual(received.slice(0, 6), [
    ["String", "é€😀"],
    ["Number", 7],
    ["Boolean", true],
    ["Array", [1, "two"]],
    ["Object", { a: 1 }],
    ["Widget", { name: "w", teeth: 3 }],
  ]);
  assert.equal(received[6][0], "Buffer");
  assertLocalBytes(received[6][1], [0, 1, 255]);
}

/** Our remote callback is answered by the peer, and the peer's by us. */
export async function callbacksBothWays(link: Link): Promise<void> {
  // Ours asks, the peer answers with Widget {echo, type}.
  const answer = new Promise<unknown[]>((resolve) => {
    link.send(new Widget("q", 1), (data, meta) => resolve([data, meta]))
      .catch(resolve);
  });
  assert.deepEqual(await answer, [
    { echo: { name: "q", teeth: 1 }, type: "Widget" },
    { type: "Widget" },
  ]);
  const ev = await link.peer.event("receive");
  assert.deepEqual([ev.type, ev.callback], ["Widget", true]);

  // The peer asks, ours answers.
  const answering = (data: unknown, meta: ReceiveMeta) => {
    meta.callback?.(new Widget(`re:${data}`, 0));
  };
  emitter(link).on("receive", answering);
  try {
    await link.peer.call("send", { data: "hi", callback: true });
    const cb = await link.peer.event("callback");
    assert.deepEqual(
      { data: cb.data, type: cb.type },
      { data: { name: "re:hi", teeth: 0 }, type: "Widget" },
    );
  } finally {
    emitter(link).off("receive", answering);
  }
}

/** Our request gets the peer's three packets, in order. */
export async function requestToPeer(link: Link): Promise<void> {
  const stream = await link.request(new Widget("ask", 3));
  // Not {count}: the peer answers anything else with one Widget {echo}.
  assert.deepEqual(await stream.all(), [
    {
      data: { echo: { name: "ask", teeth: 3 }, type: "Widget" },
      type: "Widget",
    },
  ]);
  const three = await (await link.request({ count: 3 })).all();
  assert.deepEqual(three, [
    { data: { i: 0 }, type: "Object" },
    { data: { i: 1 }, type: "Object" },
    { data: { i: 2, echo: { count: 3 } }, type: "Widget" },
  ]);
  const seen = [
    await link.peer.event("request"),
    await link.peer.event("request"),
  ].map((e) => [e.type, e.data]);
  assert.deepEqual(seen, [
    ["Widget", { name: "ask", teeth: 3 }],
    ["Object", { count: 3 }],
  ]);
}

/** The peer's request gets our three packets, in order. */
export async function requestFromPeer(link: Link): Promise<void> {
  const requests: unknown[][] = [];
  const respond = async (
    req: SockhopRequest,
    res: SockhopResponseWriteableStream,
  ) => {
    requests.push([req.type, req.data]);
    const data = req.data as { count?: number };
    const count = data?.count ?? 1;
    for (let i = 0; i < count - 1; i++) await res.write([i]);
    await res.send(new Widget("done", count));
  };
  emitter(link).on("request", respond);
  try {
    const three = await link.peer.call("request", { data: { count: 3 } });
    assert.deepEqual(three.packets, [
      { data: [0], type: "Array" },
      { data: [1], type: "Array" },
      { data: { name: "done", teeth: 3 }, type: "Widget" },
    ]);
    const next = await link.peer.call("request", {
      data: [9, 9],
      as: "Buffer",
      mode: "next",
    });
    assert.deepEqual(next.packets, [
      { data: { name: "done", teeth: 1 }, type: "Widget" },
    ]);
    assert.deepEqual(requests[0], ["Object", { count: 3 }]);
    assert.equal(requests[1][0], "Buffer");
    assertLocalBytes(requests[1][1], [9, 9]);
    assert.equal(requests.length, 2);
  } finally {
    emitter(link).off("request", respond);
  }
}

/**
 * Both ends ping every `ms` for about twelve intervals: four unanswered
 * pings in a row would drop the connection, so it staying up on both
 * ends shows the pongs came back; the client end also shows them kept.
 */
export async function pingsBothWays(link: Link, ms = 100): Promise<void> {
  const drops: unknown[] = [];
  const onDrop = (...args: unknown[]) => drops.push(args);
  emitter(link).on("disconnect", onDrop);
  try {
    await link.peer.call("ping", { delay: ms });
    link.ping(ms);
    await sleep(ms * 12);
    const status = await link.peer.call("status");
    assert.ok(
      status.connected === true || status.sockets === 1,
      `the peer dropped us: ${JSON.stringify(status)}`,
    );
    assert.ok(link.connected(), "our end dropped the peer");
    assert.equal(link.peer.count("disconnect"), 0);
    assert.deepEqual(drops, []);
    if (link.ours instanceof SockhopClient) {
      const client = link.ours;
      await waitFor(
        () => client.pings.some((p) => !p.unanswered()),
        5000,
        "an answered ping",
      );
    } else {
      assert.ok(
        status.answered > 0,
        `peer got no pongs: ${JSON.stringify(status)}`,
      );
    }
    // Values still flow after all that pinging.
    await link.send("after pings");
    const ev = await link.peer.event("receive");
    assert.deepEqual([ev.type, ev.data], ["String", "after pings"]);
  } finally {
    link.ping(0);
    emitter(link).off("disconnect", onDrop);
    await link.peer.call("ping", { delay: 0 }).catch(() => {});
  }
}

/** A named check of a link. */
export type LinkCheck = [name: string, check: (link: Link) => Promise<void>];

/** The data checks every link gets: values, callbacks, requests. */
export const DATA_CHECKS: LinkCheck[] = [
  ["delivers values with their labels, bytes included", valuesToPeer],
  ["receives values with their labels, bytes included", valuesFromPeer],
  ["runs remote callbacks both ways", callbacksBothWays],
  ["streams the responses to our requests", requestToPeer],
  ["streams our responses to the peer's requests", requestFromPeer],
];

/** The checks a TCP or Unix-socket link gets: the data checks, then pings. */
export const PLAIN_CHECKS: LinkCheck[] = [
  ...DATA_CHECKS,
  ["stays connected while both ends ping every 100 ms", pingsBothWays],
];

/**
 * Declares the suite "`title`: (the spec described)", with one test per
 * check, each on a fresh link opened as `spec` says.
 */
export function describeLinkChecks(
  title: string,
  spec: LinkSpec,
  checks: LinkCheck[] = PLAIN_CHECKS,
): void {
  describe(`${title}: ${describeSpec(spec)}`, () => {
    for (const [name, check] of checks) {
      it(name, () => withLink(spec, check));
    }
  });
}
