import { describe, expect, it } from "vitest";
import { memoryReportLine } from "./memory";

describe("memoryReportLine", () => {
  it("folds the CUDA backend's report into one line", () => {
    const cuda = "CUDA memory:\n  frozen weights: 1.05 GiB\n  LoRA + optimizer: 45.0 MiB\n  activations: 3.20 GiB\n  device: 120 GiB free of 139 GiB\n";
    expect(memoryReportLine(cuda)).toBe("CUDA memory: frozen weights: 1.05 GiB, LoRA + optimizer: 45.0 MiB, activations: 3.20 GiB, device: 120 GiB free of 139 GiB");
  });

  it("leaves a one-line report alone", () => {
    const cpu = "memory (cpu, estimate): frozen weights 1.0 MiB, LoRA weights + grads 0.1 MiB, optimizer 0.1 MiB, activations 2.0 MiB; total 3.2 MiB";
    expect(memoryReportLine(cpu)).toBe(cpu);
  });
});
