-- AlterTable
ALTER TABLE "fine_tune_jobs" ADD COLUMN     "note" TEXT;

