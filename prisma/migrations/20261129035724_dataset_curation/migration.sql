-- Trigram index for the curation table's full-text search (pg_trgm ships with PostgreSQL contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateEnum
CREATE TYPE "import_status" AS ENUM ('uploading', 'needs_review', 'importing', 'succeeded', 'failed', 'cancelled');

-- AlterTable
ALTER TABLE "datasets" ADD COLUMN     "analysis_error" TEXT,
ADD COLUMN     "analyzed_at" TIMESTAMP(3),
ADD COLUMN     "analyzed_revision" INTEGER,
ADD COLUMN     "count_model" TEXT NOT NULL DEFAULT 'gpt-4o-mini-2024-07-18',
ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "examples" ADD COLUMN     "assistant_tokens" INTEGER,
ADD COLUMN     "error_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "extra" JSONB,
ADD COLUMN     "issue_codes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "message_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "prompt_preview" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "reply_preview" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "search_text" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "warning_count" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "dataset_imports" (
    "id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "staged_path" TEXT,
    "format" TEXT,
    "options" JSONB NOT NULL DEFAULT '{}',
    "status" "import_status" NOT NULL DEFAULT 'uploading',
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "bytes_read" BIGINT NOT NULL DEFAULT 0,
    "lines" INTEGER NOT NULL DEFAULT 0,
    "imported" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "report" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "dataset_imports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "undo_batches" (
    "id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "undo_batches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dataset_imports_dataset_id_created_at_idx" ON "dataset_imports"("dataset_id", "created_at");

-- CreateIndex
CREATE INDEX "undo_batches_dataset_id_created_at_idx" ON "undo_batches"("dataset_id", "created_at");

-- CreateIndex
CREATE INDEX "examples_dataset_id_token_count_idx" ON "examples"("dataset_id", "token_count");

-- CreateIndex
CREATE INDEX "examples_dataset_id_split_position_idx" ON "examples"("dataset_id", "split", "position");

-- CreateIndex
CREATE INDEX "examples_issue_codes_idx" ON "examples" USING GIN ("issue_codes");

-- CreateIndex
CREATE INDEX "examples_tags_idx" ON "examples" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "examples_search_text_idx" ON "examples" USING GIN ("search_text" gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "dataset_imports" ADD CONSTRAINT "dataset_imports_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "undo_batches" ADD CONSTRAINT "undo_batches_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

