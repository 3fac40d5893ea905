-- AlterTable
ALTER TABLE "examples" ADD COLUMN     "split_manual" BOOLEAN NOT NULL DEFAULT false;

