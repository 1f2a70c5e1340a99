/**
 * Throwaway TLS material for the tests, made at test time with the
 * `openssl` command line tool (EC P-256 keys, so it takes milliseconds):
 * a CA, a server certificate for `localhost` (SANs `DNS:localhost` and
 * `IP:127.0.0.1`) signed by it, and a second, unrelated CA that a client
 * can be told to trust instead (the "untrusted server" case).
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
  /** The folder holding `ca.pem`, `server.pem`, `server.key`, `other-ca.pem`. */
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

/** A self-signed CA certificate `<name>.pem` with its key `<name>.key`. */
function makeCa(dir: string, name: string, cn: string): void {
  openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
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
    openssl([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=localhost",
    ], dir);
    // An end-entity certificate: rustls (Deno) insists on SANs and on
    // CA:FALSE; Node checks the SANs too.
    writeFileSync(
      join(dir, "server.ext"),
      [
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
        "",
      ].join("\n"),
    );
    openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-set_serial",
      serial(),
      "-days",
      DAYS,
      "-extfile",
      "server.ext",
      "-out",
      "server.pem",
    ], dir);
    const read = (name: string) => readFileSync(join(dir, name), "utf8");
    return {
      ca: read("ca.pem"),
      cert: read("server.pem"),
      key: read("server.key"),
      otherCa: read("other-ca.pem"),
      dir,
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
