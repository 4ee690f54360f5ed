#!/usr/bin/python3
"""Writes backbone_goldens.json, the per-architecture goldens that BackboneGoldensTest checks.

For each architecture family a user brings today (Llama 3.x with rope_scaling llama3, Llama with
linear and dynamic rope scaling and attention/MLP biases, Qwen2, Mistral) it builds a small
random-init model with the family's real head layout and rotary settings, runs the forward pass
Hugging Face transformers defines for it (written out here from its definitions in plain PyTorch:
transformers is not installed on these machines), and records:

  * the logits at every position of two prompts (each run alone, as transformers would);
  * greedy decoding of 40 tokens after the first prompt, with a KV cache as `generate` uses one,
    and the smallest gap between the best and second-best logit along the way (a golden whose
    gap fell below the test's tolerance could not tell a right engine from a wrong one).

The weights are not stored: both this script and the Java test derive every element from its
tensor's name by the same integer hash (splitmix64), so the test writes the same safetensors file
and this file stays small. Run from the repository root with Debian's python3-torch:

    /usr/bin/python3 pipeline/src/test/resources/backbones/generate_goldens.py
"""
import json
import math
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15

# ---------------------------------------------------------------- weights (HashedWeights.java mirrors this)


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & MASK64
    return h


def unit_values(seed, name, count):
    """count values r in [-1, 1), r = (u - 2^23) / 2^23 for the top 24 bits u of splitmix64."""
    with np.errstate(over="ignore"):
        state = np.uint64((fnv1a64(name) ^ seed) & MASK64)
        i = np.arange(1, count + 1, dtype=np.uint64)
        z = state + i * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64)
    return (u - 2.0 ** 23) / 2.0 ** 23


