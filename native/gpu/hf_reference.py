#!/usr/bin/env python3
"""HF transformers + PEFT reference: logits, loss and LoRA gradients on deterministic inputs.

    python3 native/gpu/hf_reference.py --model DIR --rank 16 --targets q,k,v,o --seq 256 --out ref.safetensors

Writes next to --out (FILE = --out without .safetensors):
  FILE.safetensors        logits [T, V] (bf16), logprobs [T-1], loss, train_loss, grad_norm, tokens, loss_mask,
                          and grad.<module>.lora_A / .lora_B for every adapted module (fp32)
  FILE.inputs.json        {"tokens": [...], "loss_mask": [...]} for our side (`gpu_ours reference`, native/gpu/ours.cc)
  FILE-adapter/           the PEFT adapter the gradients were taken at (PEFT's save_pretrained)
  FILE-checkpoint/        the same adapter as a step-0 checkpoint of our trainer (trainer_state.json, zero AdamW
                          moments), so `resumeFrom` makes our first training step use exactly this adapter

Conventions (the ones our trainer uses): loss = mean over targets of −log p(t[i] | t[<i]) where loss_mask[i] = 1
(HF labels are the tokens with −100 where the mask is 0; the model shifts them); LoRA dropout 0;
scaling = alpha / r. PEFT initializes lora_B to zero, which would make every lora_A gradient zero: here A is
U(±1/√in) and B is N(0, 0.02²) from a seeded generator, so both gradients are non-trivial.

--dtype fp32 (default) runs HF in fp32 with TF32 off: the weights are bf16 values, so this is the exact answer a
bf16 kernel should be near. --dtype bf16 gives HF's own bf16 numbers instead.
"""

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_common import (assistant_mask, attn_implementation, dtype_kwargs, import_torch_stack,  # noqa: E402
                       layer_kinds, lora_param_names, model_class_names, model_targets, parse_targets,
                       write_step0_checkpoint)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="HF model folder (hf_make_model.py writes one)")
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=None, help="lora_alpha (default 2·rank)")
    ap.add_argument("--targets", default="q,k,v,o")
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--out", required=True, help="FILE.safetensors")
    args = ap.parse_args()
    if not args.out.endswith(".safetensors"):
        sys.exit("hf_reference: --out must end with .safetensors")
    if args.rank < 1:
        sys.exit("hf_reference: --rank must be ≥ 1")
    targets = parse_targets(args.targets)
    alpha = args.alpha if args.alpha is not None else 2.0 * args.rank
    stem = args.out[: -len(".safetensors")]

    torch = import_torch_stack("hf_reference")
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import save_file
    import transformers

    t0 = time.time()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.float32 if args.dtype == "fp32" else torch.bfloat16
    # The weights load in dtype (dtype_kwargs: the argument's name in this transformers). Only the device moves with
    # .to(): Module.to(dtype) also casts buffers, and the rotary embedding's inv_freq (a buffer transformers
    # computes in fp32 on purpose) would become bf16 with --dtype bf16, its RoPE angles off by tenths of a radian at
    # position 255 -- not "a correct bf16 computation" to calibrate against. Parameters still in another dtype (none
    # expected) are cast one by one, which leaves buffers alone.
    with open(os.path.join(args.model, "config.json")) as f:
        cfg_json = json.load(f)
    model_class = getattr(transformers, model_class_names(cfg_json, transformers.__version__, "hf_reference")[1])
    try:
        targets = model_targets(cfg_json, targets)  # Phi-3: qkv_proj, gate_up_proj
    except ValueError as e:
        sys.exit(f"hf_reference: {e}")
    model = model_class.from_pretrained(args.model, **dtype_kwargs(transformers.__version__, dtype),
                                        attn_implementation=attn_implementation(cfg_json)).to(device)
    with torch.no_grad():
        for p in model.parameters():
            if p.dtype != dtype:
                p.data = p.data.to(dtype)
    model.eval()  # no dropout anywhere; gradients still flow
    cfg = model.config
    if args.seq > cfg.max_position_embeddings:
        sys.exit(f"hf_reference: --seq {args.seq} exceeds max_position_embeddings {cfg.max_position_embeddings}")

    lora_cfg = LoraConfig(r=args.rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets, bias="none",
                          task_type="CAUSAL_LM", init_lora_weights=True)
    model = get_peft_model(model, lora_cfg)
    gen = torch.Generator(device="cpu").manual_seed(args.seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_A" in name:
                bound = 1.0 / p.shape[1] ** 0.5
                p.copy_(((torch.rand(p.shape, generator=gen) * 2 - 1) * bound).to(p.dtype))
            elif "lora_B" in name:
                p.copy_((0.02 * torch.randn(p.shape, generator=gen)).to(p.dtype))

    # Inputs: uniform random token ids (the cost and the numerics do not depend on their meaning) and a
    # two-turn chat-like mask.
    tok_gen = torch.Generator(device="cpu").manual_seed(args.seed)
    tokens = torch.randint(0, cfg.vocab_size, (args.seq,), generator=tok_gen, dtype=torch.int64)
    mask = assistant_mask(args.seq)
    labels = tokens.clone()
    labels[torch.from_numpy(mask == 0)] = -100

    out = model(input_ids=tokens[None].to(device), labels=labels[None].to(device))
    loss = out.loss
    loss.backward()
    logits = out.logits[0].float()
    logprobs = torch.log_softmax(logits[:-1], dim=-1).gather(1, tokens[1:, None].to(device))[:, 0]

    # PEFT names: base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight → our trainer's
    # model.layers.0.self_attn.q_proj.lora_A.
    grads = {}
    for name, p in model.named_parameters():
        if "lora_" not in name:
            continue
        if p.grad is None:
            sys.exit(f"hf_reference: {name} got no gradient")
        short = name.replace("base_model.model.", "", 1).replace(".default.weight", "")
        grads[short] = p.grad.detach().float().cpu()
    names = lora_param_names(cfg.num_hidden_layers, targets, layer_kinds(cfg_json))
    if sorted(names) != sorted(grads):
        sys.exit(f"hf_reference: PEFT adapted {sorted(grads)[:4]}…, expected {names[:4]}…")
    grad_norm = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads.values())))

    result = {
        "logits": logits.detach().to(torch.bfloat16).cpu().contiguous(),
        "logprobs": logprobs.detach().float().cpu().contiguous(),
        # clone(): safetensors refuses tensors that share memory (loss and train_loss are the same number).
        "loss": loss.detach().float().cpu().reshape(1).clone(),
        "train_loss": loss.detach().float().cpu().reshape(1).clone(),
        "grad_norm": torch.tensor([grad_norm], dtype=torch.float32),
        "tokens": tokens,
        "loss_mask": torch.from_numpy(mask.astype(np.uint8)),
    }
    result.update({f"grad.{k}": v.contiguous() for k, v in grads.items()})
    save_file(result, args.out, metadata={"format": "pt", "dtype": args.dtype, "rank": str(args.rank),
                                          "alpha": str(alpha), "targets": ",".join(targets)})
    with open(stem + ".inputs.json", "w") as f:
        json.dump({"tokens": tokens.tolist(), "loss_mask": mask.tolist(), "rank": args.rank, "alpha": alpha,
                   "targets": targets, "seed": args.seed}, f)

    # The adapter, as PEFT writes it (fp32 with --dtype fp32), and the same as our trainer's step-0 checkpoint.
    adapter_dir = stem + "-adapter"
    shutil.rmtree(adapter_dir, ignore_errors=True)
    model.save_pretrained(adapter_dir, safe_serialization=True)
    ckpt_dir = stem + "-checkpoint"
    write_step0_checkpoint(adapter_dir, ckpt_dir, cfg.num_hidden_layers, targets, args.seed,
                           {n: int(np.prod(g.shape)) for n, g in grads.items()}, layer_kinds(cfg_json))

    print(json.dumps({"out": args.out, "adapter": adapter_dir, "checkpoint": ckpt_dir, "loss": float(loss),
                      "grad_norm": grad_norm, "targets_in_mask": int(mask[1:].sum()), "dtype": args.dtype,
                      "device": device, "seconds": round(time.time() - t0, 1)}))


if __name__ == "__main__":
    main()
