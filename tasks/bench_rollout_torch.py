"""PyTorch eager reference for `deno task bench rollout` (DESIGN.md: batched decode at least 2x
PyTorch eager): the same decode with transformers' Qwen3 (configs S/M, random weights, distinct
64-token prompts, 128 new tokens, temperature-1 sampling, KV cache, fp32, 2 threads), timed the
same way (decode steps only, median of 3 runs after a warm-up). One JSON line per measurement.

    python3 tasks/bench_rollout_torch.py        # needs torch and transformers >= 4.51 (Qwen3)
"""
import json, statistics, time
import torch, transformers
from transformers import Qwen3Config, Qwen3ForCausalLM

torch.set_num_threads(2)
torch.manual_seed(0)
CFG = {
    "S": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
              head_dim=64, intermediate_size=768, vocab_size=8192),
    "M": dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=4,
              head_dim=64, intermediate_size=1536, vocab_size=32768),
}
P, N, RUNS = 64, 128, 3
for name, c in CFG.items():
    cfg = Qwen3Config(**c, tie_word_embeddings=True, rope_theta=1e6, max_position_embeddings=1024)
    model = Qwen3ForCausalLM(cfg).eval()
    for B in (1, 8, 32):
        ids = torch.randint(0, c["vocab_size"], (B, P))

        def run():
            with torch.inference_mode():
                o = model(input_ids=ids, use_cache=True)
                pkv, logits = o.past_key_values, o.logits[:, -1, :]
                t0 = time.perf_counter()
                for _ in range(N - 1):
                    nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1)
                    o = model(input_ids=nxt, past_key_values=pkv, use_cache=True)
                    pkv, logits = o.past_key_values, o.logits[:, -1, :]
                return time.perf_counter() - t0

        run()
        d = statistics.median([run() for _ in range(RUNS)])
        print(json.dumps({"bench": "rollout_torch_eager", "config": name, "batch": B,
                          "tokens_per_s": round(B * (N - 1) / d, 1), "step_ms": round(d / (N - 1) * 1000, 2),
                          "torch": torch.__version__, "transformers": transformers.__version__}), flush=True)
