import { parseMultipart, readBody } from "../body";
import { EmulatorError, notFound } from "../errors";
import { cursorPage } from "../pagination";
import type { EmulatorRoute } from "../router";
import { nextId, type EmulatorState } from "../state";

// The Files API: multipart upload, retrieve, list (newest first), delete and raw content. A file is
// "uploaded" at first and "processed" after state.timing.fileProcessingMs on the emulator's clock.

export type FileObject = {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: "uploaded" | "processed" | "error";
  expires_at: number | null;
  status_details: string | null;
};

/** What processing will end in: normally "processed"; failFileProcessingNext makes it "error". */
export type FileOutcome = "processed" | "error";

export type StoredFile = { file: FileObject; content: Buffer; createdMs: number; outcome: FileOutcome };

const PURPOSES = new Set(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]);

/** Stores a file; also used by the simulator to publish a job's results file. */
export function storeFile(state: EmulatorState, filename: string, purpose: string, content: Buffer, status: FileObject["status"] = "uploaded"): StoredFile {
  const now = state.clock.now();
  const stored: StoredFile = {
    file: {
      id: nextId(state, "file-"),
      object: "file",
      bytes: content.length,
      created_at: Math.floor(now / 1000),
      filename,
      purpose,
      status,
      expires_at: null,
      status_details: null,
    },
    content,
    createdMs: now,
    outcome: "processed",
  };
  state.files.set(stored.file.id, stored);
  return stored;
}

/** While `stalled` (faults.stallFileProcessing) no file finishes processing; switching it off releases them. */
export function syncFiles(state: EmulatorState, stalled = false): void {
  if (stalled) return;
  const now = state.clock.now();
  for (const f of state.files.values()) {
    if (f.file.status !== "uploaded" || now < f.createdMs + state.timing.fileProcessingMs) continue;
    if (f.outcome === "error") {
      f.file.status = "error";
      f.file.status_details = "The file could not be processed (emulator switch failFileProcessingNext).";
    } else {
      f.file.status = "processed";
    }
  }
}

export function getFile(state: EmulatorState, id: string): StoredFile {
  const f = state.files.get(id);
  if (!f) throw notFound(`No such File object: ${id}`, "id");
  return f;
}

export const fileRoutes: EmulatorRoute[] = [
  {
    method: "POST",
    pattern: "/v1/files",
    handler: async ({ req, state, faults }) => {
      const parts = parseMultipart(await readBody(req), req.headers["content-type"]);
      const purpose = parts.find((p) => p.name === "purpose")?.data.toString("utf8");
      const file = parts.find((p) => p.name === "file" && p.filename !== undefined);
      if (!file) throw new EmulatorError(400, "Missing required parameter: 'file'.", "invalid_request_error", "missing_required_parameter", "file");
      if (!purpose) throw new EmulatorError(400, "Missing required parameter: 'purpose'.", "invalid_request_error", "missing_required_parameter", "purpose");
      if (!PURPOSES.has(purpose)) {
        throw new EmulatorError(400, `Invalid value for 'purpose': '${purpose}'.`, "invalid_request_error", "invalid_value", "purpose");
      }
      if (purpose === "fine-tune" && !file.filename!.endsWith(".jsonl")) {
        throw new EmulatorError(400, `Invalid file format for Fine-Tuning API. Must be .jsonl`, "invalid_request_error", null, "file");
      }
      const stored = storeFile(state, file.filename!, purpose, Buffer.from(file.data));
      if (faults.failFileProcessingNext > 0) {
        faults.failFileProcessingNext -= 1;
        stored.outcome = "error";
      }
      return { body: stored.file };
    },
  },
  {
    method: "GET",
    pattern: "/v1/files",
    handler: ({ state, query }) => {
      const purpose = query.get("purpose");
      let files = [...state.files.values()].map((f) => f.file).filter((f) => !purpose || f.purpose === purpose);
      files.sort((a, b) => (a.id < b.id ? 1 : -1)); // ids grow with creation, so this is newest first
      if (query.get("order") === "asc") files = files.reverse();
      return { body: cursorPage(files, query, 10_000, 10_000) };
    },
  },
  {
    method: "GET",
    pattern: "/v1/files/:id",
    handler: ({ state, params }) => ({ body: getFile(state, params.id!).file }),
  },
  {
    method: "DELETE",
    pattern: "/v1/files/:id",
    handler: ({ state, params }) => {
      getFile(state, params.id!);
      state.files.delete(params.id!);
      return { body: { id: params.id, object: "file", deleted: true } };
    },
  },
  {
    method: "GET",
    pattern: "/v1/files/:id/content",
    handler: ({ state, params }) => ({ body: null, raw: { data: getFile(state, params.id!).content, contentType: "application/octet-stream" } }),
  },
];
