/**
 * `agora` — the command-line face of AgoraBench Studio. Same core as the extension and the language server.
 */
import { type CliCommand, type CliIo, UsageError } from "./command";
import { generateCommand } from "./commands/generate";
import { hostsCommand } from "./commands/hosts";
import { cancelCommand, logsCommand, resumeCommand, runCommand, statusCommand } from "./commands/run";
import { pgrCommand } from "./commands/pgr";
import { reportCommand } from "./commands/report";
import { samplesCommand } from "./commands/samples";
import { validateCommand } from "./commands/validate";

export const COMMANDS: CliCommand[] = [validateCommand, pgrCommand, generateCommand, runCommand, resumeCommand, statusCommand, cancelCommand, logsCommand, hostsCommand, reportCommand, samplesCommand];

const VERSION = "0.1.0";

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `agora ${VERSION} — AgoraBench Studio command line`,
    "",
    "Usage: agora <command> [options]",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `agora <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(help());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    io.out(VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`agora: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`agora ${name}: ${(e as Error).message}\n\n${command.usage}`);
      return 2;
    }
    io.err(`agora ${name}: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  const io: CliIo = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), cwd: process.cwd() };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`agora: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
