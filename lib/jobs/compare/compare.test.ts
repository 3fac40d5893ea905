import { describe, expect, it } from "vitest";
import { storedLocalConfig } from "../local/stored";
import { localConfigSchema } from "../local/config";
import { point } from "../monitor/testing-points";
import type { JobView } from "../types";
import { compareRows, type CompareRow } from "./index";

// The compare page's table from job views: the settings each job was launched with (differing rows marked), and
// what each came to (the lowest loss marked).

function job(id: string, fields: Partial<JobView>): JobView {
  return {
    id, status: "succeeded", provider: "local", method: "supervised", baseModel: "tiny-chat", fineTunedModel: null, trainedTokens: null, estimatedUsd: null, actualUsd: null,
    estimatedTokensPerEpoch: null, estimatedEpochs: null, trainingPricePerMTok: null, hyperparameters: {}, suffix: null, seed: null, note: null, attached: false, remoteJobId: null,
    remoteStatus: null, remoteTrainingFileId: null, remoteValidationFileId: null, errorCode: null, errorMessage: null, retryMessage: null,
    dataset: { datasetId: "d", datasetName: "colors", versionId: "v", versionNumber: 2, trainCount: 8, validationCount: 6 },
    progress: null, createdAt: "2026-12-06T10:00:00.000Z", startedAt: null, finishedAt: null, estimatedFinishAt: null, cancelRequestedAt: null, adapterPath: null,
    adapterStep: null, stoppedEarly: false, backend: null, workerId: null, loraConfig: null, queuePosition: null, metrics: [], events: [], checkpoints: [],
    ...fields,
  };
}

const local = (id: string, config: unknown, fields: Partial<JobView> = {}) => {
  const stored = storedLocalConfig(localConfigSchema.parse(config));
  return job(id, { loraConfig: stored.loraConfig as Record<string, unknown>, hyperparameters: stored.hyperparameters as Record<string, unknown>, ...fields });
};
const byKey = (rows: CompareRow[], key: string) => rows.find((r) => r.key === key)!;

