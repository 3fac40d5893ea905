-- DropIndex
DROP INDEX "examples_dataset_id_position_idx";

-- DropIndex
DROP INDEX "examples_dataset_id_token_count_idx";

-- DropIndex
DROP INDEX "examples_dataset_id_split_position_idx";

