import fs from "node:fs";
import path from "node:path";
import type { Backend } from "../../../../native/index";
import { cudaBackendGap, shapeFromConfig } from "../../../models/shape";

// The backend a local job loads its model on. "auto" means the worker's own (TUNEFORGE_LOCAL_BACKEND, resolved to
// cuda on a GPU worker), except for a model the CUDA backend cannot run (LFM2's conv layers): that trains on the
// worker's CPU, and the job's log says why, rather than failing on a refusal the job did not ask for.

export type JobBackend = { backend: Backend; why?: string };

export function jobBackend(asked: Backend, workerDefault: Backend, modelDir: string): JobBackend {
  if (asked !== "auto") return { backend: asked };
  if (workerDefault === "cpu") return { backend: "cpu" };
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(fs.readFileSync(path.join(modelDir, "config.json"), "utf8")) as Record<string, unknown>;
  } catch {
    return { backend: workerDefault };  // the load that follows names what is wrong with the folder
  }
  const shape = shapeFromConfig(config);
  const gap = shape ? cudaBackendGap(shape) : null;
  if (gap === null) return { backend: workerDefault };
  return { backend: "cpu", why: `Training on the CPU backend: ${gap} (backend auto).` };
}