describe("compareRows", () => {
  it("marks the settings a relaunch changed, and the lowest loss of each results row", () => {
    const a = local("a", { lora: { rank: 8 }, training: { epochs: 1, lr: 0.05, keepBest: true, earlyStoppingPatience: 2 } }, {
      suffix: "first",
      progress: { step: 2, totalSteps: 2 },
      metrics: [point(1, { trainLoss: 5 }), point(2, { trainLoss: 4.5, validLoss: 4.25 })],
      startedAt: "2026-12-06T10:00:00.000Z",
      finishedAt: "2026-12-06T10:01:30.000Z",
      trainedTokens: 1234,
      adapterStep: 2,
    });
    const b = local("b", { lora: { rank: 8 }, training: { epochs: 2, lr: 0.05, keepBest: true, earlyStoppingPatience: 2 } }, {
      suffix: "second",
      progress: { step: 3, totalSteps: 4 },
      stoppedEarly: true,
      metrics: [point(1, { trainLoss: 5, validLoss: 4.5 }), point(2, { trainLoss: 4, validLoss: 3.9 }), point(3, { trainLoss: 3.5, validLoss: 4.1 })],
      adapterStep: 2,
    });
    const rows = compareRows([a, b]);
    const differing = rows.filter((r) => r.group !== "Results" && r.differs).map((r) => r.key);
    expect(differing).toEqual(["suffix", "epochs"]); // Model's rows come before Training's
    expect(byKey(rows, "epochs").cells).toEqual(["1", "2"]);
    expect(byKey(rows, "rank")).toMatchObject({ cells: ["8", "8"], differs: false, group: "LoRA" });
    expect(byKey(rows, "targets").cells[0]).toBe("attention (q, k, v, o)");
    expect(byKey(rows, "quant").cells[0]).toBe("NF4 + double quant");
    expect(byKey(rows, "earlyStopping").cells[0]).toBe("patience 2, threshold 0");
    expect(byKey(rows, "dataset").cells).toEqual(["colors v2", "colors v2"]);
    // Rows come in group order, settings before results.
    const groups = rows.map((r) => r.group);
    expect(groups.indexOf("Results")).toBe(groups.length - rows.filter((r) => r.group === "Results").length);
    expect(groups.slice(0, 5)).toEqual(["Data", "Data", "Model", "Model", "Model"]);

    expect(byKey(rows, "steps").cells).toEqual(["2 of 2", "3 of 4 (stopped early)"]);
    expect(byKey(rows, "finalTrainLoss")).toMatchObject({ cells: ["4.5000", "3.5000"], best: 1 });
    expect(byKey(rows, "finalValidLoss")).toMatchObject({ cells: ["4.2500", "4.1000"], best: 1 });
    expect(byKey(rows, "bestValidLoss")).toMatchObject({ cells: ["4.2500 (step 2)", "3.9000 (step 2)"], best: 1 });
    expect(byKey(rows, "adapterStep").cells).toEqual(["2", "2"]);
    expect(byKey(rows, "time").cells).toEqual(["1 min 30 s", null]);
    expect(byKey(rows, "tokens").cells).toEqual(["1,234", null]);
    expect(byKey(rows, "cost").cells).toEqual(["none (own hardware)", "none (own hardware)"]);
    expect(rows.some((r) => r.key === "nEpochs" || r.key === "fineTunedModel" || r.key === "note")).toBe(false);
    expect(byKey(compareRows([{ ...a, note: "too slow" }, b]), "note").cells).toEqual(["too slow", null]);
  });

  it("puts an OpenAI job beside a local one: each provider's rows apply to its own jobs", () => {
    const hosted = job("h", {
      provider: "openai", baseModel: "gpt-4o-mini-2024-07-18", hyperparameters: { nEpochs: 3 }, seed: null, actualUsd: 0.0123, fineTunedModel: "ft:gpt-4o-mini-2024-07-18:org::abc",
      metrics: [point(1, { trainLoss: 2 })],
    });
    const mine = local("l", {}, { metrics: [point(1, { trainLoss: 2 })] });
    const rows = compareRows([hosted, mine]);
    expect(byKey(rows, "provider")).toMatchObject({ cells: ["OpenAI", "local"], differs: true });
    expect(byKey(rows, "nEpochs").cells).toEqual(["3", null]);
    expect(byKey(rows, "batchSize").cells).toEqual(["auto", null]);
    expect(rows.some((r) => r.key === "beta")).toBe(false); // no DPO job
    expect(byKey(rows, "rank").cells).toEqual([null, "16"]);
    expect(byKey(rows, "seed").cells).toEqual(["chosen by OpenAI", "0"]);
    expect(byKey(rows, "cost").cells).toEqual(["$0.01", "none (own hardware)"]);
    expect(byKey(rows, "fineTunedModel").cells).toEqual(["ft:gpt-4o-mini-2024-07-18:org::abc", null]);
    // Equal losses: nothing to mark.
    expect(byKey(rows, "finalTrainLoss").best).toBeUndefined();
    expect(byKey(rows, "finalValidLoss").cells).toEqual([null, null]);
  });

  it("shows a DPO job's beta and leaves packing out; a local job whose stored settings do not parse shows none", () => {
    const dpo = local("p", { training: { dpoBeta: 0.2 } }, { method: "dpo" });
    const broken = job("x", { loraConfig: { lora: { rank: 0 } } });
    const rows = compareRows([dpo, broken]);
    expect(byKey(rows, "dpoBeta").cells).toEqual(["0.2", null]);
    expect(rows.some((r) => r.key === "packing")).toBe(false); // DPO does not pack; the other job's settings are unknown
    expect(byKey(rows, "rank").cells).toEqual(["16", null]);
    expect(byKey(rows, "method").cells).toEqual(["DPO", "supervised"]);
  });

  it("lines up each job's latest evaluation: baseline, judged win rate (the highest marked), metric means and changes", () => {
    const a = local("a", {});
    const b = local("b", {});
    const c = local("c", {});
    const metric = (candidate: number, delta: number) => ({ candidate, baseline: candidate - delta, delta, ci: [delta - 0.05, delta + 0.05] as [number, number], n: 100 });
    const rows = compareRows([a, b, c], [
      { jobId: "a", id: "e1", baselineSpec: "local:tiny-chat", summary: { n: 100, winRate: { candidate: 0.55, ci: [0.45, 0.65] }, metrics: { exactMatch: metric(0.4, 0.1) } } },
      { jobId: "b", id: "e2", baselineSpec: "local:tiny-chat", summary: { n: 100, winRate: { candidate: 0.7, ci: [0.6, 0.78] }, metrics: { exactMatch: metric(0.5, -0.02) } } },
    ]);
    expect(byKey(rows, "evalBaseline").cells).toEqual(["local:tiny-chat (100 samples)", "local:tiny-chat (100 samples)", null]);
    expect(byKey(rows, "evalWinRate")).toMatchObject({ cells: ["55.0 % (95 % CI 45.0–65.0 %)", "70.0 % (95 % CI 60.0–78.0 %)", null], best: 1, bestLabel: "highest" });
    expect(byKey(rows, "eval-exactMatch").cells).toEqual(["40.0 % (+10.0 pts)", "50.0 % (−2.0 pts)", null]);
    // Without evaluations, no evaluation rows (evalEvery is the validation interval's).
    expect(compareRows([a, b]).some((r) => r.key === "evalBaseline" || r.key === "evalWinRate" || r.key.startsWith("eval-"))).toBe(false);
  });
});
