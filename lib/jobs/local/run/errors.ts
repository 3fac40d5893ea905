// Turns what went wrong in a local run into a code and a message that says what to do. The trainer's own
// messages already name the file and the problem; this adds the next step for the person reading the job page.

export type RunFailure = { code: string; message: string };

export function describeRunError(err: unknown, stage: "data" | "model" | "tokenize" | "train" | "finish"): RunFailure {
  const text = err instanceof Error ? err.message : String(err);
  // Where a sentence follows the trainer's message, without the message's own final period (no "..").
  const stem = text.replace(/\.\s*$/, "");
  const lower = text.toLowerCase();
  if (/out of memory|bad_alloc|cudaerrormemoryallocation|cannot allocate/.test(lower)) {
    // The CUDA backend checkpoints a step that would not fit otherwise, and says so when even that was too much
    // (kCheckpointedMemoryAdvice, native/cuda/host/arena_plan.h: the words matched here).
    const checkpointed = /already checkpointed/.test(lower);
    return {
      code: "out_of_memory",
      message: `Out of memory: ${stem}. Use nf4 quantization, a smaller batch size (raise gradient accumulation to keep the effective batch)${checkpointed ? " or" : ","} a shorter max sequence length${checkpointed ? "" : ", or gradient checkpointing"}.`,
    };
  }
  if (/native addon/.test(lower)) return { code: "native_unavailable", message: `${stem}.` };
  if (/diverged/.test(lower)) return { code: "training_diverged", message: text };
  if (/cuda/.test(lower) && stage === "model") {
    return { code: "backend_unavailable", message: `${stem}. Launch with backend "cpu" or "auto", or run a GPU worker built with CUDA.` };
  }
  switch (stage) {
    case "data":
      return { code: "data_invalid", message: `${stem}.` };
    case "model":
      return { code: "model_invalid", message: `Could not load the base model: ${stem}. Check that the folder holds config.json, *.safetensors and tokenizer files of a Llama-family model.` };
    case "tokenize":
      return { code: "tokenizer_failed", message: `Could not tokenize the data with the model's tokenizer and chat template: ${stem}.` };
    case "finish":
      return { code: "finish_failed", message: `Training ended but the adapter could not be saved: ${stem}.` };
    default:
      return { code: "training_failed", message: text };
  }
}
