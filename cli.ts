/**
 * The `sockhop` command-line tool: poke at any Sockhop peer (this library's
 * or the original Node `sockhop`'s) from a shell.
 *
 * - `sockhop listen [--echo]` prints each value it receives as one line,
 *   its type label then its JSON (`Widget {"name":"sprocket"}`); `--echo`
 *   answers remote callbacks and requests with the value received.
 * - `sockhop send '<json>' [--type Widget] [--callback]` sends one value
 *   and, with `--callback`, prints the answer.
 * - `sockhop request '<json>'` prints each response packet as a line.
 *
 * Every command takes `--address`, `--port`, `--path` (Unix socket), the
 * TLS flags and `--json` (the json peer type); `--help` lists them.
 *
 * Run it, do not import it:
 *
 *     deno run -A jsr:@sockhop/sockhop/cli listen --port 8000 --echo
 *     deno run -A jsr:@sockhop/sockhop/cli send '{"name":"sprocket"}' --type Widget --port 8000 --callback
 *
 * In Node and Bun, the npm package installs it as `sockhop`
 * (`npx sockhop --help`, `bunx --bun sockhop --help`).
 *
 * @module
 */

import process from "node:process";
import { main } from "./cli/main.ts";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
