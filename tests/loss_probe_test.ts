/**
 * The loss probe (tests/helpers/loss_probe.ts; figures from
 * scripts/loss_probe.ts) as a check of today's at-most-once delivery across
 * link cuts: messages lost when a link is cut are a tail of what that
 * connection sent, never a duplicate, never out of order, never a send
 * that rejected, and nothing is lost on a connection that was not cut. How
 * many are lost is reported by the script, not asserted.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { probeLoss } from "./helpers/loss_probe.ts";

describe("loss probe", () => {
  it("cuts at random offsets lose only resolved sends, in order, none twice", async () => {
    const r = await probeLoss({ cuts: 5, inFlight: 4 });
    const context = `seed ${r.seed}`;
    assert.deepEqual(r.broken, [], context);
    assert.equal(r.lostPerCut.length, 5);
    const lost = r.lostPerCut.reduce((a, b) => a + b, 0);
    // Every send either rejected, or resolved and then arrived or was lost.
    assert.equal(r.resolved + r.rejected, r.sends, context);
    assert.equal(r.arrived, r.resolved - lost, context);
  });
});
