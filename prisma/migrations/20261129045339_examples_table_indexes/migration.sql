-- CreateIndex
CREATE INDEX "examples_dataset_id_position_id_idx" ON "examples"("dataset_id", "position", "id");

-- CreateIndex
CREATE INDEX "examples_dataset_id_token_count_position_id_idx" ON "examples"("dataset_id", "token_count", "position", "id");

-- CreateIndex
CREATE INDEX "examples_dataset_id_prompt_preview_position_id_idx" ON "examples"("dataset_id", "prompt_preview", "position", "id");

-- CreateIndex
CREATE INDEX "examples_dataset_id_reply_preview_position_id_idx" ON "examples"("dataset_id", "reply_preview", "position", "id");

-- CreateIndex
CREATE INDEX "examples_dataset_id_message_count_position_id_idx" ON "examples"("dataset_id", "message_count", "position", "id");

-- CreateIndex
CREATE INDEX "examples_dataset_id_error_count_warning_count_position_id_idx" ON "examples"("dataset_id", "error_count", "warning_count", "position", "id");

-- CreateIndex
CREATE INDEX "examples_dataset_id_split_position_id_idx" ON "examples"("dataset_id", "split", "position", "id");

-- CreateIndex
CREATE INDEX "examples_dataset_id_updated_at_position_id_idx" ON "examples"("dataset_id", "updated_at", "position", "id");

