// README "Errors", in JavaScript for Node and Bun (nothing listens on port
// 50124):
//
//     node errors.mjs     (or: bun errors.mjs)
import { SockhopClient, SockhopError } from "@sockhop/sockhop";

const client = new SockhopClient({ port: 50124 });
try {
  await client.send({ too: "early" });
} catch (e) {
  if (e instanceof SockhopError && e.code === "ERR_SOCKET_DESTROYED") {
    console.log("not connected yet");
  }
}
