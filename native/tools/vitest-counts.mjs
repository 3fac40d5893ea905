// Test counts from a vitest JSON report (--reporter=json), counted the way test-native.mjs counts ctest's: a test
// file that failed without a failed test — it did not load, or a beforeAll hook threw and its tests were skipped —
// counts as one failure, so the total never hides it (vitest's numFailedTests leaves such files out).
export function vitestCounts(report) {
  const broken = (report.testResults ?? []).filter(
    (file) => file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed"),
  ).length;
  return { passed: report.numPassedTests ?? 0, failed: (report.numFailedTests ?? 0) + broken, broken };
}
