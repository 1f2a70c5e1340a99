/**
 * The client side of `sockhop send` and `sockhop request`: connect, run
 * the command, disconnect.
 * @module
 */

import { SockhopClient } from "../mod.ts";
import type { CliArgs } from "./args.ts";
import { CommandError } from "./errors.ts";
import { labelled } from "./format.ts";
import { clientOptions } from "./options.ts";
import type { Output } from "./output.ts";

/** The value to send, labelled as `--type` says. */
export function outgoing(args: CliArgs): unknown {
  return args.type === undefined ? args.value : labelled(args.value, args.type);
}

/**
 * Connects as `args` say, runs `use`, and disconnects whatever happened.
 * @throws CommandError when the connection cannot be made
 */
export async function connected<T>(
  args: CliArgs,
  out: Output,
  use: (client: SockhopClient) => Promise<T>,
): Promise<T> {
  const client = new SockhopClient(clientOptions(args));
  // Bad input from the peer: worth seeing, not worth stopping for.
  client.on("error", (e) => out.error(e.message));
  try {
    await client.connect();
  } catch (e) {
    const where = client.path ?? `${client.address}:${client.port}`;
    throw new CommandError(
      `cannot connect to ${where}: ${(e as Error).message}`,
    );
  }
  try {
    return await use(client);
  } catch (e) {
    // Not connected before our own disconnect(): the server hung up.
    if (client.connected) throw e;
    throw new CommandError(closedMessage(args));
  } finally {
    await client.disconnect();
  }
}

/** Whether the flags turn TLS on (any TLS flag does, as in the library). */
function usesTls(args: CliArgs): boolean {
  return args.tls || args.ca.length > 0 || args.cert !== undefined ||
    args.key !== undefined || args.servername !== undefined || args.insecure;
}

/**
 * Why an answer never came when the server hung up: a TLS server does
 * that to a plain client, after one failed handshake, without a word.
 */
function closedMessage(args: CliArgs): string {
  const closed = "the server closed the connection before the answer came";
  return usesTls(args)
    ? closed
    : `${closed}; if it speaks TLS, try --tls (with --ca <file>, or --insecure)`;
}
