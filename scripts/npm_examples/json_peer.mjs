// README "Talking to programs that are not Sockhop: peer_type json", in
// JavaScript for Node and Bun; the raw peer is a node:net socket here:
//
//     node json_peer.mjs     (or: bun json_peer.mjs)
import { once } from "node:events";
import { connect } from "node:net";
import { SockhopServer } from "@sockhop/sockhop";

const server = new SockhopServer({ port: 0, peer_type: "json" });
await server.listen();

// Any program that writes lines of JSON, here a raw TCP connection:
const raw = connect({ port: server.port, host: "127.0.0.1" });
await once(raw, "connect");
const arrival = once(server, "receive");
raw.write('{"temp":21.5}\n');
const [reading, meta] = await arrival;
console.log(meta.type, reading); // Object { temp: 21.5 }

const answer = once(raw, "data");
await server.send(meta.socket, { ack: true });
console.log(String((await answer)[0]).trim()); // {"ack":true}

raw.destroy();
await server.close();
