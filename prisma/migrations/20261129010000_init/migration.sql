-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "example_kind" AS ENUM ('chat', 'preference');

-- CreateEnum
CREATE TYPE "split" AS ENUM ('train', 'validation', 'test');

-- CreateEnum
CREATE TYPE "provider" AS ENUM ('openai', 'local');

-- CreateEnum
CREATE TYPE "job_status" AS ENUM ('queued', 'uploading', 'validating_files', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "training_method" AS ENUM ('supervised', 'dpo');

-- CreateEnum
CREATE TYPE "artifact_kind" AS ENUM ('adapter', 'merged_model', 'results_csv');

-- CreateEnum
CREATE TYPE "eval_status" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "verdict" AS ENUM ('candidate', 'baseline', 'tie', 'inconsistent');

-- CreateTable
CREATE TABLE "datasets" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "is_sample" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "datasets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "examples" (
    "id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" "example_kind" NOT NULL DEFAULT 'chat',
    "messages" JSONB NOT NULL,
    "tools" JSONB,
    "preference" JSONB,
    "split" "split" NOT NULL DEFAULT 'train',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "content_hash" TEXT NOT NULL,
    "token_count" INTEGER,
    "issues" JSONB NOT NULL DEFAULT '[]',
    "source" TEXT NOT NULL DEFAULT 'manual',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "examples_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dataset_versions" (
    "id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "train_path" TEXT NOT NULL,
    "validation_path" TEXT,
    "sha256" TEXT NOT NULL,
    "example_count" INTEGER NOT NULL,
    "train_count" INTEGER NOT NULL,
    "validation_count" INTEGER NOT NULL,
    "token_count" INTEGER NOT NULL,
    "has_preference" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fine_tune_jobs" (
    "id" TEXT NOT NULL,
    "provider" "provider" NOT NULL,
    "status" "job_status" NOT NULL DEFAULT 'queued',
    "method" "training_method" NOT NULL DEFAULT 'supervised',
    "base_model" TEXT NOT NULL,
    "dataset_version_id" TEXT,
    "hyperparameters" JSONB NOT NULL DEFAULT '{}',
    "lora_config" JSONB,
    "suffix" TEXT,
    "seed" INTEGER,
    "remote_job_id" TEXT,
    "remote_training_file_id" TEXT,
    "remote_validation_file_id" TEXT,
    "fine_tuned_model" TEXT,
    "trained_tokens" INTEGER,
    "estimated_usd" DECIMAL(12,4),
    "actual_usd" DECIMAL(12,4),
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "fine_tune_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_events" (
    "id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "remote_id" TEXT,
    "level" TEXT NOT NULL DEFAULT 'info',
    "message" TEXT NOT NULL,
    "data" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metric_points" (
    "id" SERIAL NOT NULL,
    "job_id" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "train_loss" DOUBLE PRECISION,
    "train_accuracy" DOUBLE PRECISION,
    "valid_loss" DOUBLE PRECISION,
    "valid_accuracy" DOUBLE PRECISION,
    "full_valid_loss" DOUBLE PRECISION,
    "full_valid_accuracy" DOUBLE PRECISION,
    "learning_rate" DOUBLE PRECISION,
    "tokens_per_second" DOUBLE PRECISION,
    "grad_norm" DOUBLE PRECISION,
    "memory_bytes" BIGINT,
    "total_steps" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "metric_points_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoints" (
    "id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "remote_id" TEXT,
    "model_name" TEXT,
    "path" TEXT,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artifacts" (
    "id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "kind" "artifact_kind" NOT NULL,
    "path" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "sha256" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artifacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "eval_runs" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "status" "eval_status" NOT NULL DEFAULT 'queued',
    "dataset_version_id" TEXT NOT NULL,
    "split" "split" NOT NULL DEFAULT 'validation',
    "job_id" TEXT,
    "candidate_spec" TEXT NOT NULL,
    "baseline_spec" TEXT NOT NULL,
    "judge_spec" TEXT,
    "rubric" TEXT,
    "generation" JSONB NOT NULL DEFAULT '{}',
    "summary" JSONB,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "eval_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "eval_samples" (
    "id" TEXT NOT NULL,
    "eval_run_id" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "prompt" JSONB NOT NULL,
    "expected" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "baseline_output" TEXT,
    "candidate_output" TEXT,
    "baseline_metrics" JSONB,
    "candidate_metrics" JSONB,
    "judge_forward" JSONB,
    "judge_swapped" JSONB,
    "verdict" "verdict",
    "human_verdict" "verdict",
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "eval_samples_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_credentials" (
    "id" TEXT NOT NULL,
    "provider" "provider" NOT NULL,
    "api_key_ciphertext" TEXT NOT NULL,
    "api_key_last4" TEXT NOT NULL,
    "base_url" TEXT,
    "organization" TEXT,
    "project" TEXT,
    "last_tested_at" TIMESTAMP(3),
    "last_test_ok" BOOLEAN,
    "last_test_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "price_entries" (
    "id" TEXT NOT NULL,
    "provider" "provider" NOT NULL,
    "model" TEXT NOT NULL,
    "training_per_mtok" DECIMAL(12,4) NOT NULL,
    "input_per_mtok" DECIMAL(12,4),
    "output_per_mtok" DECIMAL(12,4),
    "note" TEXT NOT NULL DEFAULT '',
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "price_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_state" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "app_state_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "datasets_name_key" ON "datasets"("name");

-- CreateIndex
CREATE INDEX "examples_dataset_id_position_idx" ON "examples"("dataset_id", "position");

-- CreateIndex
CREATE INDEX "examples_dataset_id_content_hash_idx" ON "examples"("dataset_id", "content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "dataset_versions_dataset_id_number_key" ON "dataset_versions"("dataset_id", "number");

-- CreateIndex
CREATE UNIQUE INDEX "fine_tune_jobs_remote_job_id_key" ON "fine_tune_jobs"("remote_job_id");

-- CreateIndex
CREATE INDEX "fine_tune_jobs_status_idx" ON "fine_tune_jobs"("status");

-- CreateIndex
CREATE INDEX "fine_tune_jobs_created_at_idx" ON "fine_tune_jobs"("created_at");

-- CreateIndex
CREATE INDEX "job_events_job_id_created_at_idx" ON "job_events"("job_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "job_events_job_id_remote_id_key" ON "job_events"("job_id", "remote_id");

-- CreateIndex
CREATE UNIQUE INDEX "metric_points_job_id_step_key" ON "metric_points"("job_id", "step");

-- CreateIndex
CREATE UNIQUE INDEX "checkpoints_job_id_step_key" ON "checkpoints"("job_id", "step");

-- CreateIndex
CREATE INDEX "artifacts_job_id_idx" ON "artifacts"("job_id");

-- CreateIndex
CREATE INDEX "eval_runs_created_at_idx" ON "eval_runs"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "eval_samples_eval_run_id_index_key" ON "eval_samples"("eval_run_id", "index");

-- CreateIndex
CREATE UNIQUE INDEX "provider_credentials_provider_key" ON "provider_credentials"("provider");

-- CreateIndex
CREATE UNIQUE INDEX "price_entries_provider_model_key" ON "price_entries"("provider", "model");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- AddForeignKey
ALTER TABLE "examples" ADD CONSTRAINT "examples_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fine_tune_jobs" ADD CONSTRAINT "fine_tune_jobs_dataset_version_id_fkey" FOREIGN KEY ("dataset_version_id") REFERENCES "dataset_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fine_tune_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "metric_points" ADD CONSTRAINT "metric_points_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fine_tune_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fine_tune_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fine_tune_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_dataset_version_id_fkey" FOREIGN KEY ("dataset_version_id") REFERENCES "dataset_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fine_tune_jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_samples" ADD CONSTRAINT "eval_samples_eval_run_id_fkey" FOREIGN KEY ("eval_run_id") REFERENCES "eval_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

