import { freshEnv } from "./fresh-env";

// Runs before each unit test file: the files of one vitest worker share a process and its loaded modules
// (`isolate: false`), so each starts with the project's environment (lib/testing/fresh-env.ts).
freshEnv();
