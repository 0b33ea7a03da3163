"""style_mix: the grlo-kit reward manager for verl (written by `deno task export-verl`).

The RM score (verl's `rm_scores`) mixed with the kit's style terms, with the same
definitions, weights and names as grlo-kit's lib/reward/style_mix.ts. For one response with
token ids `ids` (the EOS token included when one ended it), T = len(ids), text `s` and RM
score `rm`:

  no_stop       1 if the response hit the token budget without a stop token, else 0
  repetition    fraction of the T-n+1 token n-grams equal to an earlier one (0 when T < n)
  length_excess max(0, T - length_target) / length_target (0 when length_target is None)
  empty         1 if s.strip(" \\t\\n\\r\\v\\f") == "" else 0
  clean_stop    1 if it stopped by itself and is not empty, else 0

  score = rm_weight*rm - no_stop_penalty*no_stop - repetition_penalty*repetition
          - length_penalty*length_excess - empty_penalty*empty + clean_stop_bonus*clean_stop

(left to right, float64). The text rules below are plain Python with no imports, so they run
and are tested without verl; the manager class is defined only where verl is importable.
Weights come from `+reward_model.reward_kwargs.<name>=value`; each term is returned in
`reward_extra_info` under its own name and logged as `reward/<term>/mean` (see
sitecustomize.py).
"""

DEFAULT_WEIGHTS = {
    "rm_weight": 1.0,
    "no_stop_penalty": 1.0,
    "repetition_penalty": 1.0,
    "repetition_ngram": 4,
    "length_target": None,
    "length_penalty": 0.5,
    "empty_penalty": 1.0,
    "clean_stop_bonus": 0.0,
}

TERM_NAMES = ("rm", "no_stop", "repetition", "length_excess", "empty", "clean_stop")


def check_weights(raw):
    """The full weights: defaults filled, unknown names and bad values refused by name."""
    out = dict(DEFAULT_WEIGHTS)
    for key, value in dict(raw or {}).items():
        if key not in DEFAULT_WEIGHTS:
            known = ", ".join(sorted(DEFAULT_WEIGHTS))
            raise ValueError(f"reward_model.reward_kwargs.{key}: not a style_mix weight (known: {known})")
        out[key] = value
    n = out["repetition_ngram"]
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"reward_model.reward_kwargs.repetition_ngram: expected an int >= 1, got {n!r}")
    t = out["length_target"]
    if t is not None and (not isinstance(t, int) or isinstance(t, bool) or t < 1):
        raise ValueError(f"reward_model.reward_kwargs.length_target: expected None or an int >= 1, got {t!r}")
    for key in DEFAULT_WEIGHTS:
        if key in ("repetition_ngram", "length_target"):
            continue
        v = out[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
            raise ValueError(f"reward_model.reward_kwargs.{key}: expected a finite number, got {v!r}")
        out[key] = float(v)
    return out


def repetition_fraction(ids, n):
    """Fraction of the n-grams of `ids` that repeat an n-gram starting earlier."""
    grams = [tuple(ids[i:i + n]) for i in range(len(ids) - n + 1)]
    seen, rep = set(), 0
    for g in grams:
        rep += g in seen
        seen.add(g)
    return rep / len(grams) if grams else 0.0


def style_terms(response, response_ids, finish_reason, repetition_ngram=4, length_target=None):
    """The style terms of one response (everything but `rm`), unweighted."""
    T = len(response_ids)
    empty = 1 if response.strip(" \t\n\r\v\f") == "" else 0
    return {
        "no_stop": 1 if finish_reason == "length" else 0,
        "repetition": repetition_fraction(list(response_ids), repetition_ngram),
        "length_excess": 0 if length_target is None else max(0, T - length_target) / length_target,
        "empty": empty,
        "clean_stop": 1 if finish_reason == "stop" and empty == 0 else 0,
    }


def style_mix_score(rm, terms, w):
    """The mixed score, left to right in float64 (as styleMixScore in TypeScript)."""
    return (w["rm_weight"] * rm - w["no_stop_penalty"] * terms["no_stop"]
            - w["repetition_penalty"] * terms["repetition"] - w["length_penalty"] * terms["length_excess"]
            - w["empty_penalty"] * terms["empty"] + w["clean_stop_bonus"] * terms["clean_stop"])


def finish_reason_of(ids, eos_ids, max_response_length):
    """verl has no finish reason: `stop` when the last id is an EOS id or the budget was not hit."""
    if len(ids) > 0 and ids[-1] in eos_ids:
        return "stop"
    return "length" if len(ids) >= max_response_length else "stop"


def score_one(response, response_ids, finish_reason, rm, weights):
    """score and every term of one response: {"score": ..., "rm": ..., "no_stop": ..., ...}."""
    w = check_weights(weights)
    t = style_terms(response, response_ids, finish_reason, w["repetition_ngram"], w["length_target"])
    return {"score": style_mix_score(rm, t, w), "rm": rm, **t}


try:  # the verl side: only where verl (and torch) are installed
    import torch
    from verl.workers.reward_manager import register
except ImportError:  # plain Python: the text rules above are all there is
    register = None

if register is not None:

    @register("style_mix")
    class StyleMixRewardManager:
        """verl reward manager `style_mix`: RM score (`rm_scores`) + the style terms."""

        def __init__(self, tokenizer, num_examine, compute_score=None, reward_fn_key="data_source", **weights):
            self.tokenizer = tokenizer
            self.num_examine = num_examine
            self.compute_score = compute_score
            self.reward_fn_key = reward_fn_key
            self.weights = check_weights(weights)
            eos = getattr(tokenizer, "eos_token_id", None)
            self.eos_ids = set(eos if isinstance(eos, (list, tuple)) else [eos]) - {None}
            self.printed = 0

        def __call__(self, data, return_dict=False):
            keys = data.batch.keys()
            rm_key = "style_mix_rm_scores" if "style_mix_rm_scores" in keys else "rm_scores"
            if rm_key not in keys:
                raise ValueError("style_mix: no rm_scores in the batch: set reward_model.enable=True")
            rm_scores = data.batch[rm_key]
            prompt_len = data.batch["prompts"].shape[-1]
            responses = data.batch["responses"]
            max_len = responses.shape[-1]
            lengths = data.batch["attention_mask"][:, prompt_len:].sum(dim=-1).tolist()
            eos_ids = set(self.eos_ids)
            meta_eos = data.meta_info.get("eos_token_id")
            if meta_eos is not None:
                eos_ids |= set(meta_eos if isinstance(meta_eos, (list, tuple)) else [meta_eos])
            reward = torch.zeros_like(responses, dtype=torch.float32)
            extra = {k: [] for k in ("score",) + TERM_NAMES}
            for i, L in enumerate(lengths):
                L = int(L)
                ids = responses[i, :L].tolist()
                text = self.tokenizer.decode(ids, skip_special_tokens=True)
                finish = finish_reason_of(ids, eos_ids, max_len)
                out = score_one(text, ids, finish, float(rm_scores[i].sum().item()), self.weights)
                reward[i, max(L - 1, 0)] = out["score"]
                for k in extra:
                    extra[k].append(out[k])
                if self.printed < self.num_examine:
                    self.printed += 1
                    print("[style_mix]", {k: out[k] for k in extra}, "[response]", text[:500])
            if return_dict:
                return {"reward_tensor": reward, "reward_extra_info": extra}
            return reward
