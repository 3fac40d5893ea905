import { createReadStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import type { ImportView } from "../../../lib/datasets/import/types";
import type { JobsApi } from "./api";

// One file into one split of a dataset, through the same import API the browser uses: upload, let the
// worker check every line, and stop with the line numbers if any line is refused (nothing is written then).

const POLL_MS = 300;
const SHOWN = 20;

export class ImportRefused extends Error {}

export async function importFile(api: JobsApi, datasetId: string, file: string, split: "train" | "validation", log: (line: string) => void): Promise<ImportView> {
  const base = `/api/datasets/${encodeURIComponent(datasetId)}/imports`;
  const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream;
  let imp = (await api.upload<{ import: ImportView }>(base, body, { fileName: path.basename(file), format: "auto", split, skipInvalid: "0" })).import;
  log(`importing ${path.basename(file)} into the ${split} split…`);
  while (imp.status === "uploading" || imp.status === "importing") {
    await new Promise((r) => setTimeout(r, POLL_MS));
    imp = (await api.json<{ import: ImportView }>("GET", `${base}/${encodeURIComponent(imp.id)}`)).import;
  }
  if (imp.status === "succeeded") {
    log(`imported ${imp.imported} example${imp.imported === 1 ? "" : "s"} from ${path.basename(file)}`);
    return imp;
  }
  if (imp.status === "needs_review") {
    // The CLI never leaves an import waiting in the UI.
    await api.json("POST", `${base}/${encodeURIComponent(imp.id)}/cancel`);
    const r = imp.report;
    if (r?.csv) throw new ImportRefused(`${file} is CSV; import it with \`tuneforge import FILE --csv-map …\` first, or convert it to JSONL.`);
    const listed = (r?.errors ?? []).slice(0, SHOWN).map((e) => `  ${e.line ? `line ${e.line}: ` : ""}${e.message} [${e.code}]`);
    const more = r && r.invalidLines > listed.length ? [`  … and more (${r.invalidLines} lines with errors in all)`] : [];
    throw new ImportRefused([`${file}: ${r?.invalidLines ?? "some"} line(s) cannot be used for training; nothing was imported:`, ...listed, ...more, "Fix them (see `tuneforge validate FILE`) and run again."].join("\n"));
  }
  throw new ImportRefused(`${file}: import ${imp.status}${imp.error ? `: ${imp.error}` : ""}`);
}
