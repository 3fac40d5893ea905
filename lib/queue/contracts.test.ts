import { describe, expect, it } from "vitest";
import {
  CONTRACTS,
  DEFAULT_JOB_OPTIONS,
  PayloadError,
  QUEUE_NAMES,
  isQueueName,
  jobIdFor,
  jobOptionsFor,
  jobNamesOf,
  parseJob,
  parsePayload,
} from "./contracts";

describe("queue contracts", () => {
  it("names every queue and gives each job name the domain.verb form", () => {
    expect([...QUEUE_NAMES].sort()).toEqual(["datasets", "eval", "gpu-jobs", "inference", "openai-jobs", "system"]);
    for (const q of QUEUE_NAMES) {
      expect(Object.keys(CONTRACTS[q]).length).toBeGreaterThan(0);
      for (const name of jobNamesOf(q)) expect(name).toMatch(/^[a-z]+\.[a-z][A-Za-z]*$/);
    }
    expect(jobNamesOf("openai-jobs")).toEqual(["finetune.run"]);
    expect(jobNamesOf("system")).toEqual(["system.pruneSessions", "system.notifyEndedJobs", "system.deliverWebhook"]);
  });

  it("recognises queue names", () => {
    expect(isQueueName("gpu-jobs")).toBe(true);
    expect(isQueueName("gpu")).toBe(false);
  });

  it("parses a valid payload and drops nothing", () => {
    expect(parsePayload("openai-jobs", "finetune.run", { jobId: "clx1abc" })).toEqual({ jobId: "clx1abc" });
    expect(parsePayload("eval", "eval.run", { evalRunId: "ev_1" })).toEqual({ evalRunId: "ev_1" });
    expect(parsePayload("system", "system.pruneSessions", {})).toEqual({});
  });

  it("rejects bad payloads with a message naming queue, job and field", () => {
    expect(() => parsePayload("gpu-jobs", "finetune.run", {})).toThrow(PayloadError);
    expect(() => parsePayload("gpu-jobs", "finetune.run", { jobId: 42 })).toThrow(/gpu-jobs\/finetune\.run: jobId/);
    // ':' is BullMQ's key separator and must never reach a job id.
    expect(() => parsePayload("eval", "eval.run", { evalRunId: "a:b" })).toThrow(/evalRunId/);
    // Strict: unexpected fields are a producer bug, not silently dropped data.
    expect(() => parsePayload("system", "system.pruneSessions", { extra: 1 })).toThrow(PayloadError);
  });

  it("refuses to enqueue a job name the queue does not own", () => {
    expect(() => parsePayload("system", "finetune.run" as never, { jobId: "x" })).toThrow(/Unknown job "finetune.run" for queue "system"/);
  });

  it("derives deterministic job ids without ':' from domain ids", () => {
    const a = jobIdFor("openai-jobs", "finetune.run", { jobId: "cm1" });
    expect(a).toBe("finetune-cm1");
    expect(jobIdFor("openai-jobs", "finetune.run", { jobId: "cm1" })).toBe(a);
    expect(jobIdFor("eval", "eval.run", { evalRunId: "cm2" })).toBe("eval-cm2");
    expect(jobIdFor("system", "system.pruneSessions", {})).toBeUndefined();
    // One delivery per webhook and job: a look that queues an ending twice (a crash before it was marked) sends it once.
    expect(jobIdFor("system", "system.deliverWebhook", { webhookId: "w1", id: "cm1", event: "job.failed" })).toBe("webhook-w1-cm1");
    expect(jobIdFor("system", "system.deliverWebhook", { webhookId: "w1", id: "ev1", event: "eval.succeeded" })).toBe("webhook-w1-ev1");
    expect(() => parsePayload("system", "system.deliverWebhook", { webhookId: "w1", id: "cm1", event: "job.started" })).toThrow(PayloadError);
    // BullMQ rejects integer-like custom ids; the prefix keeps a numeric domain id valid.
    expect(jobIdFor("gpu-jobs", "finetune.run", { jobId: "123" })).toBe("finetune-123");
    // An eval with a local side runs on a GPU worker under the same id as on the eval queue.
    expect(jobIdFor("gpu-jobs", "eval.run", { evalRunId: "cm2" })).toBe("eval-cm2");
  });

  it("parses at consume: known, unknown, and known-but-malformed", () => {
    expect(parseJob("eval", "eval.run", { evalRunId: "e1" })).toEqual({ known: true, name: "eval.run", payload: { evalRunId: "e1" } });
    expect(parseJob("eval", "eval.reticulate", { anything: true })).toEqual({ known: false, name: "eval.reticulate" });
    // Names are per queue: a fine-tune job in the eval queue is unknown there.
    expect(parseJob("eval", "finetune.run", { jobId: "j" }).known).toBe(false);
    // Prototype keys are not job names.
    expect(parseJob("system", "toString", {}).known).toBe(false);
    expect(() => parseJob("eval", "eval.run", { evalRunId: "" })).toThrow(PayloadError);
  });

  it("gives interactive playground work its own options: one attempt, nothing kept", () => {
    expect(jobOptionsFor("inference", "playground.generate")).toEqual({ attempts: 1, removeOnComplete: true, removeOnFail: true });
    expect(jobOptionsFor("gpu-jobs", "finetune.run")).toBeUndefined();
    const payload = { requestId: "r1", model: "tiny", messages: [{ role: "user", content: "hi" }], maxTokens: 8, temperature: 0, topP: 1 };
    expect(jobIdFor("inference", "playground.generate", parsePayload("inference", "playground.generate", payload))).toBe("generate-r1");
    expect(jobIdFor("gpu-jobs", "model.merge", { artifactId: "a1" })).toBe("merge-a1");
    expect(() => parsePayload("inference", "playground.generate", { ...payload, messages: [] })).toThrow(/messages/);
  });

  it("bounds retries and retention", () => {
    expect(DEFAULT_JOB_OPTIONS.attempts).toBeGreaterThan(1);
    expect(DEFAULT_JOB_OPTIONS.backoff.type).toBe("exponential");
    expect(DEFAULT_JOB_OPTIONS.removeOnComplete.age).toBeGreaterThan(0);
    expect(DEFAULT_JOB_OPTIONS.removeOnComplete.count).toBeGreaterThan(0);
    expect(DEFAULT_JOB_OPTIONS.removeOnFail.age).toBeGreaterThan(0);
    expect(DEFAULT_JOB_OPTIONS.removeOnFail.count).toBeGreaterThan(0);
  });
});
