-- AlterTable
ALTER TABLE "fine_tune_jobs" ADD COLUMN     "adapter_step" INTEGER,
ADD COLUMN     "stopped_early" BOOLEAN NOT NULL DEFAULT false;

