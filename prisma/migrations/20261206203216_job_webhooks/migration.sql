-- AlterTable
ALTER TABLE "fine_tune_jobs" ADD COLUMN     "notified_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "webhooks" (
    "id" TEXT NOT NULL,
    "url_ciphertext" TEXT NOT NULL,
    "url_hint" TEXT NOT NULL,
    "secret_ciphertext" TEXT NOT NULL,
    "events" TEXT[],
    "last_delivery_at" TIMESTAMP(3),
    "last_delivery_ok" BOOLEAN,
    "last_delivery_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

