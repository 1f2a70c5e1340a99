/** Message ids (src/wire/ids.ts): v4-UUID form, never repeated. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { messageId } from "../src/wire/ids.ts";

const UUID_V4 =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("messageId", () => {
  it("makes ids in the form of a version-4 UUID, none twice", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = messageId();
      if (!UUID_V4.test(id)) assert.fail(`not a v4 UUID form: ${id}`);
      seen.add(id);
    }
    assert.equal(seen.size, 100_000);
  });
});
