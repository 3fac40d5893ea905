import { forgetEnv } from "../env";

// Test files that share one process (vitest `isolate: false`) each start from the environment vitest gave the
// project, whatever the file before put in process.env, and lib/env parses it afresh. Called by the projects'
// setup files, which run before every file.

const holder = globalThis as { tuneforgePristineTestEnv?: NodeJS.ProcessEnv };

export function freshEnv(): void {
  holder.tuneforgePristineTestEnv ??= { ...process.env };
  const pristine = holder.tuneforgePristineTestEnv;
  for (const key of Object.keys(process.env)) if (!(key in pristine)) delete process.env[key];
  Object.assign(process.env, pristine);
  forgetEnv();
}
