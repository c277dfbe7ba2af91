#!/usr/bin/env python3
"""Writes a random-weight checkpoint in Hugging Face layout (config.json, model.safetensors or
shards with model.safetensors.index.json) with the shapes of a Qwen2.5 model, for benchmarks:
nothing is downloaded. Weights N(0, 0.02) in bfloat16, norms 1, q/k/v biases 0.

With PyTorch the tensors are drawn on the GPU when there is one (the 7B shape takes seconds);
without it, in pure Python, which only the small presets allow (tools/gpu_check --dry-run).
"""
import argparse
import json
import os
import random
import struct
import sys

PRESETS = {
    # Qwen2.5-0.5B and -7B (their config.json), and a small shape for CPU dry runs.
    "qwen2.5-0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                         num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True),
    "qwen2.5-7b": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                       num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False),
    "small": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, vocab_size=512, tie_word_embeddings=True),
}
SHARD_BYTES = 4 << 30


def config_of(preset):
    c = dict(PRESETS[preset])
    c.update(architectures=["Qwen2ForCausalLM"], model_type="qwen2", hidden_act="silu", max_position_embeddings=32768,
             rope_theta=1000000.0, rms_norm_eps=1e-6, torch_dtype="bfloat16", use_sliding_window=False,
             sliding_window=None, max_window_layers=c["num_hidden_layers"], attention_dropout=0.0,
             initializer_range=0.02, use_cache=True, bos_token_id=151643, eos_token_id=151643)
    return c


def tensor_shapes(c):
    """(name, shape, kind) in checkpoint order; kind: normal, ones or zeros."""
    h, inter, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    d = h // c["num_attention_heads"]
    kv = c["num_key_value_heads"] * d
    out = [("model.embed_tokens.weight", (v, h), "normal")]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "input_layernorm.weight", (h,), "ones"),
                (p + "self_attn.q_proj.weight", (h, h), "normal"), (p + "self_attn.q_proj.bias", (h,), "zeros"),
                (p + "self_attn.k_proj.weight", (kv, h), "normal"), (p + "self_attn.k_proj.bias", (kv,), "zeros"),
                (p + "self_attn.v_proj.weight", (kv, h), "normal"), (p + "self_attn.v_proj.bias", (kv,), "zeros"),
                (p + "self_attn.o_proj.weight", (h, h), "normal"),
                (p + "post_attention_layernorm.weight", (h,), "ones"),
                (p + "mlp.gate_proj.weight", (inter, h), "normal"), (p + "mlp.up_proj.weight", (inter, h), "normal"),
                (p + "mlp.down_proj.weight", (h, inter), "normal")]
    out.append(("model.norm.weight", (h,), "ones"))
    if not c["tie_word_embeddings"]:
        out.append(("lm_head.weight", (v, h), "normal"))
    return out


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def make_bytes_torch(torch, device, gen, shape, kind):
    if kind == "ones":
        t = torch.ones(shape, dtype=torch.bfloat16, device=device)
    elif kind == "zeros":
        t = torch.zeros(shape, dtype=torch.bfloat16, device=device)
    else:
        t = torch.empty(shape, dtype=torch.bfloat16, device=device).normal_(0.0, 0.02, generator=gen)
    return t.view(torch.int16).cpu().numpy().tobytes()


def bf16_bits(x):
    """Round-to-nearest-even float32 -> bfloat16 bits."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    return (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16


def make_bytes_python(rng, shape, kind):
    n = numel(shape)
    if kind == "ones":
        return struct.pack("<H", bf16_bits(1.0)) * n
    if kind == "zeros":
        return b"\0\0" * n
    return struct.pack(f"<{n}H", *(bf16_bits(rng.gauss(0.0, 0.02)) for _ in range(n)))


def write_shard(path, entries):
    """entries: [(name, shape, bytes)]: a safetensors file."""
    header, offset = {}, 0
    for name, shape, data in entries:
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, data in entries:
            f.write(data)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  tools/gpu/make_checkpoint.py --preset qwen2.5-7b --out /tmp/qwen2.5-7b-shape")
    ap.add_argument("--preset", choices=sorted(PRESETS), required=True, help="model shape")
    ap.add_argument("--out", required=True, help="folder to write (created)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    c = config_of(args.preset)
    shapes = tensor_shapes(c)
    total = sum(numel(s) for _, s, _ in shapes)
    try:
        import torch  # noqa: PLC0415 (optional)
    except ImportError:
        torch = None
    if torch is None and total > 50_000_000:
        sys.exit(f"make_checkpoint.py: {args.preset} has {total / 1e9:.1f}B parameters; without PyTorch only "
                 "small presets can be written")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    if torch is not None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        gen = torch.Generator(device=device).manual_seed(args.seed)
        make = lambda shape, kind: make_bytes_torch(torch, device, gen, shape, kind)  # noqa: E731
    else:
        rng = random.Random(args.seed)
        make = lambda shape, kind: make_bytes_python(rng, shape, kind)  # noqa: E731

    # Shards of at most SHARD_BYTES, written as they fill (a 7B checkpoint is 15 GB).
    written, current, size = [], [], 0

    def flush():
        name = f"part-{len(written) + 1:05d}.safetensors"
        write_shard(os.path.join(args.out, name), current)
        written.append((name, [e[0] for e in current]))

    for name, shape, kind in shapes:
        data = make(shape, kind)
        if current and size + len(data) > SHARD_BYTES:
            flush()
            current, size = [], 0
        current.append((name, shape, data))
        size += len(data)
    flush()
    if len(written) == 1:
        os.replace(os.path.join(args.out, written[0][0]), os.path.join(args.out, "model.safetensors"))
    else:
        index = {"metadata": {}, "weight_map": {}}
        for i, (part, tensors) in enumerate(written):
            final_name = f"model-{i + 1:05d}-of-{len(written):05d}.safetensors"
            os.replace(os.path.join(args.out, part), os.path.join(args.out, final_name))
            for t in tensors:
                index["weight_map"][t] = final_name
        with open(os.path.join(args.out, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f, indent=2)
    print(f"wrote {args.out}: {args.preset}, {total / 1e6:.1f}M parameters in {len(written)} file(s)")


if __name__ == "__main__":
    main()
