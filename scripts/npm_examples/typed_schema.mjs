// README "Typed values", with a Zod schema, in JavaScript for Node and Bun
// (needs `npm install zod` beside the package): values labelled "Reading"
// are validated before any listener sees them.
//
//     node typed_schema.mjs     (or: bun typed_schema.mjs)
import { z } from "zod";
import {
  SockhopClient,
  SockhopInvalidValueError,
  SockhopServer,
} from "@sockhop/sockhop";

const readingSchema = z.object({
  sensor: z.string(),
  celsius: z.number().min(-90).max(60),
});

const server = new SockhopServer({
  port: 0,
  types: { Reading: readingSchema },
});
const refused = new Promise((resolve) => {
  server.on("error", (e) => {
    if (!(e instanceof SockhopInvalidValueError)) return;
    console.log("refused:", e.code, e.label, e.issues[0].path?.join("."));
    resolve();
  });
});
server.on("receive:Reading", (reading) => {
  console.log(`${reading.sensor}: ${reading.celsius} °C`);
});
await server.listen();

// The sender's class gives the label "Reading".
class Reading {
  constructor(sensor, celsius) {
    this.sensor = sensor;
    this.celsius = celsius;
  }
}
const client = new SockhopClient({ port: server.port });
await client.connect();
await client.send(new Reading("greenhouse", 21.5));
await client.send(new Reading("oven", 180)); // fails: never received
await refused;
await client.disconnect();
await server.close();
