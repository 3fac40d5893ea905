import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { EvalRunPage } from "@/components/eval/run/EvalRunPage";
import { HttpError } from "@/lib/http/errors";
import { getEvalRunView } from "@/lib/eval/view";

export const metadata: Metadata = { title: "Evaluation" };

export default async function EvaluationPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const { id } = await params;
  const run = await getEvalRunView(id).catch((err: unknown) => {
    if (err instanceof HttpError && err.status === 404) notFound();
    throw err;
  });
  return <EvalRunPage initial={run} />;
}
