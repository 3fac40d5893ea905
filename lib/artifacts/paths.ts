import fs from "node:fs";
import path from "node:path";
import { dataDir } from "../env";
import { HttpError } from "../http/errors";

// Every artifact, adapter and checkpoint path stored in Postgres is relative to the data directory. Before
// anything is read or written, it is resolved here and confined to that directory, symlinks included: a row
// edited to "../../etc" or a folder swapped for a link to elsewhere is refused, never served.

export function dataPathOf(relative: string, root: string = dataDir()): string {
  const base = path.resolve(root);
  const abs = path.resolve(base, relative);
  const rel = path.relative(base, abs);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new HttpError(400, "path_outside_data_dir", `Stored path "${relative}" is not inside the data directory ${base}; it is refused.`);
  }
  return abs;
}

/** An existing folder inside the data directory, after following links; `what` names it in errors. */
export function existingDataFolder(relative: string, what: string, root: string = dataDir()): string {
  const abs = dataPathOf(relative, root);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    throw new HttpError(410, "artifact_missing", `${what} is gone from disk (${relative} under the data directory). Its files were moved or deleted.`);
  }
  const realRoot = fs.realpathSync(path.resolve(root));
  const rel = path.relative(realRoot, real);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new HttpError(400, "path_outside_data_dir", `${what} (${relative}) leads outside the data directory through a link; it is refused.`);
  }
  if (!fs.statSync(real).isDirectory()) throw new HttpError(410, "artifact_missing", `${what} (${relative}) is not a folder.`);
  return real;
}

export type FolderFile = { rel: string; abs: string; size: number; mode: number; mtimeMs: number };

/**
 * Regular files under `dir`, sorted by path; links are skipped (they could point outside). `exclude` names
 * top-level entries to leave out (the trainer keeps checkpoints/ inside the adapter folder).
 */
export function listFolderFiles(dir: string, opts: { exclude?: string[] } = {}): FolderFile[] {
  const out: FolderFile[] = [];
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!sub && opts.exclude?.includes(entry.name)) continue;
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) {
        const abs = path.join(dir, rel);
        const st = fs.statSync(abs);
        out.push({ rel, abs, size: st.size, mode: st.mode & 0o777, mtimeMs: st.mtimeMs });
      }
    }
  };
  walk("");
  return out;
}

export function folderSize(dir: string): number {
  return listFolderFiles(dir).reduce((sum, f) => sum + f.size, 0);
}
