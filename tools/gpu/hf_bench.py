#!/usr/bin/env python3
"""The peers of tools/gpu_check's benchmarks, on the same GPU and checkpoints: Hugging Face
transformers (generate with its KV cache, bfloat16) for sampling, transformers + peft for the
LoRA training step, and the bf16 torch.mm rate that MFU figures are taken against. One JSON
object per measurement on stdout (the same fields as tests/bench/device_bench.cpp).

  peak:   bf16 torch.mm 8192^3, mean TFLOP/s of 10 products after 3 warm-ups (CUDA events)
  sample: greedy generate, prompts of random ids (no padding), exactly --new-tokens per sequence
          (min_new_tokens, no eos); one warm-up call; tokens/s = generated tokens / wall time
  train:  LoRA r 8 (alpha 16) on all seven projections via peft, bf16 base, fp32 adapter weights,
          AdamW, gradient checkpointing, --batch x --seq random ids, loss on every token; the
          first step (warm-up) is not counted
"""
import argparse
import json
import sys
import time


def emit(**fields):
    print(json.dumps(fields), flush=True)


def peak(torch, n=8192):
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(10):
        a @ b
    stop.record()
    torch.cuda.synchronize()
    seconds = start.elapsed_time(stop) / 1000 / 10
    emit(bench="peak", engine="torch.mm", dtype="bfloat16", n=n, tflops=2 * n ** 3 / seconds / 1e12,
         device=torch.cuda.get_device_name())


def load(torch, model_dir):
    from transformers import AutoModelForCausalLM  # noqa: PLC0415
    kwargs = dict(device_map="cuda")
    try:
        return AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, **kwargs)
    except TypeError:  # transformers < 4.56 names it torch_dtype
        return AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.bfloat16, **kwargs)


def sample(torch, args):
    model = load(torch, args.model_dir).eval()
    vocab = model.config.vocab_size
    g = torch.Generator(device="cuda").manual_seed(5)

    def run(batch):
        ids = torch.randint(0, vocab, (batch, args.prompt), device="cuda", generator=g)
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, eos_token_id=None,
                             pad_token_id=0, use_cache=True)
        torch.cuda.synchronize()
        return out.shape[1] - args.prompt

    for batch in args.batches:
        run(min(batch, 4))
        torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        new = run(batch)
        secs = time.perf_counter() - t0
        emit(bench="sample", engine="transformers", device="cuda", batch=batch, prompt=args.prompt,
             new_tokens=new, seconds=secs, tokens_per_s=batch * new / secs,
             memory_gib=torch.cuda.max_memory_reserved() / 2 ** 30)


def train(torch, args):
    from peft import LoraConfig, get_peft_model  # noqa: PLC0415
    model = load(torch, args.model_dir)
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.config.use_cache = False
    lora = LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, lora_dropout=0.0, bias="none",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                      task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    for p in model.parameters():  # adapter weights (and their AdamW moments) in fp32, as ours
        if p.requires_grad:
            p.data = p.data.float()
    model.enable_input_require_grads()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    vocab = model.config.vocab_size
    g = torch.Generator(device="cuda").manual_seed(9)
    times = []
    torch.cuda.reset_peak_memory_stats()
    for step in range(args.steps + 1):
        ids = torch.randint(0, vocab, (args.batch, args.seq), device="cuda", generator=g)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        if step > 0:
            times.append(time.perf_counter() - t0)
    secs = sum(times)
    tokens = args.batch * args.seq * len(times)
    emit(bench="train_lora", engine="transformers+peft", device="cuda", batch=args.batch, seq=args.seq,
         lora_r=args.lora_r, steps_timed=len(times), seconds=secs, tokens_per_s=tokens / secs,
         memory_gib=torch.cuda.max_memory_reserved() / 2 ** 30)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  tools/gpu/hf_bench.py peak\n"
               "  tools/gpu/hf_bench.py sample --model-dir /tmp/qwen2.5-0.5b-shape --batches 1,64,256\n"
               "  tools/gpu/hf_bench.py train --model-dir /tmp/qwen2.5-7b-shape --batch 8 --seq 512")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("peak", help="bf16 torch.mm TFLOP/s")
    s = sub.add_parser("sample", help="generate tokens/s")
    s.add_argument("--model-dir", required=True)
    s.add_argument("--batches", type=lambda v: [int(x) for x in v.split(",")], default=[1, 64, 256])
    s.add_argument("--prompt", type=int, default=64)
    s.add_argument("--new-tokens", type=int, default=64)
    t = sub.add_parser("train", help="LoRA training tokens/s")
    t.add_argument("--model-dir", required=True)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--seq", type=int, default=512)
    t.add_argument("--steps", type=int, default=6)
    t.add_argument("--lora-r", type=int, default=8)
    args = ap.parse_args()
    import torch  # noqa: PLC0415
    if not torch.cuda.is_available():
        sys.exit("hf_bench.py: no CUDA device visible to PyTorch")
    {"peak": lambda: peak(torch), "sample": lambda: sample(torch, args), "train": lambda: train(torch, args)}[args.cmd]()


if __name__ == "__main__":
    main()
