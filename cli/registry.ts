import type { Command } from "./command";
import { benchCommand } from "./commands/bench";
import { doctorCommand } from "./commands/doctor";
import { estimateCommand } from "./commands/estimate";
import { evalCommand } from "./commands/eval";
import { exportCommand } from "./commands/export";
import { generateCommand } from "./commands/generate";
import { importCommand } from "./commands/import";
import { jobsCommand } from "./commands/jobs";
import { logprobsCommand } from "./commands/logprobs";
import { mergeCommand } from "./commands/merge";
import { trainCommand } from "./commands/train";
import { validateCommand } from "./commands/validate";

// Implemented subcommands, in the order `tuneforge --help` lists them.
export const COMMANDS: Command[] = [validateCommand, importCommand, estimateCommand, exportCommand, jobsCommand, evalCommand, trainCommand, generateCommand, logprobsCommand, mergeCommand, benchCommand, doctorCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function helpText(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `tuneforge ${version} — fine-tune language models on your own data`,
    "",
    "Usage: tuneforge <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  -h, --help     show help (also: tuneforge <command> --help)",
    "  -v, --version  print the version",
    "",
  ].join("\n");
}
