/**
 * A TLS server and client: the server presents a certificate signed by a
 * throwaway CA, the client trusts that CA and checks the name `localhost`
 * while connecting to 127.0.0.1. Options use Node's names, in both runtimes.
 *
 *     deno run --allow-net --allow-read --allow-write --allow-run --allow-env scripts/examples/tls_pair.ts
 *
 * @module
 */

import { SockhopClient, SockhopServer } from "../../mod.ts";
import { selfSigned } from "./self_signed.ts";

/** Something worth encrypting. */
class Secret {
  constructor(public code: string) {}
}

const { ca, key, cert } = selfSigned();

const server = new SockhopServer({ port: 0, ssl_options: { key, cert } });
server.on("receive", (data, meta) => {
  console.log(`server got a ${meta.type} over TLS:`, JSON.stringify(data));
  meta.callback?.({ stored: true });
});
await server.listen();

const client = new SockhopClient({
  port: server.port,
  ssl_options: { ca, servername: "localhost" },
});
await client.connect();
console.log("client connected over TLS");
const answer = await new Promise((resolve) =>
  client.send(new Secret("7-4-1"), (reply) => resolve(reply))
);
console.log("client got the answer:", JSON.stringify(answer));

await client.disconnect();
await server.close();
