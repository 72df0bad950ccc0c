#!/usr/bin/env python3
"""llmedit against transformers on one GPU, measured in the same run (issue #11).

Creates one random-weight Llama with Llama-3.2-1B's shapes (~1.24B parameters) in Hugging Face
layout, then measures for llmedit (scripts/bench/gpu_bench.cpp, built against this PyTorch's
LibTorch by gpu_vs_hf.sh) and for transformers, both in bfloat16 on cuda:
  prefill  tokens/s  batch 1 x 2048 and batch 8 x 512 (one forward into a KV cache, all logits)
  decode   tokens/s  batch 1 and 32, 128 new tokens greedy after a 128-token prompt
                     (generate time minus the prompt's prefill time)
  training tokens/s  batch 8 x 512: LoRA r=8 on q,k,v,o_proj with PEFT if installed, else full
                     fine-tuning on both sides; AdamW, next-token cross-entropy
and prints one table of ratios llmedit / transformers.

Usage: python3 scripts/bench/gpu_vs_hf.py --bench build-gpu/bench_gpu_bench [--work DIR] [--repeats 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

LLAMA_3_2_1B = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_hidden_layers": 16,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "head_dim": 64,
    "vocab_size": 128256,
    "max_position_embeddings": 131072,
    "rms_norm_eps": 1e-5,
    "rope_theta": 500000.0,
    "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "tie_word_embeddings": True,
    "hidden_act": "silu",
    "bos_token_id": 128000,
    "eos_token_id": 128001,
    "torch_dtype": "bfloat16",
}

PREFILL = [(1, 2048), (8, 512)]
DECODE = [(1, 128), (32, 128)]  # (batch, prompt tokens)
NEW_TOKENS = 128
TRAIN = (8, 512)


def make_model(folder):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    if os.path.exists(os.path.join(folder, "config.json")):
        return
    torch.manual_seed(0)
    config = LlamaConfig(**{k: v for k, v in LLAMA_3_2_1B.items() if k not in ("architectures", "model_type")})
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(folder, safe_serialization=True)
    del model


def best_seconds(run, sync, repeats):
    run()  # warm-up
    sync()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def hf_measurements(folder, repeats, use_peft):
    import torch
    from transformers import AutoModelForCausalLM

    device = "cuda"
    sync = torch.cuda.synchronize
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.bfloat16).to(device).eval()
    vocab = model.config.vocab_size
    gen = torch.Generator(device="cpu").manual_seed(0)
    out = {}
    with torch.no_grad():
        for batch, seq in PREFILL + [(b, s) for b, s in DECODE]:
            ids = torch.randint(3, vocab, (batch, seq), generator=gen).to(device)
            t = best_seconds(lambda: model(input_ids=ids, use_cache=True), sync, repeats)
            out[("prefill", batch, seq)] = t
        for batch, seq in DECODE:
            ids = torch.randint(3, vocab, (batch, seq), generator=gen).to(device)
            mask = torch.ones_like(ids)

            def run():
                model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW_TOKENS,
                               min_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=0)

            out[("generate", batch, seq)] = best_seconds(run, sync, repeats)
    batch, seq = TRAIN
    model.train()
    if use_peft:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0,
                                                 target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
    ids = torch.randint(3, vocab, (batch, seq), generator=gen).to(device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(input_ids=ids).logits
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)).float(),
                                                 ids[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()

    out[("train", batch, seq)] = best_seconds(step, sync, repeats)
    del model, optimizer
    torch.cuda.empty_cache()
    return out


def llmedit_measurement(bench, folder, mode, batch, seq, repeats, full):
    command = [bench, "--model", folder, "--mode", mode, "--batch", str(batch), "--seq", str(seq),
               "--new-tokens", str(NEW_TOKENS), "--dtype", "bfloat16", "--device", "cuda", "--repeats", str(repeats)]
    if full:
        command.append("--full")
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", required=True, help="the built bench_gpu_bench")
    parser.add_argument("--work", default=None, help="folder for the random model (default: a temp folder)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch
    import transformers

    if not torch.cuda.is_available():
        sys.exit("gpu_vs_hf.py: no CUDA GPU visible to PyTorch")
    try:
        import peft  # noqa: F401
        use_peft = True
    except ImportError:
        use_peft = False
    work = args.work or tempfile.mkdtemp(prefix="llmedit-gpu-vs-hf-")
    folder = os.path.join(work, "llama-3.2-1b-random")
    make_model(folder)
    card = torch.cuda.get_device_name(0)
    print(f"card: {card}; torch {torch.__version__}, transformers {transformers.__version__}, "
          f"training: {'LoRA r=8 (PEFT)' if use_peft else 'full fine-tuning (no PEFT)'}", flush=True)

    hf = hf_measurements(folder, args.repeats, use_peft)
    ours = {}
    for batch, seq in PREFILL + DECODE:
        ours[("prefill", batch, seq)] = llmedit_measurement(args.bench, folder, "prefill", batch, seq, args.repeats, False)
    for batch, seq in DECODE:
        ours[("generate", batch, seq)] = llmedit_measurement(args.bench, folder, "generate", batch, seq, args.repeats, False)
    batch, seq = TRAIN
    ours[("train", batch, seq)] = llmedit_measurement(args.bench, folder, "train", batch, seq, args.repeats, not use_peft)

    rows = []
    for batch, seq in PREFILL:
        tokens = batch * seq
        rows.append((f"prefill {batch} x {seq}", tokens / ours[("prefill", batch, seq)],
                     tokens / hf[("prefill", batch, seq)], 1.0))
    for batch, seq in DECODE:
        tokens = batch * NEW_TOKENS

        def decode_rate(m):
            return tokens / max(m[("generate", batch, seq)] - m[("prefill", batch, seq)], 1e-9)

        rows.append((f"decode batch {batch}, {NEW_TOKENS} new", decode_rate(ours), decode_rate(hf), 1.5))
    batch, seq = TRAIN
    tokens = batch * seq
    rows.append((f"{'LoRA' if use_peft else 'full'} training {batch} x {seq}", tokens / ours[("train", batch, seq)],
                 tokens / hf[("train", batch, seq)], 1.0))

    print(f"\n| measurement ({card}, bf16) | llmedit tokens/s | transformers tokens/s | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for name, ours_rate, hf_rate, target in rows:
        ratio = ours_rate / hf_rate
        mark = "met" if ratio >= target else "missed"
        print(f"| {name} | {ours_rate:.0f} | {hf_rate:.0f} | {ratio:.2f}x | >= {target:.1f}x ({mark}) |")


if __name__ == "__main__":
    main()
