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

describe("pathParts", () => {
  it("breaks a path after its slashes, keeping each folder whole", () => {
    expect(pathParts("/srv/data/jobs/cmx6o0m7i003d577dwe7e6pzs/adapter")).toEqual(["/", "srv/", "data/", "jobs/", "cmx6o0m7i003d577dwe7e6pzs/", "adapter"]);
    expect(pathParts("C:\\models\\llama")).toEqual(["C:\\", "models\\", "llama"]);
  });

  it("leaves a name without slashes whole", () => {
    expect(pathParts("step-480")).toEqual(["step-480"]);
  });
});
