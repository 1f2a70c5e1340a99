/**
 * The loss probe: how many `send()` calls had resolved ("handed to the
 * OS") but whose message never reached the server when the link was cut.
 * A client streams numbered messages through the fault proxy, which cuts
 * each of the first `cuts` links at a random offset of the client→server
 * stream; the client reconnects (`start()`) and streams on. Runtime-neutral:
 * `scripts/loss_probe.ts` runs it in Deno or Node and prints the figure,
 * `tests/loss_probe_test.ts` checks its invariants.
 * @module
 */

import { SockhopClient, SockhopServer } from "../../mod.ts";
import { FaultProxy } from "./fault_proxy.ts";

/** What to probe. */
export interface LossProbeOptions {
  /** Links to cut (one per connection). */
  cuts: number;
  /**
   * Sends in flight per turn of the event loop: 1 is a producer that
   * awaits each send and does other I/O between sends; 20 a burst.
   */
  inFlight: number;
  /** Cut offsets are drawn from this range (bytes of a link's stream). */
  cutRange?: [number, number];
  /** Seed of the offsets (default: the proxy's own choice). */
  seed?: number;
}

/** What the probe saw. */
export interface LossReport extends LossProbeOptions {
  /** The proxy's seed: replays the offsets. */
  seed: number;
  /** Sends made, resolved and rejected. */
  sends: number;
  resolved: number;
  rejected: number;
  /** Messages the server received. */
  arrived: number;
  /** Per cut connection: sends that resolved and never arrived. */
  lostPerCut: number[];
  /** Invariant breaks: duplicates, reordering, delivered rejections. */
  broken: string[];
  /** Wall time of the stream, ms. */
  ms: number;
}

/** Runs the probe. */
export async function probeLoss(
  options: LossProbeOptions,
): Promise<LossReport> {
  const { cuts, inFlight, cutRange: [min, max] = [2_000, 60_000] } = options;
  const server = new SockhopServer({ port: 0 });
  await server.listen();
  const proxy = await FaultProxy.start(server.port, { seed: options.seed });
  proxy.onLink((link) => {
    if (link.id < cuts) link.cutAtRandom("toServer", max, min);
  });
  const client = new SockhopClient({
    port: proxy.port,
    auto_reconnect_interval: 10,
  });
  const arrived = new Set<number>();
  const broken: string[] = [];
  const lastSeq = new Map<unknown, number>();
  server.on("receive", (data, meta) => {
    if (typeof data !== "object" || data === null) {
      return meta.callback?.("synced");
    }
    const { seq } = data as { seq: number };
    if (arrived.has(seq)) broken.push(`seq ${seq} arrived twice`);
    if ((lastSeq.get(meta.session) ?? -1) >= seq) {
      broken.push(`seq ${seq} out of order`);
    }
    lastSeq.set(meta.session, seq);
    arrived.add(seq);
  });
  /** The connection (0-based) each resolved send went out on. */
  const resolvedOn = new Map<number, number>();
  const rejected = new Set<number>();
  let connections = 0;
  client.on("connect", () => connections++);
  let seq = 0;
  const t0 = performance.now();
  try {
    await client.start();
    // Stream until the last cut link is closed and the client is back.
    while (
      !(proxy.links[cuts]?.closed === false && client.connected &&
        proxy.links[cuts - 1].closed)
    ) {
      if (!client.connected) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      const on = connections - 1;
      await Promise.all(Array.from({ length: inFlight }, () => {
        const n = seq++;
        return client.send({ seq: n, pad: "x".repeat(n % 40) }).then(
          () => void resolvedOn.set(n, on),
          () => void rejected.add(n),
        );
      }));
      // A turn for I/O (the proxy runs in this process too).
      await new Promise((r) => setImmediate(r));
    }
    // A round trip on the last connection: the server has everything.
    await new Promise((r) => client.send("sync", r));
  } finally {
    await client.disconnect();
    await proxy.close();
    await server.close();
  }
  const lostPerCut = Array.from({ length: cuts }, () => 0);
  /** Per connection, the first resolved seq that was lost. */
  const firstLost = new Map<number, number>();
  for (const [n, on] of resolvedOn) { // in seq order
    if (arrived.has(n)) {
      const lost = firstLost.get(on);
      if (lost !== undefined) {
        broken.push(`seq ${n} arrived after ${lost} was lost`);
      }
      continue;
    }
    if (!firstLost.has(on)) firstLost.set(on, n);
    if (on < cuts) lostPerCut[on]++;
    else broken.push(`seq ${n} lost on the connection never cut`);
  }
  for (const n of rejected) {
    if (arrived.has(n)) broken.push(`rejected seq ${n} was delivered`);
  }
  return {
    ...options,
    seed: proxy.seed,
    sends: seq,
    resolved: resolvedOn.size,
    rejected: rejected.size,
    arrived: arrived.size,
    lostPerCut,
    broken,
    ms: performance.now() - t0,
  };
}

/** The report in a few lines. */
export function formatLossReport(r: LossReport, runtime: string): string {
  const sorted = [...r.lostPerCut].sort((a, b) => a - b);
  const total = sorted.reduce((a, b) => a + b, 0);
  return [
    `loss probe, ${runtime}, ${r.inFlight} send(s) in flight per turn: ` +
    `${r.cuts} cuts, ${r.sends} sends, ${r.resolved} resolved, ` +
    `${r.rejected} rejected, ${r.arrived} arrived, ${
      (r.ms / 1000).toFixed(1)
    } s`,
    `resolved but lost per cut: mean ${(total / r.cuts).toFixed(1)}, ` +
    `median ${sorted[Math.floor(r.cuts / 2)]}, min ${sorted[0]}, ` +
    `max ${sorted[r.cuts - 1]} (total ${total}); ` +
    `rejected per cut ${(r.rejected / r.cuts).toFixed(1)}`,
    `per cut: ${r.lostPerCut.join(" ")}`,
    `seed ${r.seed} (FAULT_PROXY_SEED=${r.seed} replays the offsets)`,
    ...r.broken.slice(0, 20).map((b) => `BROKEN: ${b}`),
  ].join("\n");
}
