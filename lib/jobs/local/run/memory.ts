/**
 * The trainer's memory report as one job-log line. The CUDA backend reports by category on several lines
 * ("CUDA memory:\n  frozen weights: 1.00 GiB\n  …"); the CPU backend's estimate is already one line.
 */
export function memoryReportLine(report: string): string {
  return report.trim().replace(/:\n\s*/, ": ").replace(/\n\s*/g, ", ");
}
