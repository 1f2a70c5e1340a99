/**
 * README "Typed values", with a Zod schema: values labelled "Reading" are
 * validated before any listener sees them; one that fails is an
 * `ERR_INVALID_VALUE` error event and never reaches `receive`.
 *
 *     deno run --allow-net scripts/examples/typed_schema.ts
 *
 * @module
 */

import { z } from "zod";
import {
  SockhopClient,
  SockhopInvalidValueError,
  SockhopServer,
} from "../../mod.ts";

const readingSchema = z.object({
  sensor: z.string(),
  celsius: z.number().min(-90).max(60),
});

const server = new SockhopServer({
  port: 0,
  types: { Reading: readingSchema },
});
const refused = new Promise<void>((resolve) => {
  server.on("error", (e) => {
    if (!(e instanceof SockhopInvalidValueError)) return;
    console.log("refused:", e.code, e.label, e.issues[0].path?.join("."));
    resolve();
  });
});
server.on("receive:Reading", (reading) => {
  // Typed from the schema: { sensor: string; celsius: number }
  console.log(`${reading.sensor}: ${reading.celsius} °C`);
});
await server.listen();

// The sender's class gives the label "Reading".
class Reading {
  constructor(public sensor: string, public celsius: number) {}
}
const client = new SockhopClient({ port: server.port });
await client.connect();
await client.send(new Reading("greenhouse", 21.5));
await client.send(new Reading("oven", 180)); // fails: never received
await refused;
await client.disconnect();
await server.close();
