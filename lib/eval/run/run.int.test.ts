import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDir } from "../../env";
import { evalIntHarness } from "../int-harness";
import { createEval } from "../create";
import { runEval, type EvalRunDeps } from "./index";

// runEval in this process (no worker): the decisions it makes before generating anything — a run with a local
// side taken from the plain eval queue moves to gpu-jobs (the startup reconciler puts every unfinished run on
// `eval`), a finished run is left alone, and a run that cannot start fails with a message that says why.

const h = evalIntHarness("eval-run");
const { db, redis, prefix, queues, modelsRoot } = h;
const logged: string[] = [];

const deps = (queue: EvalRunDeps["queue"]): EvalRunDeps => ({
  db,
  redis,
  prefix,
  log: { info: (m) => logged.push(m), warn: (m) => logged.push(m) },
  signal: new AbortController().signal,
  workerId: "test-worker",
  queue,
  dataRoot: dataDir(),
  modelsRoot,
});

beforeAll(() => h.setUp({ "tiny-chat": 3 }));
afterAll(() => h.tearDown());

const version = () => h.version("eval-run", [["q1", "a1"], ["q2", "a2"]]);

describe("runEval", () => {
  it("moves a run with a local side from the eval queue to gpu-jobs, and leaves a finished run alone", async () => {
    const versionId = await version();
    const { runIds } = await createEval({ datasetVersionId: versionId, candidate: "local:tiny-chat", baseline: "openai:gpt-4o-mini" }, { db, queues, modelsRoot });
    const id = runIds[0]!;
    // createEval already put it on gpu-jobs; the reconciler would also add it to eval, which moves it back.
    await (await queues.get("gpu-jobs").getJob(`eval-${id}`))!.remove();
    const moved = await runEval({ ...deps("eval"), queues }, id);
    expect(moved.outcome).toBe("moved");
    expect((await db.evalRun.findUniqueOrThrow({ where: { id } })).status).toBe("queued");
    expect((await queues.get("gpu-jobs").getJob(`eval-${id}`))?.data).toEqual({ evalRunId: id });

    await db.evalRun.update({ where: { id }, data: { status: "succeeded" } });
    expect((await runEval(deps("gpu-jobs"), id)).outcome).toBe("skipped");
  });

  it("fails a run whose job disappeared, or whose OpenAI key is missing, saying why", async () => {
    const versionId = await version();
    const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "succeeded", baseModel: "gpt-4o-mini", fineTunedModel: "ft:gpt-4o-mini:org::x", datasetVersionId: versionId } });
    const { runIds } = await createEval({ datasetVersionId: versionId, candidate: `job:${job.id}`, baseline: "openai:gpt-4o-mini" }, { db, queues });
    await db.evalRun.update({ where: { id: runIds[0] }, data: { jobId: null } });
    await db.fineTuneJob.delete({ where: { id: job.id } });
    expect((await runEval(deps("eval"), runIds[0]!)).outcome).toBe("failed");
    expect((await db.evalRun.findUniqueOrThrow({ where: { id: runIds[0] } })).errorMessage).toBe(`Cannot start: candidate: no fine-tuning job with id ${job.id}.`);

    const second = await createEval({ datasetVersionId: versionId, candidate: "openai:gpt-4o-mini", baseline: "openai:gpt-4.1-mini" }, { db, queues });
    // The key is removed after the run was created (creation refuses a run without one).
    await h.removeOpenAIKey();
    expect((await runEval(deps("eval"), second.runIds[0]!)).outcome).toBe("failed");
    const failed = await db.evalRun.findUniqueOrThrow({ where: { id: second.runIds[0] } });
    expect(failed.errorMessage).toMatch(/No OpenAI API key is configured/);
    expect(failed.finishedAt).not.toBeNull();
  });
});
