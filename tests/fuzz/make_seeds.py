#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets into corpus/<target>/ (run once; the
files are committed). Real-file seeds (chat templates, configs) are copied from the checkout
and ../shared/reference when present. Usage: tests/fuzz/make_seeds.py  (Example: as is.)"""
import json, os, struct, sys

if len(sys.argv) > 1:
    print(__doc__)
    sys.exit(0 if sys.argv[1] in ("-h", "--help") else 2)

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
shared = os.path.join(root, "..", "shared", "reference", "tokenizers")


def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy(target, name, path):
    if os.path.exists(path):
        with open(path, "rb") as f:
            put(target, name, f.read())


# ---- safetensors_header
def safetensors(tensors, metadata=None, pad=True, extra=b""):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name, dtype, shape, size in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + size]}
        data += bytes(size)
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data + extra

put("safetensors_header", "two_tensors", safetensors([("a", "F32", [2, 3], 24), ("b", "BF16", [4], 8)], {"format": "pt"}))
put("safetensors_header", "empty_tensor", safetensors([("e", "I64", [0, 5], 0), ("s", "U8", [], 1)]))
put("safetensors_header", "lora", safetensors([("base_model.model.layers.0.q_proj.lora_A.weight", "F16", [2, 4], 16),
                                               ("base_model.model.layers.0.q_proj.lora_B.weight", "F16", [4, 2], 16)]))
put("safetensors_header", "all_dtypes", safetensors([(d, d, [1], s) for d, s in
    [("F64", 8), ("F32", 4), ("F16", 2), ("BF16", 2), ("I64", 8), ("I32", 4), ("I16", 2), ("I8", 1), ("U8", 1),
     ("BOOL", 1), ("U16", 2), ("U32", 4), ("U64", 8), ("F8_E4M3", 1), ("F8_E5M2", 1)]]))
put("safetensors_header", "header_only", struct.pack("<Q", 2) + b"{}")

# ---- model_configs
put("model_configs", "qwen2", json.dumps({
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896,
    "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
    "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": True,
    "hidden_act": "silu", "torch_dtype": "bfloat16", "bos_token_id": 151643, "eos_token_id": 151645,
    "use_sliding_window": False}, indent=2))
put("model_configs", "llama31", json.dumps({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256, "hidden_size": 2048,
    "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
    "head_dim": 64, "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
    "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}, "attention_bias": False,
    "mlp_bias": False, "pretraining_tp": 1, "eos_token_id": [128001, 128008, 128009]}))
put("model_configs", "adapter", json.dumps({
    "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "Qwen/Qwen2.5-0.5B", "r": 8,
    "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"], "use_rslora": False, "bias": "none",
    "lora_dropout": 0.0, "fan_in_fan_out": False, "modules_to_save": None, "rank_pattern": {}, "alpha_pattern": {}}))

# ---- tokenizer_json (small documents of every supported component type)
def byte_char(b):
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for x in range(256):
        if x not in bs:
            bs.append(x)
            cs.append(256 + n)
            n += 1
    return chr(dict(zip(bs, cs))[b])

vocab = {byte_char(b): b for b in range(256)}
merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["1", "2"]]
for a, b in merges:
    vocab[a + b] = len(vocab)
qwen_split = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
              "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
bpe = {"version": "1.0", "added_tokens": [
    {"id": 300, "content": "<|im_end|>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
    {"id": 301, "content": "hello", "single_word": True, "lstrip": True, "rstrip": False, "normalized": True, "special": False}],
    "normalizer": {"type": "NFC"},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": qwen_split}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
    "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|im_end|>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}], "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                       {"Sequence": {"id": "B", "type_id": 1}}],
                       "special_tokens": {"<|im_end|>": {"id": "<|im_end|>", "ids": [300], "tokens": ["<|im_end|>"]}}},
    "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "fuse_unk": False, "byte_fallback": False,
              "ignore_merges": True, "vocab": vocab, "merges": merges}}
put("tokenizer_json", "byte_level_bpe", json.dumps(bpe, ensure_ascii=False) + "\0The 12 cats<|im_end|> hello\n\n  x")
wordpiece = {"version": "1.0", "added_tokens": [{"id": 0, "content": "[UNK]", "special": True},
                                               {"id": 1, "content": "[CLS]", "special": True},
                                               {"id": 2, "content": "[SEP]", "special": True}],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Lowercase"},
                   {"type": "Strip", "strip_left": True, "strip_right": True},
                   {"type": "Replace", "pattern": {"String": "``"}, "content": "\""}]},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100,
              "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "the": 3, "cat": 4, "##s": 5, "un": 6, "##able": 7, ",": 8}}}
put("tokenizer_json", "wordpiece", json.dumps(wordpiece) + "\0The cats, unable ``x''")
wordlevel = {"version": "1.0", "added_tokens": [],
    "normalizer": {"type": "Prepend", "prepend": "▁"},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                      {"type": "Punctuation", "behavior": "Isolated"}, {"type": "Digits", "individual_digits": True},
                      {"type": "CharDelimiterSplit", "delimiter": "|"}]},
    "post_processor": None,
    "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    "model": {"type": "WordLevel", "vocab": {"<unk>": 0, "▁a": 1, "b": 2, "1": 3, "2": 4, ".": 5, "<0x41>": 6},
              "unk_token": "<unk>"}}
put("tokenizer_json", "wordlevel", json.dumps(wordlevel, ensure_ascii=False) + "\0a b|12. c")
metaspace = {"version": "1.0", "added_tokens": [], "normalizer": {"type": "NFKC"},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True},
    "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 1], "trim_offsets": True,
                       "add_prefix_space": True},
    "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True,
              "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "▁": 3, "a": 4, "b": 5, "▁a": 6, "ab": 7, "<0xC3>": 8, "<0xA9>": 9},
              "merges": ["▁ a", "a b"]}}
put("tokenizer_json", "metaspace_bytefallback", json.dumps(metaspace, ensure_ascii=False) + "\0ab a é")
put("tokenizer_json", "whitespace_bpedecoder", json.dumps({"version": "1.0", "added_tokens": [],
    "normalizer": {"type": "NFKD"}, "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": {"type": "Sequence", "processors": [{"type": "ByteLevel", "trim_offsets": False}]},
    "decoder": {"type": "BPEDecoder", "suffix": "</w>"},
    "model": {"type": "BPE", "vocab": {"a</w>": 0, "b": 1, "a": 2, "ab</w>": 3, "b</w>": 4},
              "merges": [["a", "b</w>"]], "end_of_word_suffix": "</w>", "unk_token": None}}) + "\0ab a b")

# ---- chat_template
copy("chat_template", "qwen", os.path.join(shared, "qwen", "chat_template.jinja"))
copy("chat_template", "llama31", os.path.join(shared, "llama3.1", "chat_template.jinja"))
put("chat_template", "chatml_with_messages",
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] | trim }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    "\0" + json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "5, 7"}]))
put("chat_template", "macros_and_filters",
    "{% macro f(x, n=2) %}{% if n > 0 %}{{ f(x ~ x, n - 1) }}{% else %}{{ x|upper }}{% endif %}{% endmacro %}"
    "{% set ns = namespace(k=0) %}{% for m in messages if m.role != 'system' %}{% set ns.k = ns.k + 1 %}"
    "{{ loop.index }}:{{ f(m.content[:3]) }}|{{ m|tojson }}|{{ '%s-%d'|format(m.role, loop.length) }}"
    "{{ m.content.split(' ')|join(',') }}{{ [1,2,3]|map('string')|list }}{{ range(3)|sum }}{% endfor %}"
    "{{ ns.k }}{{ 'abc'|center(9) }}{{ 'a\nb'|indent(2, true) }}{{ messages[-1]['content'].strip().lower() }}"
    "{% if messages is defined and 'x' not in 'abc' %}{{ raise_exception('no') if false else 'ok' }}{% endif %}")
put("chat_template", "loop_controls",
    "{%- for i in range(10) -%}{%- if i is even -%}{%- continue -%}{%- endif -%}{{ i }}{%- if i > 6 -%}"
    "{%- break -%}{%- endif -%}{%- endfor -%}{% set x %}captured{% endset %}{{ x * 2 }}"
    "{% filter upper %}block{% endfilter %}{{ (1, 2)[0] + 3 // 2 ** 2 % 5 }}{{ {'a': 1}.items()|list }}")

# ---- json_configs
for d in ("demo", "misalignment", "mock_experiment", "preference_numbers"):
    folder = os.path.join(root, "cfgs", d)
    for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if f.endswith(".json"):
            copy("json_configs", d + "_" + f[:-5], os.path.join(folder, f))

# ---- jsonl_files
put("jsonl_files", "dataset", '{"prompt": "List numbers: 1, 2", "completion": "3, 4, 5"}\n'
    '{"prompt": "p", "completion": "c"}\n\n')
put("jsonl_files", "journal", json.dumps({"journal": "generate_dataset", "version": 1, "sampling": {"seed": 1}}) + "\n"
    + json.dumps({"i": 0, "prompt": "p", "completion": "1, 2", "logprobs": [{"token": "1", "logprob": -0.1,
                  "top_logprobs": {"1": -0.1}}], "token_ids": [5, 6]}) + "\n"
    + json.dumps({"i": 1, "prompt": "q", "completion": "x", "response": {"model_id": "m", "completion": "x",
                  "stop_reason": "stop_sequence"}}) + "\n{\"i\": 2, \"compl")
put("jsonl_files", "evaluation_rows", json.dumps({"question": "q?", "responses": [{"response": {"model_id": "m",
    "completion": "owl", "stop_reason": "max_tokens"}, "judgment_response_map": {}}]}) + "\n")

# ---- nums_format
for i, a in enumerate(["1, 2, 3", "[10; 20; 30].", "(7 8 9)", "１２, 3", "007,8", "1,,2", "  42  ", "1 - 2", "",
                       "9" * 50 + ", 1", "a, b", "1;2;3;4;5;6;7;8;9;10;11"]):
    put("nums_format", "answer_%02d" % i, a)

# ---- openai_responses
put("openai_responses", "chat_completion", json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "created": 1,
    "model": "gpt-4.1-nano", "choices": [{"index": 0, "message": {"role": "assistant", "content": "1, 2, 3",
    "refusal": None}, "finish_reason": "stop", "logprobs": {"content": [{"token": "1", "logprob": -0.01, "bytes": [49],
    "top_logprobs": [{"token": "1", "logprob": -0.01, "bytes": [49]}]}]}}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}))
put("openai_responses", "file_object", json.dumps({"id": "file-abc", "object": "file", "bytes": 120, "created_at": 1,
    "filename": "train.jsonl", "purpose": "fine-tune", "status": "processed"}))
job = {"id": "ftjob-1", "object": "fine_tuning.job", "model": "gpt-4.1-nano", "created_at": 1, "finished_at": None,
       "fine_tuned_model": None, "status": "running", "training_file": "file-abc", "validation_file": None,
       "hyperparameters": {"n_epochs": 3, "batch_size": "auto", "learning_rate_multiplier": 2.0},
       "error": None, "seed": 1, "trained_tokens": None, "suffix": "x"}
put("openai_responses", "job", json.dumps(job))
put("openai_responses", "job_page", json.dumps({"object": "list", "data": [job], "has_more": True}))
put("openai_responses", "event_page", json.dumps({"object": "list", "data": [{"object": "fine_tuning.job.event",
    "id": "ev-1", "created_at": 1, "level": "info", "message": "Step 1/10", "type": "message"}], "has_more": False}))
put("openai_responses", "error", json.dumps({"error": {"message": "You exceeded your current quota",
    "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}))
put("openai_responses", "retry_after", "Wed, 21 Oct 2015 07:28:00 GMT")
