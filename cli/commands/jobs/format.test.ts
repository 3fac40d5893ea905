import { describe, expect, it } from "vitest";
import type { JobView } from "../../../lib/jobs/types";
import { formatJob, progressLine } from "./format";

// `tuneforge jobs show`: what a local job's worker line says at each stage before and after training starts.

const local = (over: Partial<JobView>) =>
  ({
    id: "j1",
    status: "queued",
    provider: "local",
    method: "supervised",
    baseModel: "tiny-chat",
    hyperparameters: {},
    suffix: null,
    seed: null,
    estimatedTokensPerEpoch: 272,
    estimatedEpochs: 1,
    estimatedUsd: null,
    dataset: { datasetId: "d", datasetName: "colors", versionId: "v", versionNumber: 1, trainCount: 8, validationCount: 0 },
    queuePosition: null,
    workerId: null,
    backend: null,
    adapterPath: null,
    remoteJobId: null,
    fineTunedModel: null,
    trainedTokens: null,
    metrics: [],
    events: [],
    errorMessage: null,
    retryMessage: null,
    ...over,
  }) as unknown as JobView;

const workerLine = (j: JobView) => formatJob(j, "http://x/jobs/j1").split("\n").filter((l) => /^ {2}(queue|worker) /.test(l));

describe("formatJob for a local job", () => {
  it("says its place in line, then that the worker prepares it, then the worker's backend", () => {
    expect(workerLine(local({ queuePosition: 2 }))).toEqual(["  queue            #2 waiting for a GPU worker"]);
    expect(workerLine(local({ workerId: "gpu-1" }))).toEqual(["  worker           gpu-1 (preparing: loading the model, tokenizing the data)"]);
    expect(workerLine(local({ status: "running", workerId: "gpu-1", backend: "cuda" }))).toEqual(["  worker           gpu-1 (cuda backend)"]);
  });

  it("--wait's progress line says the job is being prepared once a worker took it", () => {
    expect(progressLine(local({}))).toBe("queued");
    expect(progressLine(local({ workerId: "gpu-1" }))).toBe("queued (preparing on gpu-1)");
    // Back in line after its worker died while preparing it: waiting again, not preparing.
    expect(progressLine(local({ workerId: "gpu-1", queuePosition: 1 }))).toBe("queued");
    expect(workerLine(local({ workerId: "gpu-1", queuePosition: 1 }))).toEqual(["  queue            #1 waiting for a GPU worker", "  worker           gpu-1"]);
    expect(progressLine(local({ status: "running", workerId: "gpu-1", progress: { step: 3, totalSteps: 10 } }))).toBe("running, step 3/10");
  });
});
