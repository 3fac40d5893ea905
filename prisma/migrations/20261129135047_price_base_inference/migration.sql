-- AlterTable
ALTER TABLE "price_entries" ADD COLUMN     "base_cached_input_per_mtok" DECIMAL(12,4),
ADD COLUMN     "base_input_per_mtok" DECIMAL(12,4),
ADD COLUMN     "base_output_per_mtok" DECIMAL(12,4);

