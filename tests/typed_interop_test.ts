// The `types` option changes nothing on the wire: a client with a registry
// (and validate_outgoing) writes the same bytes as one without, and the
// original sockhop@1.8.4 (in a Node child process) talks to our typed ends,
// whose received values, answers and responses are revived.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { z } from "zod";
import { SockhopClient, SockhopServer } from "../mod.ts";
import { emitter, withLink } from "./helpers/peer_link.ts";
import { once, within } from "./helpers/util.ts";

class Widget {
  constructor(public name = "gear", public teeth = 12) {}
  describe(): string {
    return `${this.name}/${this.teeth}`;
  }
}
const widgetSchema = z.object({ name: z.string(), teeth: z.number() });

/** What one client writes for a fixed script of sends and a request. */
async function bytesWritten(
  options: ConstructorParameters<typeof SockhopClient>[0],
): Promise<string> {
  const chunks: Buffer[] = [];
  let peer: Socket | undefined;
  const raw = createServer((sock) => {
    peer = sock;
    sock.on("data", (c) => chunks.push(c));
  });
  await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
  const port = (raw.address() as { port: number }).port;
  const client = new SockhopClient({ port, ...options });
  try {
    await client.connect();
    await client.send(new Widget("a", 1));
    await client.send({ plain: [1, 2] });
    await client.send("text");
    await client.send(new Widget("b", 2), () => {}, { timeout: 50 });
    await client.request(new Widget("c", 3), { timeout: 50 });
    const expected = 5;
    await within(
      (async () => {
        while (
          Buffer.concat(chunks).toString().split("\n").length <= expected
        ) {
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
    );
  } finally {
    await client.disconnect();
    peer?.destroy();
    await new Promise((r) => raw.close(r));
  }
  // Ids are random: compare the frames with them masked.
  return Buffer.concat(chunks).toString()
    .replace(/"(id|uuid)":"[^"]+"/g, '"$1":"*"');
}

describe("types: the wire does not change", () => {
  it("a client with a registry writes the same bytes as one without", async () => {
    const plain = await bytesWritten({});
    const typed = await bytesWritten({
      types: { Widget: { class: Widget, schema: widgetSchema } },
      validate_outgoing: true,
    });
    assert.equal(typed, plain);
    assert.match(
      plain,
      /^\{"type":"Widget","data":\{"name":"a","teeth":1\}\}\n/,
    );
  });

  it("our typed server revives what sockhop@1.8.4 sends", async () => {
    await withLink({
      library: "original",
      side: "server",
      transport: "tcp",
      options: { types: { Widget } },
    }, async (link) => {
      const got = once<[Widget]>(emitter(link), "receive:Widget");
      await link.peer.call("send", {
        data: { name: "sprocket", teeth: 9 },
        as: "Widget",
      });
      const [widget] = await within(got);
      assert.ok(widget instanceof Widget);
      assert.equal(widget.describe(), "sprocket/9");
    });
  });

  it("our typed client revives sockhop@1.8.4's answers and responses", async () => {
    class Echo {
      echo: unknown;
    }
    await withLink({
      library: "original",
      side: "client",
      transport: "tcp",
      options: { types: { Widget: Echo } },
    }, async (link) => {
      const answer = await within(
        new Promise((resolve) => link.send({ ask: 1 }, resolve)),
      );
      assert.ok(answer instanceof Echo);
      assert.deepEqual({ ...answer }, { echo: { ask: 1 }, type: "Object" });
      const stream = await link.request({ count: 2 });
      const packets = await within(stream.all());
      assert.equal(packets.length, 2);
      assert.ok(!(packets[0].data instanceof Echo));
      assert.ok(packets[1].data instanceof Echo);
    });
  });
});

describe("types: servers", () => {
  it("a typed server still serves an untyped client", async () => {
    const server = new SockhopServer({ port: 0, types: { Widget } });
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      server.on("receive:Widget", (w, meta) => meta.callback?.(w.describe()));
      const answer = await within(
        new Promise((resolve) => client.send(new Widget("x", 4), resolve)),
      );
      assert.equal(answer, "x/4");
    } finally {
      await client.disconnect();
      await server.close();
    }
  });
});
