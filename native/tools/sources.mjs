// Prints every .cc under native/src (relative to native/, sorted), one per line, for binding.gyp's
// <!@(node tools/sources.mjs): a new source file is built without editing the gyp file.
// `node tools/sources.mjs binding`: only src/binding/ (the rest then comes from CMake's libtf_core.a, see
// build-addon.mjs).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function walk(rel, out) {
  for (const entry of fs.readdirSync(path.join(nativeDir, rel), { withFileTypes: true })) {
    const child = path.posix.join(rel, entry.name);
    if (entry.isDirectory()) walk(child, out);
    else if (entry.isFile() && entry.name.endsWith(".cc")) out.push(child);
  }
  return out;
}

const root = process.argv[2] === "binding" ? "src/binding" : "src";
process.stdout.write(walk(root, []).sort().join("\n") + "\n");
