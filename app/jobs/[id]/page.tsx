import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { JobMonitor } from "@/components/jobs/monitor/JobMonitor";
import { HttpError } from "@/lib/http/errors";
import { loadJobPage } from "@/lib/jobs/live/page-data";

export const metadata: Metadata = { title: "Job" };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const { id } = await params;
  const { view, packedMetrics } = await loadJobPage(id).catch((err: unknown) => {
    if (err instanceof HttpError && err.status === 404) notFound();
    throw err;
  });
  return <JobMonitor initial={view} packedMetrics={packedMetrics} />;
}
