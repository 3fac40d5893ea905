import { describe, expect, it } from "vitest";
import { idParts, pathParts } from "./id-parts";

describe("idParts", () => {
  it("breaks an ft: name after its colons, keeping ft: with the base model", () => {
    expect(idParts("ft:gpt-4o-mini-2024-07-18:acme:support:Ab12Cd34")).toEqual(["ft:gpt-4o-mini-2024-07-18:", "acme:", "support:", "Ab12Cd34"]);
    expect(idParts("ft:gpt-4o-mini-2024-07-18:acme::ckpt-step-100")).toEqual(["ft:gpt-4o-mini-2024-07-18:", "acme:", ":", "ckpt-step-100"]);
  });

  it("leaves a name without colons whole", () => {
    expect(idParts("gpt-4.1-nano-2025-04-14")).toEqual(["gpt-4.1-nano-2025-04-14"]);
    expect(idParts("ft:")).toEqual(["ft:"]);
  });
});

describe("idParts on model specs", () => {
  it("breaks a spec after its kind, keeping a job id whole and a checkpoint step on its own", () => {
    expect(idParts("job:cmx75vkle000vw37d4gs31hy2")).toEqual(["job:", "cmx75vkle000vw37d4gs31hy2"]);
    expect(idParts("job:cmx75vkle000vw37d4gs31hy2@480")).toEqual(["job:", "cmx75vkle000vw37d4gs31hy2", "@480"]);
    expect(idParts("openai:gpt-4o-mini-2024-07-18")).toEqual(["openai:", "gpt-4o-mini-2024-07-18"]);
  });

  it("keeps ft: with its base model inside a spec", () => {
    expect(idParts("openai:ft:gpt-4o-mini-2024-07-18:acme:support:Ab12Cd34")).toEqual(["openai:", "ft:gpt-4o-mini-2024-07-18:", "acme:", "support:", "Ab12Cd34"]);
  });

  it("breaks an adapter path after its slashes and an endpoint's URL never inside ://", () => {
    expect(idParts("local:llama-3.2-1b+jobs/cmx6o0m7i/adapter")).toEqual(["local:", "llama-3.2-1b", "+jobs/", "cmx6o0m7i/", "adapter"]);
    expect(idParts("endpoint:http://127.0.0.1:8000/v1#qwen2.5-7b")).toEqual(["endpoint:", "http://127.0.0.1:", "8000/", "v1", "#qwen2.5-7b"]);
  });

  it("gives back exactly the text it was given", () => {
    for (const spec of ["job:a@1", "local:m+a/b", "endpoint:https://x.y/v1#m", "ft:", "openai:ft:", "a::b"]) expect(idParts(spec).join("")).toBe(spec);
  });
});

describe("pathParts", () => {
  it("breaks a path after its slashes, keeping each folder whole", () => {
    expect(pathParts("/srv/data/jobs/cmx6o0m7i003d577dwe7e6pzs/adapter")).toEqual(["/", "srv/", "data/", "jobs/", "cmx6o0m7i003d577dwe7e6pzs/", "adapter"]);
    expect(pathParts("C:\\models\\llama")).toEqual(["C:\\", "models\\", "llama"]);
  });

  it("leaves a name without slashes whole", () => {
    expect(pathParts("step-480")).toEqual(["step-480"]);
  });
});
