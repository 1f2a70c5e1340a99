// README "The server: sessions, sockets, broadcasting", in JavaScript for
// Node and Bun:
//
//     node sessions.mjs     (or: bun sessions.mjs)
import { once } from "node:events";
import { SockhopClient, SockhopServer, SockhopSession } from "@sockhop/sockhop";

class Player extends SockhopSession {
  nick = "anonymous";
  async start() {
    await this.send({ your_id: this.id }); // tell the client its id
  }
  // end() must return a promise, as start() does: the server awaits it.
  // deno-lint-ignore require-await
  async end() {
    console.log(`${this.nick} left`);
  }
}

const server = new SockhopServer({ port: 0, session_type: Player });
server.on("connect", (_sock, session) => console.log("joined:", session.id));
server.on("receive:String", (nick, { session }) => {
  session.nick = nick;
});
await server.listen();

const client = new SockhopClient({ port: server.port });
const welcome = once(client, "receive");
await client.connect();
const [{ your_id }] = await welcome;
const named = once(server, "receive:String");
await client.send("alice");
await named;

// Later, anywhere on the server: find the session by id and talk to it.
const player = server.get_session(your_id);
const hello = once(client, "receive");
await player?.send(`hello ${player.nick}`);
console.log((await hello)[0]); // hello alice

await server.sendall({ news: "to everyone" });
console.log(server.sockets.length, server.sessions.length); // 1 1
await player?.kill(); // or server.kill_socket(player.sock)
await client.disconnect();
await server.close();
