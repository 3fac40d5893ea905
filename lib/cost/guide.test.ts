import { describe, expect, it } from "vitest";
import { datasetGuide, type GuideFacts } from "./guide";

const facts = (over: Partial<GuideFacts>): GuideFacts => ({
  examples: 120,
  splits: { train: 100, validation: 20, test: 0 },
  withErrors: 0,
  untagged: 0,
  tags: [
    { tag: "billing", count: 60 },
    { tag: "outage", count: 60 },
  ],
  distinctTags: 2,
  analysisPending: false,
  ...over,
});
const statuses = (f: GuideFacts) => Object.fromEntries(datasetGuide(f).items.map((i) => [i.code, i.status]));

describe("datasetGuide", () => {
  it("a clean dataset with 100 training examples, two balanced tags and a validation split is ready", () => {
    const g = datasetGuide(facts({}));
    expect(statuses(facts({}))).toEqual({ examples: "ok", coverage: "ok", validation: "ok", errors: "ok" });
    expect(g.items.every((i) => i.todo === null)).toBe(true);
    expect(g.verdict.level).toBe("ready");
    expect(g.items.find((i) => i.code === "coverage")!.detail).toBe("2 tags cover every example; the largest, “billing”, has 50 %.");
  });

  it("below OpenAI's minimum of 10: fail, how many to add, and the verdict says stay with few-shot", () => {
    const g = datasetGuide(facts({ examples: 7, splits: { train: 7, validation: 0, test: 0 }, tags: [{ tag: "billing", count: 4 }, { tag: "outage", count: 3 }] }));
    const ex = g.items.find((i) => i.code === "examples")!;
    expect(ex).toMatchObject({ status: "fail", detail: "7 training examples; OpenAI refuses fewer than 10." });
    expect(ex.todo).toMatch(/^Add at least 3 more/);
    expect(g.verdict).toMatchObject({ level: "not_yet", title: "Not yet: stay with prompting and few-shot" });
  });

  it("between 10 and 50: a warning naming how many more are recommended", () => {
    const ex = datasetGuide(facts({ splits: { train: 30, validation: 5, test: 0 } })).items.find((i) => i.code === "examples")!;
    expect(ex).toMatchObject({ status: "warn", todo: "Add 20 more good examples; improvements usually show from 50–100." });
  });

  it("no validation split is a warning: no evaluation set to measure by", () => {
    const g = datasetGuide(facts({ splits: { train: 120, validation: 0, test: 0 } }));
    expect(g.items.find((i) => i.code === "validation")).toMatchObject({ status: "warn", todo: expect.stringMatching(/Split off 10–20 %/) });
    expect(g.verdict.level).toBe("caution");
  });

  it("rows with errors fail the check and block the recommendation", () => {
    const g = datasetGuide(facts({ withErrors: 2 }));
    expect(g.items.find((i) => i.code === "errors")).toMatchObject({ status: "fail", detail: "2 examples have errors; OpenAI rejects the file until they are fixed." });
    expect(g.verdict).toMatchObject({ level: "not_yet", title: "Not yet: fix the failing checks first" });
  });

  it("coverage: no tags, one dominating tag, and untagged rows each say what to do", () => {
    expect(datasetGuide(facts({ tags: [], distinctTags: 0, untagged: 120 })).items.find((i) => i.code === "coverage")).toMatchObject({ status: "warn", detail: expect.stringMatching(/No example is tagged/) });
    // 110 of 120 = 91 % ≥ the 90 % dominance share
    expect(datasetGuide(facts({ tags: [{ tag: "billing", count: 110 }, { tag: "outage", count: 10 }] })).items.find((i) => i.code === "coverage")!.detail).toBe(
      "91 % of examples carry “billing”: the model will mostly learn that case.",
    );
    expect(datasetGuide(facts({ untagged: 15 })).items.find((i) => i.code === "coverage")!.detail).toBe("2 tags; 15 of 120 examples have none.");
  });

  it("an empty dataset fails coverage and examples; a running analysis adds a warning", () => {
    expect(statuses(facts({ examples: 0, splits: { train: 0, validation: 0, test: 0 }, tags: [], distinctTags: 0 }))).toMatchObject({ examples: "fail", coverage: "fail" });
    expect(statuses(facts({ analysisPending: true })).analysis).toBe("warn");
  });
});
