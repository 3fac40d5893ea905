-- AlterTable
ALTER TABLE "eval_runs" ADD COLUMN     "notified_at" TIMESTAMP(3);

