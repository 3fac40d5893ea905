import { ApiError } from "../../api-client";
import type { ImportView } from "@/lib/datasets/import/types";

// Uploads a file as the raw request body. XMLHttpRequest rather than fetch: only XHR reports upload
// progress, which a 200 MB file needs for the bar to move.

export type UploadOptions = { format: string; split: string; skipInvalid: boolean };

export type Upload = { done: Promise<ImportView>; abort: () => void };

export function uploadDatasetFile(datasetId: string, file: File, options: UploadOptions, onProgress: (sent: number, total: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const query = new URLSearchParams({ fileName: file.name, format: options.format, split: options.split, skipInvalid: options.skipInvalid ? "1" : "0" });
  const done = new Promise<ImportView>((resolve, reject) => {
    xhr.open("POST", `/api/datasets/${encodeURIComponent(datasetId)}/imports?${query}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      const body = xhr.response as { import?: ImportView; error?: { code?: string; message?: string } } | null;
      if (xhr.status >= 200 && xhr.status < 300 && body?.import) resolve(body.import);
      else reject(new ApiError(xhr.status, body?.error?.code ?? "http_error", body?.error?.message ?? `Upload failed: ${xhr.status} ${xhr.statusText}`));
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload broke off: cannot reach the tuneforge server. Is it running?"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled"));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
