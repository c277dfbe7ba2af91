#!/usr/bin/env python3
"""Turns tools/gpu_check's measurements into results.json and results.md, and compares the
parity stage's LoRA loss curves.

  table RESULTS.jsonl --configs DIR --out DIR
      RESULTS.jsonl: one JSON object per measurement (device_bench, hf_bench.py), each with the
      "shape" it ran on; DIR/config-SHAPE.json: that shape's config.json. Writes
      OUT/results.json (every measurement, plus FLOPs and MFU) and OUT/results.md (the table).
  losses REF.jsonl DEV.jsonl [BF16.jsonl]
      per-step losses of the same short LoRA run: float32 on the reference (CPU) and the device
      must agree within 1e-3 relative (float32 rounding, ~1e-5 per step as the parity logits,
      carried through 8 AdamW steps that pass relative gradient errors on without amplifying
      them: 1e-3 leaves a wide margin yet catches a wrong gradient, which moves the loss by far
      more); the bfloat16 run's largest relative difference is printed, not judged.

MFU = achieved model FLOP/s / the bf16 torch.mm rate measured in the same run. Model FLOPs per
training token (LoRA, frozen base): forward 2 x (matmul weights, LM head included) plus
attention 4 x head_dim x heads x (seq + 1) / 2 per layer; backward 2 x matmul weights (gradients
of the activations only: the base is frozen) plus twice the forward attention; LoRA's own
products 6 x r x (in + out) per adapted projection. Recomputation under gradient checkpointing is
not counted (MFU, not hardware FLOPs utilisation).
"""
import argparse
import json
import os
import sys

TARGETS = {"decode_vs_hf": 3.0, "train_vs_peft": 1.3, "train_mfu": 0.40}


def flops_per_train_token(c, seq, r):
    h, inter, layers = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    heads = c["num_attention_heads"]
    d = h // heads
    kv = c["num_key_value_heads"] * d
    layer_weights = h * h + 2 * h * kv + h * h + 3 * h * inter
    matmul = layers * layer_weights + h * c["vocab_size"]
    attention = layers * 4 * d * heads * (seq + 1) / 2
    lora = layers * 6 * r * ((h + h) + 2 * (h + kv) + (h + h) + 2 * (h + inter) + (inter + h))
    return 4 * matmul + 3 * attention + lora


