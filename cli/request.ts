/**
 * `sockhop request`: sends a request and prints each response packet.
 * @module
 */

import type { CliArgs } from "./args.ts";
import { connected, outgoing } from "./connect.ts";
import { line } from "./format.ts";
import type { Output } from "./output.ts";

/**
 * Sends the request and prints each response packet as a line until the
 * response ends; a response that ends early (timeout, connection lost)
 * throws its error after the packets that came.
 */
export function request(args: CliArgs, out: Output): Promise<number> {
  return connected(args, out, async (client) => {
    const stream = await client.request(outgoing(args), {
      timeout: args.timeout,
    });
    for await (const { type, data } of stream) out.line(line(type, data));
    return 0;
  });
}
