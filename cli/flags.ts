/**
 * The command-line tool's commands and their flags, and the help text made
 * from them.
 * @module
 */

/** The tool's commands. */
export type Command = "listen" | "send" | "request";

/** One flag, in `node:util` `parseArgs` terms plus its help. */
export interface Flag {
  /** A string flag takes a value; a boolean one does not. */
  type: "string" | "boolean";
  /** What a string flag's value is, for the help text. */
  arg?: string;
  /** Whether the flag may be given more than once. */
  multiple?: boolean;
  /** One line of help. */
  help: string;
}

const common: Record<string, Flag> = {
  address: {
    type: "string",
    arg: "ip",
    help: "IP address (default 127.0.0.1)",
  },
  port: { type: "string", arg: "n", help: "TCP port (default 50000)" },
  path: {
    type: "string",
    arg: "file",
    help: "Unix socket path, instead of TCP",
  },
  tls: { type: "boolean", help: "use TLS" },
  json: {
    type: "boolean",
    help: "json peer type: bare JSON values, no type labels",
  },
};

const serverTls: Record<string, Flag> = {
  cert: { type: "string", arg: "file", help: "PEM certificate file (TLS)" },
  key: { type: "string", arg: "file", help: "PEM private key file (TLS)" },
};

const clientTls: Record<string, Flag> = {
  ca: {
    type: "string",
    arg: "file",
    multiple: true,
    help: "PEM CA file to trust (TLS; repeatable)",
  },
  cert: {
    type: "string",
    arg: "file",
    help: "PEM client certificate file (TLS)",
  },
  key: { type: "string", arg: "file", help: "PEM client key file (TLS)" },
  servername: {
    type: "string",
    arg: "name",
    help: "name the server's certificate must carry (TLS)",
  },
  insecure: {
    type: "boolean",
    help: "do not verify the server's certificate (TLS; for tests only)",
  },
};

const typeFlag: Flag = {
  type: "string",
  arg: "label",
  help: "type label to send with (default: the JSON type: Object, Array, " +
    "String, Number, Boolean)",
};
const timeoutFlag: Flag = {
  type: "string",
  arg: "ms",
  help: "how long to wait for the answer, in ms (default 30000)",
};

/** Each command: its usage line, what it does, its flags. */
export const commands: Record<Command, {
  usage: string;
  about: string;
  flags: Record<string, Flag>;
}> = {
  listen: {
    usage: "sockhop listen [flags]",
    about: "Listens and prints each value it receives (sent or requested) " +
      "as one line: its type label, then its JSON.",
    flags: {
      ...common,
      ...serverTls,
      echo: {
        type: "boolean",
        help: "answer remote callbacks and requests with the value received",
      },
    },
  },
  send: {
    usage: "sockhop send '<json>' [flags]",
    about: "Connects and sends one value; with --callback, prints the " +
      "answer as a line (type label, then JSON).",
    flags: {
      ...common,
      ...clientTls,
      type: typeFlag,
      callback: { type: "boolean", help: "ask for a remote callback" },
      timeout: timeoutFlag,
    },
  },
  request: {
    usage: "sockhop request '<json>' [flags]",
    about: "Connects, sends a request and prints each response packet as " +
      "a line (type label, then JSON) until the response ends.",
    flags: {
      ...common,
      ...clientTls,
      type: typeFlag,
      timeout: timeoutFlag,
    },
  },
};

function flagLines(flags: Record<string, Flag>): string {
  const all: [string, string][] = Object.entries(flags).map(([name, s]) => [
    `--${name}${s.arg ? ` <${s.arg}>` : ""}`,
    s.help,
  ]);
  all.push(["--help, -h", "show this help"]);
  const width = Math.max(...all.map(([f]) => f.length));
  return all.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`).join("\n");
}

/** The help text of a command, or of the tool when `command` is omitted. */
export function helpText(command?: Command): string {
  if (command) {
    const c = commands[command];
    return `Usage: ${c.usage}\n\n${c.about}\n\nFlags:\n${flagLines(c.flags)}\n`;
  }
  const list = (Object.keys(commands) as Command[])
    .map((name) => `  ${commands[name].usage}\n      ${commands[name].about}`)
    .join("\n");
  return `sockhop: talk to any Sockhop peer from the command line.\n\n` +
    `Commands:\n${list}\n\n` +
    `Run \`sockhop <command> --help\` for each command's flags.\n`;
}
