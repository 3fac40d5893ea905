import { describe, expect, it } from "vitest";
import { pageFooter } from "./page-footer";

describe("a paged list's footer", () => {
  it("says nothing when one page holds every row", () => {
    expect(pageFooter({ shown: 3, total: 3, newer: 0, older: null }, "Jobs", "tuneforge jobs list")).toBe("");
  });

  it("names the range and the command for the older page", () => {
    expect(pageFooter({ shown: 200, total: 450, newer: 200, older: "1796280570123_cmx7" }, "Jobs", "tuneforge jobs list --status failed,cancelled")).toBe(
      "Jobs 201–400 of 450, newest first. Older ones: tuneforge jobs list --status failed,cancelled --before 1796280570123_cmx7\n",
    );
  });

  it("on the last page, only the range", () => {
    expect(pageFooter({ shown: 50, total: 450, newer: 400, older: null }, "Evaluations", "tuneforge eval list")).toBe("Evaluations 401–450 of 450, newest first.\n");
  });
});
