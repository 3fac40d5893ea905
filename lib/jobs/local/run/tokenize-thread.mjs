// Tokenizing thread entry (tokenize-threads.ts). Plain JS so Node can start it from any process (the tsx-run
// worker, vitest, a bench script); the TypeScript body is loaded through tsx's API.
import { tsImport } from "tsx/esm/api";

await tsImport("./tokenize-thread-main.ts", import.meta.url);
