// Types of cuda-choice.mjs for the TypeScript tests (the build tools stay plain .mjs so they run without tsx).
export type CudaChoice = { build: boolean; required: boolean; error?: string; reason: string };
export function cudaChoice(input: { env: Record<string, string | undefined>; nvccPath: string | null }): CudaChoice;
