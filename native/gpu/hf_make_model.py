#!/usr/bin/env python3
"""Write a randomly initialized Llama model in Hugging Face format (nothing is downloaded).

    python3 native/gpu/hf_make_model.py --shape 1b|8b|tiny|qwen3|qwen3yarn|gemma3|gemma2|phi4|phi4mini|phi4minilong|granite|smollm3|olmo2|olmo3|exaone4|mistral|glm4|ministral3|lfm2 --out DIR [--seed 0]

DIR gets config.json (LlamaConfig with Llama-3.2-1B's or Llama-3.1-8B's shape, llama3 rope scaling; or, for qwen3,
Qwen3Config with Qwen3-0.6B's layer in 4 layers, and for qwen3yarn with yarn RoPE scaling too; for gemma3, Gemma3TextConfig with gemma-3-1b's layer in 4 layers; for
gemma2, Gemma2Config with gemma-2-2b's layer in 4 layers and soft caps low enough to bend its values; for phi4, Phi3Config with phi-4's layer in 2 layers, its q/k/v and gate/up fused as phi-4 stores them; for phi4mini,
Phi-4-mini's layer in 4 layers, with its longrope and partial rotary factor; for phi4minilong, the same in 2 layers over
an original context of 128 (step 3's rows take the long factors); for granite, GraniteConfig with a Granite 3
2B's layer in 4 layers and its four multipliers; for smollm3, SmolLM3Config with SmolLM3-3B's layer in 4 layers, the
fourth without RoPE; for olmo2, Olmo2Config with OLMo-2-1124-7B's layer in 2 layers; for olmo3, Olmo3Config with
OLMo-3-7B's layer in 2 layers, a sliding (128-key window) and a full one; for exaone4, Exaone4Config with EXAONE-4.0-32B's
layer in a sliding layer with RoPE and a full one without; for mistral, MistralConfig with
Mistral-7B-v0.1's layer in 2 layers and a 128-key window; for glm4, Glm4Config with GLM-4-9B-0414's layer in 2 layers, its
gate/up fused; for ministral3, Ministral3Config with Ministral-3-8B's layer in 2 layers, yarn and the queries'
temperature over an original context cut to 64; for lfm2, Lfm2Config with LFM2-1.2B's layer in a conv layer and an
attention layer, native/gpu/hf_lfm2.py) and bf16
*.safetensors (sharded with model.safetensors.index.json when large). No tokenizer is written: the checks
(hf_reference.py, hf_throughput.py, `gpu_ours`, `tuneforge bench trainer`) feed token ids directly, and
logits, loss, gradients and throughput do not depend on the text a token stands for.

Weights: every matrix N(0, 0.02²) like transformers' initializer_range, norms 1 + N(0, 0.1²) (not all ones, so a
norm applied wrongly shows up in the comparison; Gemma's, which store scale − 1, N(0, 0.1²)), drawn from one seeded
generator so the same seed on the same device gives the same model.
"""

import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_common import GEMMA2_SHAPES, GEMMA3_SHAPES, import_torch_stack, llama_config_dict, model_class_names  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", required=True, choices=["1b", "8b", "tiny", "qwen3", "qwen3yarn", "gemma3", "gemma2", "phi4", "phi4mini", "phi4minilong", "granite", "smollm3", "olmo2", "olmo3", "exaone4", "mistral", "glm4", "ministral3", "lfm2"])
    ap.add_argument("--out", required=True, help="model folder to write (created; existing files replaced)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch = import_torch_stack("hf_make_model")
    import transformers

    t0 = time.time()
    cfg_dict = llama_config_dict(args.shape)
    config_name, model_name = model_class_names(cfg_dict, transformers.__version__, "hf_make_model")
    config = getattr(transformers, config_name)(**cfg_dict)
    model_class = getattr(transformers, model_name)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    # Built on the GPU (the 8B shape is 32 GB in fp32 there, for a moment; on the CPU its construction takes
    # minutes), then cast to bf16. Plain construction and .to() work the same on every transformers version;
    # the weights transformers initializes are overwritten below, so the model does not depend on its version.
    with torch.device(device), torch.no_grad():
        model = model_class(config).to(torch.bfloat16)
    gen = torch.Generator(device=device).manual_seed(args.seed)
    norm_center = 0.0 if args.shape in GEMMA3_SHAPES + GEMMA2_SHAPES else 1.0  # Gemma's norms scale by (1 + weight)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(norm_center + 0.1 * torch.randn(p.shape, generator=gen, device=device, dtype=torch.float32))
            elif name.endswith("conv.conv.weight"):
                # LFM2's convolution: 3 taps per channel, drawn like the tiny model's so the conv layer's output is
                # not negligible beside the residual (a wrong convolution must show in the comparison).
                p.copy_(0.5 * torch.randn(p.shape, generator=gen, device=device, dtype=torch.float32))
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=gen, device=device, dtype=torch.float32))
    if cfg_dict["tie_word_embeddings"]:
        model.tie_weights()

    # Written into DIR.partial and renamed at the end: steps-3-4.sh takes DIR/config.json as "the model is there",
    # so a run killed halfway (out of time, out of disk) must not leave a folder that looks complete.
    out = args.out.rstrip("/")
    partial = out + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    # safetensors is save_pretrained's default from 4.35 on (MIN_TRANSFORMERS is later); 5.x dropped the argument.
    model.save_pretrained(partial, max_shard_size="5GB")
    # save_pretrained's config carries transformers' own extras; make sure the fields our loader reads are ours.
    with open(os.path.join(partial, "config.json")) as f:
        saved = json.load(f)
    saved.update({k: v for k, v in cfg_dict.items() if k != "torch_dtype"})
    saved["torch_dtype"] = "bfloat16"
    with open(os.path.join(partial, "config.json"), "w") as f:
        json.dump(saved, f, indent=2)
        f.write("\n")
    shutil.rmtree(out, ignore_errors=True)
    os.rename(partial, out)
    n = sum(p.numel() for p in model.parameters())
    print(json.dumps({"model": args.out, "shape": args.shape, "parameters": n, "device": device,
                      "seconds": round(time.time() - t0, 1)}))


if __name__ == "__main__":
    main()
