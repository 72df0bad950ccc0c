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
and prints one table of ratios llmedit / transformers. Before timing, it checks that both compute the
same thing: llmedit's and transformers' logits on one [2, 64] batch, in float32 and in bfloat16.

The model is made with whatever transformers is installed, but its config.json is the Llama-3.2-1B
one written here (rope_theta and rope_scaling, as on the Hub), which every transformers version reads.

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


def write_config(folder):
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(LLAMA_3_2_1B, f, indent=2)


def make_model(folder):
    import torch
    from transformers import AutoConfig, LlamaForCausalLM

    if os.path.exists(os.path.join(folder, "model.safetensors")) or os.path.exists(
            os.path.join(folder, "model.safetensors.index.json")):
        return
    os.makedirs(folder, exist_ok=True)
    write_config(folder)
    config = AutoConfig.from_pretrained(folder)
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(folder, safe_serialization=True)
    del model
    torch.cuda.empty_cache()
    write_config(folder)  # transformers 5 rewrites it in its own layout (rope_parameters)


def dtype_argument(torch_dtype):
    import transformers

    # transformers 5 renamed from_pretrained's torch_dtype to dtype.
    major = int(transformers.__version__.split(".")[0])
    return {"dtype": torch_dtype} if major >= 5 else {"torch_dtype": torch_dtype}


def check_logits(bench, folder, work):
    """max |llmedit - transformers| over the logits of one [2, 64] batch, float32 and bfloat16."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM

    lines = []
    for name, torch_dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
        out = os.path.join(work, f"logits-{name}")
        subprocess.run([bench, "--model", folder, "--mode", "logits", "--batch", "2", "--seq", "64", "--dtype", name,
                        "--device", "cuda", "--out", out], check=True, capture_output=True, text=True)
        ids = torch.from_numpy(np.fromfile(out + ".ids", dtype=np.int64).reshape(2, 64))
        ours = torch.from_numpy(np.fromfile(out + ".logits", dtype=np.float32).reshape(2, 64, -1))
        model = AutoModelForCausalLM.from_pretrained(folder, **dtype_argument(torch_dtype)).to("cuda").eval()
        with torch.no_grad():
            theirs = model(input_ids=ids.to("cuda")).logits.float().cpu()
        del model
        torch.cuda.empty_cache()
        diff = (ours - theirs).abs().max().item()
        scale = theirs.abs().max().item()
        agree = (ours.argmax(-1) == theirs.argmax(-1)).float().mean().item()
        lines.append(f"logits {name}: max |llmedit - transformers| {diff:.3g} (max |logit| {scale:.3g}), "
                     f"argmax agreement {agree:.3f}")
    return lines


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
    model = AutoModelForCausalLM.from_pretrained(folder, **dtype_argument(torch.bfloat16)).to(device).eval()
    vocab = model.config.vocab_size
    gen = torch.Generator(device="cpu").manual_seed(0)
    out = {}
    with torch.no_grad():
        for batch, seq in PREFILL + [(b, s) for b, s in DECODE]:
            ids = torch.randint(3, vocab, (batch, seq), generator=gen).to(device)
            t = best_seconds(lambda: model(input_ids=ids, use_cache=True), sync, repeats)
            out[("prefill", batch, seq)] = t
            print(f"transformers prefill {batch} x {seq}: {t:.4f} s", flush=True)
        for batch, seq in DECODE:
            ids = torch.randint(3, vocab, (batch, seq), generator=gen).to(device)
            mask = torch.ones_like(ids)

            def run():
                model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW_TOKENS,
                               min_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=0)

            out[("generate", batch, seq)] = best_seconds(run, sync, repeats)
            print(f"transformers generate {batch} x {seq}: {out[('generate', batch, seq)]:.4f} s", flush=True)
    batch, seq = TRAIN
    model.train()
    if use_peft:
        from peft import LoraConfig, get_peft_model

        try:
            model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0,
                                                     target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
        except Exception as error:  # a PEFT that does not match this transformers: both sides fine-tune fully
            print(f"PEFT failed ({error}); measuring full fine-tuning on both sides", flush=True)
            use_peft = False
    if not use_peft:
        model.requires_grad_(True)
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
    return out, use_peft


def llmedit_measurement(bench, folder, mode, batch, seq, repeats, full):
    command = [bench, "--model", folder, "--mode", mode, "--batch", str(batch), "--seq", str(seq),
               "--new-tokens", str(NEW_TOKENS), "--dtype", "bfloat16", "--device", "cuda", "--repeats", str(repeats)]
    if full:
        command.append("--full")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:  # report it and go on: the other rows still mean something
        print(f"llmedit {mode} {batch} x {seq} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}", flush=True)
        return float("nan")
    seconds = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
    print(f"llmedit {mode} {batch} x {seq}: {seconds:.4f} s", flush=True)
    return seconds


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
          f"PEFT {'installed' if use_peft else 'missing'}", flush=True)
    try:
        for line in check_logits(args.bench, folder, work):
            print(line, flush=True)
    except Exception as error:  # report it and go on to the timings
        print(f"logits check failed: {error}", flush=True)

    hf, use_peft = hf_measurements(folder, args.repeats, use_peft)
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

    print(f"\ntraining: {'LoRA r=8 (PEFT)' if use_peft else 'full fine-tuning (no PEFT)'}")
    print(f"\n| measurement ({card}, bf16) | llmedit tokens/s | transformers tokens/s | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for name, ours_rate, hf_rate, target in rows:
        ratio = ours_rate / hf_rate
        mark = "met" if ratio >= target else "missed"
        print(f"| {name} | {ours_rate:.0f} | {hf_rate:.0f} | {ratio:.2f}x | >= {target:.1f}x ({mark}) |")


if __name__ == "__main__":
    main()
