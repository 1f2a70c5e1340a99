// README "Cancelling with AbortSignal", in JavaScript for Node and Bun:
//
//     node abort.mjs     (or: bun abort.mjs)
import { SockhopClient, SockhopError, SockhopServer } from "@sockhop/sockhop";

const server = new SockhopServer({ port: 0 });
server.on("request", async (_req, res) => {
  for (let i = 1; i <= 1000; i++) await res.write({ tick: i });
  await res.end();
});
await server.listen();
const client = new SockhopClient({ port: server.port });
await client.connect({ signal: AbortSignal.timeout(2000) });

const controller = new AbortController();
const stream = await client.request({ ticks: "please" }, {
  signal: controller.signal,
});
try {
  for await (const { data } of stream) {
    if (data.tick === 3) controller.abort("enough");
  }
} catch (e) {
  if (e instanceof SockhopError && e.code === "ERR_ABORTED") {
    console.log("stopped:", e.cause); // stopped: enough
  }
}
await client.disconnect();
await server.close();
