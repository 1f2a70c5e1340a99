/**
 * A request/response service with streaming: the server answers a
 * "primes below N" request with one packet per prime and a summary as the
 * last packet; the client reads the stream with `for await`. A request the
 * server never answers ends with ERR_RESPONSE_TIMEOUT.
 *
 *     deno run --allow-net scripts/examples/request_service.ts
 *
 * @module
 */

import { SockhopClient, SockhopError, SockhopServer } from "../../mod.ts";

/** What the client asks for. */
class PrimeQuery {
  constructor(public below: number) {}
}

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return n > 1;
}

const server = new SockhopServer({ port: 0 });
server.on("request", async (req, res) => {
  if (req.type !== "PrimeQuery") return; // ignored: the requester times out
  const { below } = req.data as PrimeQuery;
  let count = 0;
  for (let n = 2; n < below; n++) {
    if (isPrime(n)) {
      count++;
      await res.write(n); // a packet, stream stays open
    }
  }
  await res.send({ count }); // the last packet
});
await server.listen();

const client = new SockhopClient({ port: server.port });
await client.connect();

const stream = await client.request(new PrimeQuery(50));
const primes: number[] = [];
for await (const { data, type } of stream) {
  if (type === "Number") primes.push(data as number);
  else console.log("summary:", JSON.stringify(data));
}
console.log("primes below 50:", primes.join(" "));

const unanswered = await client.request("nobody answers this", {
  timeout: 200,
});
try {
  await unanswered.next();
} catch (e) {
  if (!(e instanceof SockhopError)) throw e;
  console.log("unanswered request:", e.code);
}

await client.disconnect();
await server.close();
