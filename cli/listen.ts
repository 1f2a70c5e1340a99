/**
 * `sockhop listen`: a server that prints what it receives and, with
 * `--echo`, answers remote callbacks and requests with the value received.
 * @module
 */

import process from "node:process";
import { SockhopServer } from "../mod.ts";
import type { CliArgs } from "./args.ts";
import { CommandError } from "./errors.ts";
import { labelled, line } from "./format.ts";
import { serverOptions } from "./options.ts";
import type { Output } from "./output.ts";

/** A server that prints, and with `echo` answers, what it receives. */
function printingServer(args: CliArgs, out: Output): SockhopServer {
  const server = new SockhopServer(serverOptions(args));
  server.on("receive", (data, meta) => {
    out.line(line(meta.type, data));
    if (args.echo && meta.callback) {
      meta.callback(labelled(data, meta.type)).catch((e) =>
        out.error(`cannot answer a callback: ${e.message}`)
      );
    }
  });
  server.on("request", (req, res) => {
    out.line(line(req.type, req.data));
    if (args.echo) {
      res.send(labelled(req.data, req.type)).catch((e) =>
        out.error(`cannot answer a request: ${e.message}`)
      );
    }
  });
  server.on("error", (e) => out.error(e.message));
  return server;
}

/**
 * Resolves on the first SIGINT or SIGTERM; a second one, while closing,
 * kills as usual. `dispose()` stops listening for them.
 */
function firstSignal(): { signalled: Promise<void>; dispose: () => void } {
  let resolve!: () => void;
  const signalled = new Promise<void>((r) => resolve = r);
  const dispose = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  const onSignal = () => {
    dispose();
    resolve();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return { signalled, dispose };
}

/**
 * Listens until SIGINT or SIGTERM, then closes and resolves with exit
 * status 0. Where it listens goes to stderr, received values to stdout.
 * @throws CommandError when it cannot listen
 */
export async function listen(args: CliArgs, out: Output): Promise<number> {
  const server = printingServer(args, out);
  const where = () => server.path ?? `${server.address}:${server.port}`;
  // Handled from before saying where it listens: whoever reads that line
  // may signal at once.
  const { signalled, dispose } = firstSignal();
  try {
    await server.listen().catch((e) => {
      throw new CommandError(`cannot listen on ${where()}: ${e.message}`);
    });
    out.error(
      `listening on ${where()}${args.tls || args.cert ? " (TLS)" : ""}`,
    );
    await signalled;
  } finally {
    dispose();
    await server.close();
  }
  return 0;
}
