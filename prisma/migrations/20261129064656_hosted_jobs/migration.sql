-- AlterTable
ALTER TABLE "fine_tune_jobs" ADD COLUMN     "attached" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "cancel_requested_at" TIMESTAMP(3),
ADD COLUMN     "estimated_epochs" INTEGER,
ADD COLUMN     "estimated_finish_at" TIMESTAMP(3),
ADD COLUMN     "estimated_tokens_per_epoch" INTEGER,
ADD COLUMN     "last_event_remote_id" TEXT,
ADD COLUMN     "last_polled_at" TIMESTAMP(3),
ADD COLUMN     "remote_status" TEXT,
ADD COLUMN     "retry_message" TEXT,
ADD COLUMN     "training_price_per_mtok" DECIMAL(12,4);

-- AlterTable
ALTER TABLE "metric_points" ADD COLUMN     "epoch" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "price_entries" ADD COLUMN     "as_of" DATE,
ADD COLUMN     "cached_input_per_mtok" DECIMAL(12,4),
ADD COLUMN     "source" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "fine_tune_jobs_provider_created_at_idx" ON "fine_tune_jobs"("provider", "created_at");

