/**
 * Throwaway TLS material for examples: a private CA and a certificate for
 * `localhost` / `127.0.0.1`, made with the `openssl` command in a temp dir.
 * Never use these outside a demo.
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM strings: the CA certificate, and the server's key and certificate. */
export interface SelfSigned {
  /** CA certificate, for the client's `ca`. */
  ca: string;
  /** Server private key, for the server's `key`. */
  key: string;
  /** Server certificate, for the server's `cert`. */
  cert: string;
}

/** Makes a CA and a `localhost` certificate signed by it. */
export function selfSigned(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "sockhop-tls-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { stdio: "pipe" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    openssl(
      "req",
      "-x509",
      ...ec,
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=Sockhop demo CA",
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
    writeFileSync(
      file("san.ext"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    );
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
    return {
      ca: readFileSync(file("ca.pem"), "utf8"),
      key: readFileSync(file("server.key"), "utf8"),
      cert: readFileSync(file("server.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
