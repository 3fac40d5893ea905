-- CreateEnum
CREATE TYPE "artifact_status" AS ENUM ('pending', 'running', 'ready', 'failed');

-- AlterTable
ALTER TABLE "fine_tune_jobs" ADD COLUMN     "adapter_path" TEXT,
ADD COLUMN     "backend" TEXT,
ADD COLUMN     "worker_id" TEXT;

-- AlterTable
ALTER TABLE "artifacts" ADD COLUMN     "error_message" TEXT,
ADD COLUMN     "status" "artifact_status" NOT NULL DEFAULT 'ready',
ADD COLUMN     "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

