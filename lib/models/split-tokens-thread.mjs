// Tokenizing thread entry of the launch form's estimate (split-tokens-threads.ts). Plain JS, started by path from
// any process (the Next server included); the TypeScript body is loaded through tsx's API.
import { tsImport } from "tsx/esm/api";

await tsImport("./split-tokens-thread-main.ts", import.meta.url);
