import { describe, expect, it } from "vitest";
import { lastFour, maskApiKey } from "./mask";

describe("masking", () => {
  it("keeps only the last four characters of a real-length key", () => {
    const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789WXYZ";
    expect(lastFour(key)).toBe("WXYZ");
    expect(maskApiKey(lastFour(key))).toBe("…WXYZ");
    expect(maskApiKey(lastFour(key))).not.toContain("proj");
  });
  it("shows nothing of keys too short to mask", () => {
    expect(lastFour("sk-short")).toBe("");
    expect(maskApiKey(lastFour("sk-short"))).toBe("…");
  });
});
