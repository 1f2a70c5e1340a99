/**
 * The command-line tool's entry point, shared by Deno and Node: parse the
 * arguments, run the command, turn failures into messages and exit codes.
 * @module
 */

import { parse } from "./args.ts";
import { UsageError } from "./errors.ts";
import { listen } from "./listen.ts";
import { type Output, processOutput } from "./output.ts";
import { request } from "./request.ts";
import { send } from "./send.ts";

/**
 * Runs the tool with `argv` (the arguments after the program name) and
 * resolves with the exit status: 0 done, 1 failed, 2 bad command line.
 */
export async function main(
  argv: string[],
  out: Output = processOutput,
): Promise<number> {
  try {
    const args = parse(argv);
    if ("help" in args) {
      out.line(args.help.trimEnd());
      return 0;
    }
    switch (args.command) {
      case "listen":
        return await listen(args, out);
      case "send":
        return await send(args, out);
      case "request":
        return await request(args, out);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      out.error(`${e.message}\nRun \`sockhop --help\` for usage.`);
      return 2;
    }
    const err = e as Error & { code?: string };
    out.error(
      err.code && !err.message.includes(err.code)
        ? `${err.message} (${err.code})`
        : err.message,
    );
    return 1;
  }
}
