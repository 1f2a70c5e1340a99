// README "Streamed requests", in JavaScript for Node and Bun:
//
//     node streamed_requests.mjs     (or: bun streamed_requests.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const server = new SockhopServer({ port: 0 });
server.on("request", async (req, res, { session }) => {
  console.log(`request ${req.uuid}: a ${req.type} from ${session.id}`);
  const { count } = req.data;
  for (let i = 1; i <= count; i++) await res.write({ part: i });
  await res.send("done"); // the last packet
});
await server.listen();

const client = new SockhopClient({ port: server.port });
await client.connect();

const stream = await client.request({ count: 3 }, { timeout: 5000 });
for await (const { data, type } of stream) console.log(type, data);
// Object { part: 1 }, Object { part: 2 }, Object { part: 3 }, String done

const packets = await (await client.request({ count: 2 })).all();
console.log(packets.length); // 3

const first = await (await client.request({ count: 5 })).next();
console.log(first); // { data: { part: 1 }, type: 'Object' }

await client.disconnect();
await server.close();
