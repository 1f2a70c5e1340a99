/**
 * The main demo: a server and a client on loopback exchange a `Widget`, a
 * few plain values, a remote callback and a streamed request, then close.
 *
 *     deno task demo
 *
 * @module
 */

import { SockhopClient, SockhopServer } from "../mod.ts";

/** A user class: it arrives on the other side labelled "Widget". */
class Widget {
  constructor(public name: string, public teeth: number) {}
}

/** "a Widget", "an Array": the type label with its article. */
function article(type: string): string {
  return `${/^[AEIO]/.test(type) ? "an" : "a"} ${type}`;
}

const server = new SockhopServer({ port: 0 }); // the OS picks a free port
server.on("receive", (data, meta) => {
  console.log(`server got ${article(meta.type)}:`, JSON.stringify(data));
  // The client asked for an answer: send one back.
  meta.callback?.({ thanks: "for the " + meta.type });
});
server.on("request", async (req, res) => {
  console.log(`server got a request (${req.type}):`, JSON.stringify(req.data));
  for (let i = 1; i <= 3; i++) await res.write({ part: i });
  await res.send({ done: true });
});
await server.listen();
console.log(`server listening on ${server.get_bound_address()}:${server.port}`);

const client = new SockhopClient({ port: server.port });
client.on("receive", (data, meta) => {
  console.log(`client got ${article(meta.type)}:`, JSON.stringify(data));
});
await client.connect();
console.log("client connected");

await client.send("hello");
await client.send([1, 2, 3]);
const reply = await new Promise((resolve) => {
  client.send(new Widget("sprocket", 12), (answer, meta) => {
    console.log(
      `client got the callback's ${meta.type}:`,
      JSON.stringify(answer),
    );
    resolve(answer);
  });
});

const stream = await client.request({ count: 3 });
const packets = await stream.all();
console.log("client got the streamed response:", JSON.stringify(packets));

await server.sendall({ bye: true });
await new Promise((r) => setTimeout(r, 20)); // let the last message arrive
await client.disconnect();
await server.close();
console.log(
  reply && packets.length === 4
    ? "demo finished: everything arrived"
    : "demo failed",
);
