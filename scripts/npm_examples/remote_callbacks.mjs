// README "Remote callbacks", in JavaScript for Node and Bun:
//
//     node remote_callbacks.mjs     (or: bun remote_callbacks.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const server = new SockhopServer({ port: 0 });
server.on("receive", (data, meta) => {
  // meta.callback is set only when the sender asked for an answer
  meta.callback?.({ total: data.a + data.b });
});
await server.listen();

const client = new SockhopClient({ port: server.port });
await client.connect();
const reply = await new Promise((resolve) => {
  client.send(
    { a: 2, b: 3 },
    (answer, meta) => resolve([meta.type, answer]), // ["Object", { total: 5 }]
    { timeout: 5000, error_cb: (reason) => console.log("no answer:", reason) },
  );
});
console.log(reply);

await client.disconnect();
await server.close();
