// Thread entry. Plain JS so Node can start it from any process (the tsx-run worker, vitest, a bench
// script); the TypeScript body is loaded through tsx's API, whatever loader the parent process used.
import { tsImport } from "tsx/esm/api";

await tsImport("./thread-main.ts", import.meta.url);
