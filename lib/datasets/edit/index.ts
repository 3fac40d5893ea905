// Editing examples: the message editor (one row), bulk actions on a selection, and their undo.
export { getExample, updateExample, createExample, createTemplateShape, type EditorExample } from "./example";
export { bulkAction, bulkActionShape, deleteExample, MAX_BULK_IDS, type BulkActionInput, type BulkResult } from "./bulk";
export { undoBatch, type UndoResult } from "./undo";
export { countEditorTokens, tokenCountShape, type TokenCountInput, type TokenCountResult } from "./token-count";
export { examplePatchShape, normalizeTags, SPLITS, type ExamplePatch, type SplitName } from "./shape";
