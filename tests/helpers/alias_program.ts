/**
 * A program written for sockhop 1.x, as its README taught: CommonJS,
 * `require("sockhop")`, `new Sockhop.server(...)`, a Widget sent with a
 * remote callback. `scripts/check_package.ts` runs it against the packed
 * package installed under the alias `sockhop` (README, "Migrating from
 * sockhop") and against the original `sockhop@1.8.4`, and expects
 * ALIAS_OUTPUT from both. It takes the port as its argument and ends with
 * `process.exit(0)`: the original's client holds a timer from its
 * constructor on, so a 1.x program had to.
 * @module
 */

/** The program, a CommonJS file's text. */
export const ALIAS_PROGRAM = `const Sockhop = require("sockhop");

class Widget {
  constructor(name, teeth) {
    this.name = name;
    this.teeth = teeth;
  }
}

const port = Number(process.argv[2]);
const server = new Sockhop.server({ port });
const client = new Sockhop.client({ port });
server.on("receive", (data, meta) => {
  console.log("server got a " + meta.type + ": " + JSON.stringify(data));
  meta.callback({ thanks: "for the " + data.name });
});
server.listen()
  .then(() => client.connect())
  .then(() => new Promise((resolve) => {
    client.send(new Widget("sprocket", 12), (reply, meta) => {
      console.log("client got a " + meta.type + ": " + JSON.stringify(reply));
      resolve();
    });
  }))
  .then(() => client.disconnect())
  .then(() => server.close())
  .then(() => {
    console.log("done");
    process.exit(0);
  });
`;

/** What the program prints, with either library. */
export const ALIAS_OUTPUT = `server got a Widget: {"name":"sprocket","teeth":12}
client got a Object: {"thanks":"for the sprocket"}
done
`;
