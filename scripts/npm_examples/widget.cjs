// A Node (CommonJS) example of the npm package: a server and a client on
// loopback exchange a Widget and answer it with a remote callback.
//
//     npm install @sockhop/sockhop
//     node widget.cjs
const { SockhopServer, SockhopClient } = require("@sockhop/sockhop");

class Widget {
  constructor(name, teeth) {
    this.name = name;
    this.teeth = teeth;
  }
}

async function main() {
  const server = new SockhopServer({ port: 0 }); // the OS picks a free port
  server.on("receive", (data, meta) => {
    console.log(`server got a ${meta.type}:`, data);
    // The client passed a callback: answer it.
    meta.callback?.({ thanks: `for the ${data.name}` });
  });
  await server.listen();

  const client = new SockhopClient({ port: server.port });
  await client.connect();
  const reply = await new Promise((resolve) => {
    client.send(new Widget("sprocket", 12), (answer) => resolve(answer));
  });
  console.log("client got the callback:", reply);

  await client.disconnect();
  await server.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
