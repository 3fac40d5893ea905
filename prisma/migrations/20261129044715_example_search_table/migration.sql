-- DropIndex
DROP INDEX "examples_search_text_idx";

-- CreateTable
CREATE TABLE "example_search" (
    "example_id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "example_search_pkey" PRIMARY KEY ("example_id")
);

-- CreateIndex
CREATE INDEX "example_search_dataset_id_idx" ON "example_search"("dataset_id");

-- CreateIndex
CREATE INDEX "example_search_text_idx" ON "example_search" USING GIN ("text" gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "example_search" ADD CONSTRAINT "example_search_example_id_fkey" FOREIGN KEY ("example_id") REFERENCES "examples"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "example_search" ADD CONSTRAINT "example_search_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;