def tensor(seed, name, shape):
    """One weight: norms 1 + r/4, biases r/2, embeddings and head r, projections r * sqrt(3 / in),
    except o_proj and down_proj at 4 r * sqrt(3 / in): their outputs then outweigh the token's own
    embedding in the residual stream, so a tied head does not just repeat the last token."""
    r = unit_values(seed, name, int(np.prod(shape)))
    if name.endswith("norm.weight"):
        v = 1.0 + 0.25 * r
    elif name.endswith(".bias"):
        v = 0.5 * r
    elif name in ("model.embed_tokens.weight", "lm_head.weight"):
        v = r
    elif name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
        v = r * (4.0 * math.sqrt(3.0 / shape[1]))
    else:
        v = r * math.sqrt(3.0 / shape[1])
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def weights(cfg, seed):
    d = cfg["hidden_size"]
    ff = cfg["intermediate_size"]
    h = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", h)
    hd = cfg.get("head_dim", d // h)
    typ = cfg["model_type"]
    qkv_bias = typ == "qwen2" or cfg.get("attention_bias", False)
    o_bias = typ == "llama" and cfg.get("attention_bias", False)
    mlp_bias = typ == "llama" and cfg.get("mlp_bias", False)
    w = {"model.embed_tokens.weight": tensor(seed, "model.embed_tokens.weight", (cfg["vocab_size"], d))}
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        w[p + "input_layernorm.weight"] = tensor(seed, p + "input_layernorm.weight", (d,))
        w[p + "post_attention_layernorm.weight"] = tensor(seed, p + "post_attention_layernorm.weight", (d,))
        for proj, out, inp, bias in (("self_attn.q_proj", h * hd, d, qkv_bias), ("self_attn.k_proj", kv * hd, d, qkv_bias),
                                     ("self_attn.v_proj", kv * hd, d, qkv_bias), ("self_attn.o_proj", d, h * hd, o_bias),
                                     ("mlp.gate_proj", ff, d, mlp_bias), ("mlp.up_proj", ff, d, mlp_bias),
                                     ("mlp.down_proj", d, ff, mlp_bias)):
            w[p + proj + ".weight"] = tensor(seed, p + proj + ".weight", (out, inp))
            if bias:
                w[p + proj + ".bias"] = tensor(seed, p + proj + ".bias", (out,))
    w["model.norm.weight"] = tensor(seed, "model.norm.weight", (d,))
    if not cfg.get("tie_word_embeddings", False):
        w["lm_head.weight"] = tensor(seed, "lm_head.weight", (cfg["vocab_size"], d))
    return w


# ---------------------------------------------------------------- rotary (transformers modeling_rope_utils)


def inv_freq(cfg, seq_len):
    """Inverse frequencies for a call whose largest position is seq_len - 1."""
    d = cfg.get("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    base = cfg.get("rope_theta", 10000.0)
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    max_pos = cfg["max_position_embeddings"]
    if kind == "dynamic" and seq_len > max_pos:
        # _compute_dynamic_ntk_parameters: seq_len arrives as a tensor (max(position_ids) + 1).
        factor = rs["factor"]
        seq = torch.tensor(seq_len)
        base = base * ((factor * seq / max_pos) - (factor - 1)) ** (d / (d - 2))
    inv = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    if kind == "linear":
        inv = inv / rs["factor"]
    elif kind == "llama3":
        factor = rs["factor"]
        low = rs["low_freq_factor"]
        high = rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wavelen = old / low
        high_wavelen = old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def cos_sin(cfg, positions):
    inv = inv_freq(cfg, int(positions.max()) + 1)
    freqs = (inv[None, :, None].float() @ positions[None, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos()[0], emb.sin()[0]


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


# ---------------------------------------------------------------- forward (LlamaModel / Qwen2Model / MistralModel)


def rms_norm(x, weight, eps):
    x32 = x.to(torch.float32)
    variance = x32.pow(2).mean(-1, keepdim=True)
    return weight * (x32 * torch.rsqrt(variance + eps))


def linear(w, x, name):
    return torch.nn.functional.linear(x, w[name + ".weight"], w.get(name + ".bias"))


def forward(cfg, w, ids, cache):
    """Logits [t, vocab] of ids continuing the cached sequence; cache: per layer [k, v] or None."""
    d = cfg["hidden_size"]
    h = cfg["num_attention_heads"]
    kvh = cfg.get("num_key_value_heads", h)
    hd = cfg.get("head_dim", d // h)
    eps = cfg.get("rms_norm_eps", 1e-6)
    past = 0 if cache[0] is None else cache[0][0].shape[1]
    t = len(ids)
    positions = torch.arange(past, past + t)
    cos, sin = cos_sin(cfg, positions)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        xn = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(w, xn, p + "self_attn.q_proj").view(t, h, hd).transpose(0, 1)
        k = linear(w, xn, p + "self_attn.k_proj").view(t, kvh, hd).transpose(0, 1)
        v = linear(w, xn, p + "self_attn.v_proj").view(t, kvh, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache[layer] is not None:
            k = torch.cat((cache[layer][0], k), dim=1)
            v = torch.cat((cache[layer][1], v), dim=1)
        cache[layer] = [k, v]
        groups = h // kvh
        kr = k[:, None].expand(kvh, groups, k.shape[1], hd).reshape(h, k.shape[1], hd)
        vr = v[:, None].expand(kvh, groups, v.shape[1], hd).reshape(h, v.shape[1], hd)
        scores = torch.matmul(q, kr.transpose(1, 2)) * hd ** -0.5
        s = past + t
        allowed = torch.arange(s)[None, :] <= (past + torch.arange(t))[:, None]
        window = sliding_window(cfg)
        if window:
            allowed &= (past + torch.arange(t))[:, None] - torch.arange(s)[None, :] < window
        scores = scores.masked_fill(~allowed, torch.finfo(torch.float32).min)
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
        att = torch.matmul(probs, vr).transpose(0, 1).reshape(t, h * hd)
        x = x + linear(w, att, p + "self_attn.o_proj")
        xn = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = linear(w, xn, p + "mlp.gate_proj")
        x = x + linear(w, torch.nn.functional.silu(gate) * linear(w, xn, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T


def sliding_window(cfg):
    if cfg["model_type"] == "mistral":
        return cfg.get("sliding_window", 4096)
    if cfg["model_type"] == "qwen2" and cfg.get("use_sliding_window", False):
        return cfg.get("sliding_window", 4096)
    return None


def greedy(cfg, w, prompt, new_tokens):
    cache = [None] * cfg["num_hidden_layers"]
    logits = forward(cfg, w, prompt, cache)[-1]
    out = []
    margin = float("inf")
    for _ in range(new_tokens):
        top = torch.topk(logits, 2).values
        margin = min(margin, float(top[0] - top[1]))
        token = int(torch.argmax(logits))
        out.append(token)
        logits = forward(cfg, w, [token], cache)[-1]
    return out, margin


# ---------------------------------------------------------------- the cases


def base(model_type, **extra):
    cfg = {"model_type": model_type, "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 3,
           "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu", "rms_norm_eps": 1e-5,
           "rope_theta": 10000.0, "vocab_size": 96, "max_position_embeddings": 256, "tie_word_embeddings": False,
           "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
    cfg.update(extra)
    return cfg


CASES = [
    # Llama 3.2-style: rope_scaling llama3 (its original context small enough that this head size
    # has high, medium and low frequencies), theta 500,000, GQA, tied head, a list of EOS ids.
    ("llama3", 101, base("llama", architectures=["LlamaForCausalLM"], rope_theta=500000.0, tie_word_embeddings=True,
                         eos_token_id=[2, 3], rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                            "high_freq_factor": 4.0,
                                                            "original_max_position_embeddings": 64})),
    # Llama with linear scaling under the legacy key 'type', multi-head, biases on attention and MLP.
    ("llama-linear-bias", 102, base("llama", architectures=["LlamaForCausalLM"], num_key_value_heads=4,
                                    max_position_embeddings=128, attention_bias=True, mlp_bias=True,
                                    rope_scaling={"type": "linear", "factor": 2.0})),
    # Llama with dynamic NTK scaling and a 32-position trained context: the second prompt and the
    # greedy run go past it, so the base grows with the sequence length.
    ("llama-dynamic", 103, base("llama", architectures=["LlamaForCausalLM"], num_key_value_heads=1,
                                max_position_embeddings=32, rope_scaling={"rope_type": "dynamic", "factor": 4.0})),
    # Qwen2.5-style: q/k/v biases, theta 1e6, eps 1e-6, tied head, sliding window configured but off.
    ("qwen2", 104, base("qwen2", architectures=["Qwen2ForCausalLM"], hidden_size=96, intermediate_size=224,
                        num_attention_heads=6, num_key_value_heads=2, rope_theta=1000000.0, rms_norm_eps=1e-6,
                        tie_word_embeddings=True, use_sliding_window=False, sliding_window=4096, max_window_layers=3)),
    # Mistral: a 4,096-token sliding window (longer than these prompts), theta 1e6, and an explicit
    # head_dim whose heads are wider than hidden / heads (as Mistral-Nemo's).
    ("mistral", 105, base("mistral", architectures=["MistralForCausalLM"], num_attention_heads=8,
                          num_key_value_heads=2, head_dim=16, rope_theta=1000000.0, sliding_window=4096)),
]

PROMPT_LENGTHS = (24, 37)
NEW_TOKENS = 40


def prompts(seed, vocab):
    g = torch.Generator().manual_seed(seed)
    out = []
    for n in PROMPT_LENGTHS:
        ids = torch.randint(3, vocab, (n - 1,), generator=g).tolist()
        out.append([1] + ids)
    return out


def main():
    cases = []
    for name, seed, cfg in CASES:
        w = weights(cfg, seed)
        ps = prompts(seed, cfg["vocab_size"])
        logits = []
        for p in ps:
            with torch.no_grad():
                logits.append([[round(float(v), 6) for v in row] for row in forward(cfg, w, p, [None] * cfg["num_hidden_layers"])])
        with torch.no_grad():
            tokens, margin = greedy(cfg, w, ps[0], NEW_TOKENS)
        peak = max(abs(v) for rows in logits for row in rows for v in row)
        print("%-18s params %7d  |logit| max %6.2f  greedy margin %.4f  %s" % (
            name, sum(t.numel() for t in w.values()), peak, margin, tokens[:12]))
        cases.append({"name": name, "weight_seed": seed, "config": cfg, "prompts": ps, "logits": logits,
                      "greedy": {"prompt": 0, "new_tokens": tokens, "min_margin": round(margin, 6)}})
    out = {"generator": "pipeline/src/test/resources/backbones/generate_goldens.py",
           "torch": torch.__version__, "tolerance_note": "logits rounded to 6 decimals", "cases": cases}
    with open(os.path.join(HERE, "backbone_goldens.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
