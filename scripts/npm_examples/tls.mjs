// README "TLS", in JavaScript for Node and Bun. The README reads server.key,
// server.pem and ca.pem from the working folder; to run by itself, this
// twin first makes throwaway ones with `openssl` in a temp folder (a CA, and
// a certificate for localhost signed by it), and lets the OS pick the port:
//
//     node tls.mjs     (or: bun tls.mjs)
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SockhopClient, SockhopServer } from "@sockhop/sockhop";

const dir = mkdtempSync(join(tmpdir(), "sockhop-tls-"));
const file = (name) => join(dir, name);
const openssl = (...args) => execFileSync("openssl", args, { stdio: "pipe" });
const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
try {
  openssl(
    "req",
    "-x509",
    ...ec,
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=demo CA",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
  );
  openssl(
    "req",
    ...ec,
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
  );
  writeFileSync(file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  openssl(
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    file("san.ext"),
    "-out",
    file("server.pem"),
  );

  // From here on, the README's example.
  const server = new SockhopServer({
    port: 0,
    ssl_options: {
      key: readFileSync(file("server.key"), "utf8"), // PEM strings
      cert: readFileSync(file("server.pem"), "utf8"),
    },
  });
  await server.listen();

  const client = new SockhopClient({
    port: server.port,
    ssl_options: {
      ca: readFileSync(file("ca.pem"), "utf8"), // trust a private CA
      servername: "localhost", // the name the certificate carries
    },
  });
  await client.connect();
  const arrival = once(server, "receive");
  await client.send({ secret: "over TLS" });
  const [data, meta] = await arrival;
  console.log(meta.type, data); // Object { secret: 'over TLS' }
  await client.disconnect();
  await server.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
