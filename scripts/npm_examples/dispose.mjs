// README "Closing with await using", in JavaScript for Node and Bun. Node 20
// has Symbol.asyncDispose but not the `await using` syntax, so this calls
// it in `finally`, as the scope's end would:
//
//     node dispose.mjs     (or: bun dispose.mjs)
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

async function roundTrip() {
  const server = new SockhopServer({ port: 0 });
  try {
    server.on("receive", (data, meta) => meta.callback?.({ echo: data }));
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      return await new Promise((answer) => client.send("hi", answer));
    } finally {
      await client[Symbol.asyncDispose]();
    }
  } finally {
    await server[Symbol.asyncDispose]();
  }
}

console.log(await roundTrip()); // { echo: 'hi' }
