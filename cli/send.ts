/**
 * `sockhop send`: sends one value and, with `--callback`, prints the
 * answer.
 * @module
 */

import type { CliArgs } from "./args.ts";
import { connected, outgoing } from "./connect.ts";
import { CommandError } from "./errors.ts";
import { line } from "./format.ts";
import type { Output } from "./output.ts";

/** Why a remote callback was dropped, for the error message. */
const why: Record<string, string> = {
  "timed-out": "no answer came in time",
  stopped: "the connection closed before the answer came",
};

/** Sends the value; with `--callback`, prints the answer as a line. */
export function send(args: CliArgs, out: Output): Promise<number> {
  return connected(args, out, async (client) => {
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
