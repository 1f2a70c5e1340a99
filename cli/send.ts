/**
 * `sockhop send` and `sockhop request`: connect, send one value, print the
 * answer (a remote callback's, or each response packet), disconnect.
 * @module
 */

import { SockhopClient } from "../mod.ts";
import type { CliArgs } from "./args.ts";
import { labelled, line } from "./format.ts";
import { clientOptions } from "./options.ts";
import type { Output } from "./output.ts";

/** A failure worth one line on stderr and exit status 1. */
export class CommandError extends Error {
  override name = "CommandError";
}

/** The value to send, labelled as `--type` says. */
function outgoing(args: CliArgs): unknown {
  return args.type === undefined ? args.value : labelled(args.value, args.type);
}

async function connected<T>(
  args: CliArgs,
  use: (client: SockhopClient) => Promise<T>,
): Promise<T> {
  const client = new SockhopClient(clientOptions(args));
  // Problems on the connection (bad input from the peer) are reported by
  // what they break; without a listener they would be thrown.
  client.on("error", () => {});
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
  } finally {
    await client.disconnect();
  }
}

const why: Record<string, string> = {
  "timed-out": "no answer came in time",
  stopped: "the connection closed before the answer came",
};

/** Sends the value; with `--callback`, prints the answer. */
export function send(args: CliArgs, out: Output): Promise<number> {
  return connected(args, async (client) => {
    if (!args.callback) {
      await client.send(outgoing(args));
      return 0;
    }
    const answer = new Promise<string>((resolve, reject) => {
      client.send(
        outgoing(args),
        (data, meta) => resolve(line(meta.type, data)),
        {
          timeout: args.timeout,
          error_cb: (reason) =>
            reject(new CommandError(why[reason] ?? `no answer (${reason})`)),
        },
      ).catch(reject);
    });
    out.line(await answer);
    return 0;
  });
}

/** Sends a request and prints each response packet until the stream ends. */
export function request(args: CliArgs, out: Output): Promise<number> {
  return connected(args, async (client) => {
    const stream = await client.request(outgoing(args), {
      timeout: args.timeout,
    });
    for await (const { type, data } of stream) out.line(line(type, data));
    return 0;
  });
}
