-- AlterTable
ALTER TABLE "eval_runs" ADD COLUMN     "checkpoint_step" INTEGER,
ADD COLUMN     "concurrency" INTEGER NOT NULL DEFAULT 8,
ADD COLUMN     "json_schema" JSONB,
ADD COLUMN     "sweep_id" TEXT,
ADD COLUMN     "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "warnings" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "worker_id" TEXT;

-- AlterTable
ALTER TABLE "eval_samples" ADD COLUMN     "baseline_error" TEXT,
ADD COLUMN     "candidate_error" TEXT,
ADD COLUMN     "human_verdict_at" TIMESTAMP(3),
ADD COLUMN     "judge_error" TEXT,
ADD COLUMN     "judge_pointwise" JSONB;

-- CreateIndex
CREATE INDEX "eval_runs_sweep_id_idx" ON "eval_runs"("sweep_id");

-- CreateIndex
CREATE INDEX "eval_runs_job_id_idx" ON "eval_runs"("job_id");

