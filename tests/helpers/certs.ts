/**
 * Throwaway TLS material for the tests, made at test time with the
 * `openssl` command line tool (EC P-256 keys, so it takes milliseconds):
 * a CA, a server certificate for `localhost` (SANs `DNS:localhost` and
 * `IP:127.0.0.1`) signed by it, and a second, unrelated CA that a client
 * can be told to trust instead (the "untrusted server" case); client
 * certificates for mutual TLS, one from the CA and one from the unrelated
 * CA; and a self-signed `localhost` certificate with CA:TRUE, used as a
 * server's own (Deno's client refuses that, Node's accepts it).
 * Runtime-neutral: `node:child_process` works in Deno and in Node.
 * @module
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./util.ts";

/** PEM strings (and the files holding them) for one test file. */
export interface TestCerts {
  /** The CA that signed `cert` (PEM). */
  ca: string;
  /** The server certificate for `localhost` / `127.0.0.1` (PEM). */
  cert: string;
  /** The server certificate's private key (PEM, PKCS#8). */
  key: string;
  /** A CA that signed nothing used here: trusting only it must fail. */
  otherCa: string;
  /** A client certificate from `ca`, subject `CN=Sockhop Test Client`. */
  clientCert: string;
  /** Its key. */
  clientKey: string;
  /** A client certificate from the unrelated CA (`CN=Stranger`). */
  strangerCert: string;
  /** Its key. */
  strangerKey: string;
  /** A self-signed `localhost` certificate with CA:TRUE. */
  caAsLeafCert: string;
  /** Its key. */
  caAsLeafKey: string;
  /**
   * The folder holding `ca.pem`, `server.pem`, `server.key`,
   * `other-ca.pem`, `client.pem`, `client.key`.
   */
  dir: string;
  /** Removes `dir`. */
  cleanup: () => void;
}

/** Days the certificates are valid; they live only as long as a test run. */
const DAYS = "2";

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const stderr = (e as { stderr?: Uint8Array }).stderr;
    const detail = stderr ? new TextDecoder().decode(stderr) : String(e);
    throw new Error(
      `openssl ${args[0]} failed (is openssl installed?): ${detail}`,
    );
  }
}

/** A random positive serial number, as openssl's `-set_serial` wants it. */
function serial(): string {
  const bytes = randomBytes(8);
  bytes[0] &= 0x7f; // positive
  return "0x" + bytes.toString("hex");
}

/** openssl arguments for a new P-256 key, unencrypted, in `<name>.key`. */
function newKey(name: string): string[] {
  return [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
  ];
}

/** A self-signed CA certificate `<name>.pem` with its key `<name>.key`. */
function makeCa(dir: string, name: string, cn: string): void {
  openssl([
    "req",
    "-x509",
    ...newKey(name),
    "-out",
    `${name}.pem`,
    "-days",
    DAYS,
    "-set_serial",
    serial(),
    "-subj",
    `/CN=${cn}`,
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
}

/** A certificate `<name>.pem` (key `<name>.key`) signed by the CA `ca`. */
function makeLeaf(
  dir: string,
  name: string,
  ca: string,
  subject: string,
  extensions: string[],
): void {
  openssl([
    "req",
    "-new",
    ...newKey(name),
    "-out",
    `${name}.csr`,
    "-subj",
    subject,
  ], dir);
  writeFileSync(join(dir, `${name}.ext`), [...extensions, ""].join("\n"));
  openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-set_serial",
    serial(),
    "-days",
    DAYS,
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ], dir);
}

const CLIENT_EXTENSIONS = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=clientAuth",
];

/**
 * Makes the CA, the server certificate and the unrelated CA in a fresh
 * temporary folder. Call once per test file (e.g. in `before`) and call
 * `cleanup()` when done.
 * @throws if `openssl` is missing or fails
 */
export function makeTestCerts(): TestCerts {
  const { dir, cleanup } = tempDir();
  try {
    makeCa(dir, "ca", "Sockhop Test CA");
    makeCa(dir, "other-ca", "Sockhop Unrelated CA");
    // An end-entity certificate: rustls (Deno) insists on SANs and on
    // CA:FALSE; Node checks the SANs too.
    makeLeaf(dir, "server", "ca", "/CN=localhost", [
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
    ]);
    makeLeaf(
      dir,
      "client",
      "ca",
      "/CN=Sockhop Test Client/O=Sockhop Tests",
      CLIENT_EXTENSIONS,
    );
    makeLeaf(dir, "stranger", "other-ca", "/CN=Stranger", CLIENT_EXTENSIONS);
    // What `openssl req -x509` makes by default: CA:TRUE.
    openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "ca-as-leaf.key",
      "-out",
      "ca-as-leaf.pem",
      "-days",
      DAYS,
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ], dir);
    const read = (name: string) => readFileSync(join(dir, name), "utf8");
    return {
      ca: read("ca.pem"),
      cert: read("server.pem"),
      key: read("server.key"),
      otherCa: read("other-ca.pem"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
      strangerCert: read("stranger.pem"),
      strangerKey: read("stranger.key"),
      caAsLeafCert: read("ca-as-leaf.pem"),
      caAsLeafKey: read("ca-as-leaf.key"),
      dir,
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
