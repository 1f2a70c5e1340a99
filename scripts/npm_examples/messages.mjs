// README "Reading messages with for await", in JavaScript for Node and Bun:
//
//     node messages.mjs     (or: bun messages.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const server = new SockhopServer({ port: 0 });
await server.listen();
const client = new SockhopClient({ port: server.port });
await client.connect();

// The loop starts first: values that came before it are not replayed.
const reading = (async () => {
  for await (const [data, { type, session }] of server.messages()) {
    console.log(session.id.length > 0, type, data); // true Object { n: 1 } ...
    if (data === "done") break;
  }
})();
await client.send({ n: 1 });
await client.send({ n: 2 });
await client.send("done");
await reading;
await client.disconnect();
await server.close();
