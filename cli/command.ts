// What every `tuneforge` subcommand provides; cli/registry.ts lists them.

export type CliContext = {
  /** The repository root (where package.json, prisma/ and native/ live), whatever the cwd. */
  root: string;
  out: (text: string) => void;
  err: (text: string) => void;
};

export type Command = {
  name: string;
  /** One line for `tuneforge --help`. */
  summary: string;
  /** Full usage for `tuneforge <command> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], ctx: CliContext): Promise<number>;
};
