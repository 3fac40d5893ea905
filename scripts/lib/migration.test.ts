import { describe, expect, it } from "vitest";
import { isEmptyDiff, migrationSlug, nextStamp, utcStamp } from "./migration";

describe("migration names", () => {
  it("slugs free text into a portable folder suffix", () => {
    expect(migrationSlug("Add job tags")).toBe("add_job_tags");
    expect(migrationSlug("  --eval/judge v2!! ")).toBe("eval_judge_v2");
    expect(() => migrationSlug("!!!")).toThrow(/no letters or digits/);
  });

  it("stamps in UTC as YYYYMMDDHHMMSS", () => {
    expect(utcStamp(new Date("2026-11-29T01:02:03.999Z"))).toBe("20261129010203");
  });

  it("sorts a new migration after every existing one, even when the clock is behind", () => {
    const existing = ["20261129010000_init", "20261130235959_tags"];
    expect(nextStamp(existing, new Date("2026-12-01T00:00:00Z"))).toBe("20261201000000");
    // Clock behind the newest migration (or equal to it): one second after it, across a day boundary.
    expect(nextStamp(existing, new Date("2026-11-29T00:00:00Z"))).toBe("20261201000000");
    expect(nextStamp(["20261129010000_init"], new Date("2026-11-29T01:00:00Z"))).toBe("20261129010001");
    expect(nextStamp([], new Date("2026-11-29T01:00:00Z"))).toBe("20261129010000");
  });
});

describe("isEmptyDiff", () => {
  it("treats Prisma's comment-only output as no change", () => {
    expect(isEmptyDiff("-- This is an empty migration.\n\n")).toBe(true);
    expect(isEmptyDiff("")).toBe(true);
    expect(isEmptyDiff('-- AlterTable\nALTER TABLE "datasets" ADD COLUMN "x" INTEGER;\n')).toBe(false);
  });
});
