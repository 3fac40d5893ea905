import fs from "node:fs";
import path from "node:path";

// Where a local job writes: <data dir>/jobs/<jobId>/ holds checkpoints/step-N/ (the trainer's own layout) and,
// once it succeeds, adapter/ (the final PEFT adapter + its README card). Rows store paths relative to the data
// directory so the data directory can move; views turn them absolute.

export const ADAPTER_FILES = ["adapter_config.json", "adapter_model.safetensors"] as const;

export function jobOutputDir(dataDir: string, jobId: string): string {
  return path.join(dataDir, "jobs", jobId);
}

export function finalAdapterDir(dataDir: string, jobId: string): string {
  return path.join(jobOutputDir(dataDir, jobId), "adapter");
}

/** A path under the data directory as stored in Postgres; refuses anything outside it. */
export function relativeToData(dataDir: string, abs: string): string {
  const rel = path.relative(path.resolve(dataDir), path.resolve(abs));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) throw new Error(`${abs} is not inside the data directory ${dataDir}`);
  return rel.split(path.sep).join("/");
}

/** The absolute form of a stored relative path, confined to the data directory. */
export function absoluteInData(dataDir: string, rel: string): string {
  const root = path.resolve(dataDir);
  const abs = path.resolve(root, rel);
  if (abs !== root && !abs.startsWith(root + path.sep)) throw new Error(`stored path ${rel} points outside the data directory`);
  return abs;
}

/** A checkpoint folder the trainer can resume from (it writes trainer_state.json last, atomically). */
export function isResumableCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, "trainer_state.json")) && fs.existsSync(path.join(dir, "adapter_model.safetensors"));
}

/**
 * The trainer writes the final adapter into its outDir, next to checkpoints/; it is moved into adapter/ so
 * the adapter folder holds only what PEFT loads (and the card), not every checkpoint.
 */
export function moveAdapterIntoPlace(outDir: string, adapterDir: string): void {
  fs.mkdirSync(adapterDir, { recursive: true });
  for (const f of ADAPTER_FILES) {
    // Run folders are chosen at run time; turbopackIgnore keeps Next from tracing the whole project for them.
    const from = path.join(/*turbopackIgnore: true*/ outDir, f);
    if (fs.existsSync(/*turbopackIgnore: true*/ from)) fs.renameSync(from, path.join(/*turbopackIgnore: true*/ adapterDir, f));
  }
}
