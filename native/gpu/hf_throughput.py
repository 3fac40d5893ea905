#!/usr/bin/env python3
"""HF PEFT LoRA training throughput, peak memory and MFU on one GPU; prints one JSON line.

    python3 native/gpu/hf_throughput.py --model DIR --seq 2048 --batch 4 --rank 16 --targets q,k,v,o

The setup is the seed's stack minus bitsandbytes (not installed on the GPU machine): bf16 base weights,
LoRA (dropout 0.05, alpha 2·rank, PEFT's fp32 adapter weights), gradient checkpointing (non-reentrant), SDPA
attention, torch AdamW, and the forward under bf16 autocast, as HF's Trainer runs it with bf16=True (without it
PEFT casts every LoRA input to fp32 and keeps those copies for backward: slower and more memory, a weaker baseline
than the one users get). Each step is one micro-batch of --batch rows of --seq random tokens, every position a
target, so tokens/step = batch·seq. --warmup steps are run and not timed; tokens/s is over the next --steps.

MFU = tokens/s · (4·N_frozen + 6·N_lora + 6·L·heads·head_dim·T) / the bf16 GEMM peak measured in this run
(a square torch.matmul, best of a few timings; hf_common.flops_per_token is the same formula as our bench's).
Peak memory is torch.cuda.max_memory_allocated over the training steps, weights included.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_common import dtype_kwargs, import_torch_stack, flops_per_token, gemm_tflops, lora_parameters, matmul_parameters, mfu, parse_targets  # noqa: E402


def measure_gemm_peak(torch, n, reps=20, rounds=3):
    """Best bf16 TFLOP/s of an n×n×n torch.matmul (cuBLAS): the practical ceiling MFU is taken against."""
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    c = torch.empty(n, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        torch.matmul(a, b, out=c)
    torch.cuda.synchronize()
    best = 0.0
    for _ in range(rounds):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            torch.matmul(a, b, out=c)
        end.record()
        end.synchronize()
        best = max(best, gemm_tflops(n, n, n, start.elapsed_time(end) / 1000.0 / reps))
    del a, b, c
    torch.cuda.empty_cache()
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=None, help="lora_alpha (default 2·rank)")
    ap.add_argument("--targets", default="q,k,v,o")
    ap.add_argument("--steps", type=int, default=6, help="timed steps")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    ap.add_argument("--gemm-size", type=int, default=8192)
    ap.add_argument("--no-checkpointing", action="store_true", help="keep activations (more memory)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.batch < 1 or args.seq < 2:
        sys.exit("hf_throughput: --steps ≥ 1, --warmup ≥ 0, --batch ≥ 1 and --seq ≥ 2 please")
    targets = parse_targets(args.targets)
    alpha = args.alpha if args.alpha is not None else 2.0 * args.rank

    torch = import_torch_stack("hf_throughput")
    from peft import LoraConfig, get_peft_model
    import transformers
    from transformers import LlamaForCausalLM

    if not torch.cuda.is_available():
        sys.exit("hf_throughput: no CUDA device visible to torch")
    torch.manual_seed(args.seed)
    t0 = time.time()
    peak_tflops = measure_gemm_peak(torch, args.gemm_size)

    model = LlamaForCausalLM.from_pretrained(args.model, **dtype_kwargs(transformers.__version__, torch.bfloat16),
                                             attn_implementation="sdpa")
    model = model.to(device="cuda", dtype=torch.bfloat16)
    model.config.use_cache = False
    if not args.no_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    model = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=alpha, lora_dropout=0.05, target_modules=targets,
                                             bias="none", task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.01)
    cfg = model.config.to_dict()
    if args.seq > cfg["max_position_embeddings"]:
        sys.exit(f"hf_throughput: --seq {args.seq} exceeds max_position_embeddings {cfg['max_position_embeddings']}")

    gen = torch.Generator(device="cuda").manual_seed(args.seed)
    batches = [torch.randint(0, cfg["vocab_size"], (args.batch, args.seq), device="cuda", generator=gen)
               for _ in range(args.warmup + args.steps)]
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    step_seconds, loss = [], None
    for i, ids in enumerate(batches):
        s = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            out = model(input_ids=ids, labels=ids)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss = float(out.loss)  # synchronizes, so the step time is the whole step
        if i >= args.warmup:
            step_seconds.append(time.perf_counter() - s)
    torch.cuda.synchronize()
    tokens_per_sec = args.batch * args.seq * len(step_seconds) / sum(step_seconds)
    fpt = flops_per_token(cfg, args.rank, targets, args.seq)
    print(json.dumps({
        "side": "hf-peft", "model": args.model, "base": "bf16", "seq": args.seq, "batch": args.batch,
        "rank": args.rank, "alpha": alpha, "targets": targets, "gradient_checkpointing": not args.no_checkpointing, "autocast": "bf16",
        "matmul_parameters": matmul_parameters(cfg), "lora_parameters": lora_parameters(cfg, args.rank, targets),
        "tokens_per_sec": round(tokens_per_sec, 1), "flops_per_token": fpt,
        "achieved_tflops": round(tokens_per_sec * fpt / 1e12, 1), "gemm_peak_tflops": round(peak_tflops, 1),
        "mfu_percent": round(mfu(tokens_per_sec, fpt, peak_tflops), 1),
        "peak_memory_bytes": torch.cuda.max_memory_allocated(), "loss": round(loss, 4),
        "step_seconds": [round(x, 3) for x in step_seconds], "seconds": round(time.time() - t0, 1),
    }))


if __name__ == "__main__":
    main()
