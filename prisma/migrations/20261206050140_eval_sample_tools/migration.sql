-- AlterTable
ALTER TABLE "eval_samples" ADD COLUMN     "tools" JSONB;

