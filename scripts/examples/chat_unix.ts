/**
 * A chat room over a Unix domain socket: each client's session keeps its
 * nickname, and the server relays every line to everyone with `sendall`.
 *
 *     deno run --allow-net --allow-read --allow-write --allow-env scripts/examples/chat_unix.ts
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SockhopClient, SockhopServer, SockhopSession } from "../../mod.ts";

/** A chat message as it travels. */
class Line {
  constructor(public from: string, public text: string) {}
}

/** Each connection remembers who it is. */
class Member extends SockhopSession {
  nick = "anonymous";
}

const dir = mkdtempSync(join(tmpdir(), "sockhop-chat-"));
const path = join(dir, "chat.sock");
const server = new SockhopServer({ path, session_type: Member });

server.on("receive", (data, meta) => {
  const member = meta.session as Member;
  if (meta.type === "String") {
    member.nick = data; // the first string a client sends is its nickname
    server.sendall(new Line("server", `${member.nick} joined`));
  } else if (meta.type === "Line") {
    server.sendall(new Line(member.nick, data.text));
  }
});
await server.listen();
console.log(`chat server on ${server.get_bound_address()}`);

const nicks = ["alice", "bob", "carol"];
const clients = nicks.map(() => new SockhopClient({ path }));
const transcripts = new Map<string, string[]>(nicks.map((n) => [n, []]));
// 3 joins and 3 lines are broadcast; each client should see all 6.
const everyoneHeardAll = Promise.all(
  clients.map((client, i) =>
    new Promise<void>((resolve) => {
      client.on("receive", (line: Line, meta) => {
        if (meta.type !== "Line") return;
        const lines = transcripts.get(nicks[i])!;
        lines.push(`${line.from}: ${line.text}`);
        if (lines.length === 6) resolve();
      });
    })
  ),
);

for (const client of clients) await client.connect();
// Everyone is in the room before anyone speaks, so all see all 6 lines.
while (server.sessions.length < clients.length) {
  await new Promise((r) => setTimeout(r, 5));
}
for (const [i, client] of clients.entries()) await client.send(nicks[i]);
for (const [i, client] of clients.entries()) {
  await client.send(new Line("", `hello from ${nicks[i]}`));
}
await everyoneHeardAll;
console.log(`what ${nicks[2]} saw:`);
for (const line of transcripts.get(nicks[2])!) console.log(`  ${line}`);

for (const client of clients) await client.disconnect();
await server.close();
rmSync(dir, { recursive: true, force: true });
console.log("chat closed");