def table(args):
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    peak = next((r for r in rows if r.get("bench") == "peak"), None)
    peak_flops = peak["tflops"] * 1e12 if peak else None
    for r in rows:
        if r.get("bench") != "train_lora":
            continue
        cfg = os.path.join(args.configs, f"config-{r['shape']}.json")
        if not os.path.exists(cfg):
            continue
        c = json.load(open(cfg))
        r["model_flops_per_token"] = flops_per_train_token(c, r["seq"], r["lora_r"])
        if peak_flops:
            r["mfu"] = r["tokens_per_s"] * r["model_flops_per_token"] / peak_flops
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"peak": peak, "measurements": rows}, f, indent=2)

    def find(bench, engine, shape, batch=None):
        for r in rows:
            if r.get("bench") == bench and r.get("engine") == engine and r.get("shape") == shape and (
                    batch is None or r.get("batch") == batch):
                return r
        return None

    fmt = lambda v, spec=",.0f": "not run" if v is None else format(v, spec)  # noqa: E731
    for r in rows:  # device_bench reports -1 where there is no GPU memory to read (the CPU)
        if r.get("memory_gib") is not None and r["memory_gib"] < 0:
            r["memory_gib"] = None
    ratio = lambda a, b: None if a is None or b is None or b == 0 else a / b  # noqa: E731
    shapes = sorted({r["shape"] for r in rows if "shape" in r and r["shape"] != "all"})
    lines = ["# tools/gpu_check results", ""]
    lines.append("bf16 torch.mm peak (8192^3, same run): " +
                 (f"{peak['tflops']:.0f} TFLOP/s on {peak['device']}" if peak else "not measured"))
    lines += ["", "| shape | measurement | this runtime | peer | ratio | target |", "|---|---|---|---|---|---|"]
    for shape in shapes:
        for batch in sorted({r["batch"] for r in rows if r.get("bench") == "sample" and r.get("shape") == shape}):
            ours, hf = find("sample", "sl", shape, batch), find("sample", "transformers", shape, batch)
            a, b = (ours or {}).get("tokens_per_s"), (hf or {}).get("tokens_per_s")
            target = f">= {TARGETS['decode_vs_hf']:.0f}x" if batch == 256 else ""
            lines.append(f"| {shape} | sampling tokens/s, batch {batch} (prompt 64, 64 new) | {fmt(a)} | "
                         f"{fmt(b)} (transformers.generate) | {fmt(ratio(a, b), '.2f')} | {target} |")
        ours, peer = find("train_lora", "sl", shape), find("train_lora", "transformers+peft", shape)
        a, b = (ours or {}).get("tokens_per_s"), (peer or {}).get("tokens_per_s")
        if ours or peer:
            size = f"{(ours or peer)['batch']} x {(ours or peer)['seq']}"
            lines.append(f"| {shape} | LoRA r 8 training tokens/s, {size} | {fmt(a)} | {fmt(b)} (transformers+peft) | "
                         f"{fmt(ratio(a, b), '.2f')} | >= {TARGETS['train_vs_peft']}x |")
            ma = (ours or {}).get("mfu")
            mb = None
            if peer and peak_flops and "model_flops_per_token" in (ours or {}):
                mb = peer["tokens_per_s"] * ours["model_flops_per_token"] / peak_flops
            lines.append(f"| {shape} | LoRA training MFU | {fmt(ma, '.1%')} | {fmt(mb, '.1%')} | | "
                         f">= {TARGETS['train_mfu']:.0%} |")
        for label, bench in (("sampling, batch 256", "sample"), ("LoRA training", "train_lora")):
            o = find(bench, "sl", shape, 256 if bench == "sample" else None)
            p = find(bench, "transformers" if bench == "sample" else "transformers+peft", shape,
                     256 if bench == "sample" else None)
            if o or p:
                lines.append(f"| {shape} | GPU memory GiB, {label} | {fmt((o or {}).get('memory_gib'), '.1f')} | "
                             f"{fmt((p or {}).get('memory_gib'), '.1f')} | | |")
    lines += ["", "GPU memory: this runtime, memory in use on the device after the run (the driver's count: "
              "libtorch's cached blocks included); transformers, torch.cuda.max_memory_reserved()."]
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def losses(args):
    def read(path):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                if r.get("bench") == "loss_curve":
                    return r["losses"]
        sys.exit(f"report.py: {path}: no loss curve")

    ref, dev = read(args.reference), read(args.device)
    ok = len(ref) == len(dev) and len(ref) > 0
    worst = max((abs(a - b) / max(abs(a), 1e-12) for a, b in zip(ref, dev)), default=float("inf"))
    ok = ok and worst <= 1e-3
    print("reference:", " ".join(f"{v:.6f}" for v in ref))
    print("device:   ", " ".join(f"{v:.6f}" for v in dev))
    print(f"{'ok  ' if ok else 'FAIL'} float32 loss curves: {len(ref)} steps, max relative difference {worst:.2e} "
          "<= 1e-3")
    if args.bf16:
        bf = read(args.bf16)
        worst_bf = max(abs(a - b) / max(abs(a), 1e-12) for a, b in zip(ref, bf))
        print("bfloat16: ", " ".join(f"{v:.6f}" for v in bf))
        print(f"info bfloat16 loss curve: max relative difference to float32 {worst_bf:.2e} (not judged)")
    sys.exit(0 if ok else 1)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  tools/gpu/report.py table /tmp/results.jsonl --configs /tmp/work --out gpu-check-out\n"
               "  tools/gpu/report.py losses loss-cpu.jsonl loss-cuda.jsonl loss-cuda-bf16.jsonl")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("results")
    t.add_argument("--configs", required=True)
    t.add_argument("--out", required=True)
    lo = sub.add_parser("losses")
    lo.add_argument("reference")
    lo.add_argument("device")
    lo.add_argument("bf16", nargs="?")
    args = ap.parse_args()
    (table if args.cmd == "table" else losses)(args)


if __name__ == "__main__":
    main()
