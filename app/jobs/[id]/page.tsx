import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { JobMonitor } from "@/components/jobs/monitor/JobMonitor";
import { HttpError } from "@/lib/http/errors";
import { packPoints } from "@/lib/jobs/monitor/pack";
import { loadJobView } from "@/lib/jobs/view";

export const metadata: Metadata = { title: "Job" };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const { id } = await params;
  const view = await loadJobView(id).catch((err: unknown) => {
    if (err instanceof HttpError && err.status === 404) notFound();
    throw err;
  });
  // Points go as columns (a third of the bytes): a long job's first draw waits mostly on this payload.
  return <JobMonitor initial={{ ...view, metrics: [] }} packedMetrics={packPoints(view.metrics)} />;
}
