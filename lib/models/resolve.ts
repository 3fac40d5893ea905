import fs from "node:fs";
import path from "node:path";
import { HttpError } from "../http/errors";
import { modelsDir } from "../env";

// Every model path that comes from a user (launch form, API, CLI, playground) goes through here: it must name
// a folder inside the models directory, by folder name ("tiny-chat") or by a path that resolves inside it.
// Symlinked model folders are allowed (weights on another disk are common) but only when the link itself sits
// in the models directory: a name like "../x" or "/etc" or a path through a link outside is refused.

export type ResolvedModel = { name: string; dir: string };

function refuse(message: string, code = "model_not_found"): never {
  throw new HttpError(400, code, message);
}

/** The model folder for a name or path, confined to `root` (default TUNEFORGE_MODELS_DIR). */
export function resolveModelDir(nameOrPath: string, opts: { root?: string } = {}): ResolvedModel {
  // The models directory is chosen at run time; turbopackIgnore keeps Next from tracing the whole project for it.
  const root = path.resolve(/*turbopackIgnore: true*/ opts.root ?? modelsDir());
  const raw = nameOrPath.trim();
  if (!raw) refuse("Pick a base model (a folder in the models directory).", "model_required");
  const candidate = path.isAbsolute(raw) ? path.normalize(/*turbopackIgnore: true*/ raw) : path.resolve(/*turbopackIgnore: true*/ root, raw);
  const rel = path.relative(root, candidate);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel) || rel.split(path.sep).length !== 1) {
    refuse(`Model "${raw}" is not a folder directly inside the models directory ${root}; put (or symlink) the model folder there and pick it by name.`, "model_outside_models_dir");
  }
  const name = rel;
  if (name.startsWith(".")) refuse(`Model "${raw}": hidden folders are not models.`);
  const dir = path.join(/*turbopackIgnore: true*/ root, name);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(/*turbopackIgnore: true*/ dir);
  } catch {
    refuse(`No model folder "${name}" in the models directory ${root}. The Models page lists what is there.`);
  }
  if (!stat.isDirectory()) refuse(`"${name}" in the models directory is not a folder.`);
  if (!fs.existsSync(/*turbopackIgnore: true*/ path.join(/*turbopackIgnore: true*/ dir, "config.json"))) refuse(`"${name}" has no config.json; is it a Hugging Face model folder?`, "model_invalid");
  return { name, dir };
}
