/** The shape of an `agora` sub-command. Each lives in its own module under commands/ and is listed in main.ts. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

export interface CliCommand {
  name: string;
  /** One line for `agora --help`. */
  summary: string;
  /** Full usage text for `agora <name> --help`. */
  usage: string;
  /** Runs the command and resolves the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for wrong arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
