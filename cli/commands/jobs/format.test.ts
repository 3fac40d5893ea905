import { describe, expect, it } from "vitest";
import { pageFooter } from "./format";

const jobs = (n: number) => Array.from({ length: n }, () => ({}) as never);

describe("jobs list's footer", () => {
  it("says nothing when one page holds every job", () => {
    expect(pageFooter({ jobs: jobs(3), total: 3, newer: 0, older: null }, [])).toBe("");
  });

  it("names the range and the command for the older page, with the same --status", () => {
    expect(pageFooter({ jobs: jobs(200), total: 450, newer: 200, older: "1796280570123_cmx7" }, ["failed", "cancelled"])).toBe(
      "Jobs 201–400 of 450, newest first. Older ones: tuneforge jobs list --status failed,cancelled --before 1796280570123_cmx7\n",
    );
  });

  it("on the last page, only the range", () => {
    expect(pageFooter({ jobs: jobs(50), total: 450, newer: 400, older: null }, [])).toBe("Jobs 401–450 of 450, newest first.\n");
  });
});
