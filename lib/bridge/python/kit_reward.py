"""grlo-kit's math verifier as a verl custom reward function (written by export-verl).

Use: custom_reward_function.path=reward/kit_reward.py custom_reward_function.name=compute_score

The kit grades math as Qwen2.5-Math's evaluation does (lib/reward/math/: extract_answer, then
strip_string, then math_equal). verl's own scorers (verl/utils/reward_score/) differ:

- `openai/gsm8k` -> gsm8k.py: only a `#### N` answer counts (strict: the last `#### ` match;
  a response with a \\boxed{} answer or "The answer is N" scores 0); exact string match.
- `lighteval/MATH`, `HuggingFaceH4/MATH-500` -> math_reward.py: Hendrycks' is_equiv on the
  last \\boxed{} only (no "The answer is", no last-number fallback), string normalisation
  only: `0.5` vs `\\frac{1}{2}` and `1,000` vs `1000` are "wrong".
- `math_dapo`, `aime*` -> math_dapo.py: the Minerva "Answer:" format, scores +1/-1.

This file ports the kit's extraction rules exactly and its comparison in part: normalised
strings equal, or both numbers within rel_tol 1e-4 (also x vs x/100 and x*100, as Qwen's
math_equal), or, where verl's prime_math grader is importable, its symbolic math_equal. The
kit re-grades saved samples exactly (`deno task eval --suite math --samples FILE`).
Scores are 1.0 / 0.0; the dict form logs `correct` (as the kit's term) per sample.
"""

import math
import re


def last_boxed(text):
    """Brace-balanced content after the last `boxed` (Qwen2.5-Math's find_box); None if none."""
    i = text.rfind("boxed")
    if i < 0:
        return None
    rest = text[i + len("boxed"):]
    if rest == "":
        return ""
    if rest[0] != "{":
        return rest.split("$")[0].strip()
    depth, out = 0, ""
    for c in rest:
        if c == "{":
            depth += 1
            if depth == 1:
                continue
        elif c == "}":
            depth -= 1
            if depth == 0:
                break
        out += c
    return out


def extract_answer(text):
    """The kit's (Qwen2.5-Math's) answer extraction, before strip_string."""
    text = text.replace("\u043a\u0438", "")
    boxed = last_boxed(text)
    if "final answer is $" in text and "$. I hope" in text:
        pred = text.split("final answer is $", 1)[1].split("$. I hope")[0].strip()
    elif boxed is not None:
        pred = boxed
    elif "he answer is" in text:
        pred = text[text.rfind("he answer is") + len("he answer is"):].strip()
    elif "final answer is" in text:
        pred = text[text.rfind("final answer is") + len("final answer is"):].strip()
    elif "答案是" in text:
        pred = text.split("答案是")[1].strip().split("\n\n")[0].strip()
    else:
        nums = re.findall(r"-?\d*\.?\d+", text.replace(",", ""))
        pred = nums[-1] if nums else ""
    pred = re.sub(r"\n\s*", "", pred)
    if pred.startswith(":"):
        pred = pred[1:]
    if pred.endswith("."):
        pred = pred[:-1]
    if pred.endswith("/"):
        pred = pred[:-1]
    return pred


def normalize(s):
    """A subset of Qwen2.5-Math's strip_string (the kit's is complete)."""
    s = str(s).strip().replace("\n", "").rstrip(".")
    s = re.sub(r"\\text\{\s*([^{}]*)\}", r"\1", s)
    for a, b in (("\\!", ""), ("\\left", ""), ("\\right", ""), ("dfrac", "frac"), ("tfrac", "frac"),
                 ("^{\\circ}", ""), ("^\\circ", ""), ("\\$", ""), ("$", ""), ("\\%", ""), ("%", ""),
                 (" ", "")):
        s = s.replace(a, b)
    if s.startswith("0.") is False and s.startswith("."):
        s = "0" + s
    s = re.sub(r"^([a-zA-Z]\w*)=", "", s)
    m = re.fullmatch(r"\\frac\{?(-?\d+)\}?\{?(\d+)\}?", s)
    if m and int(m.group(2)) != 0:
        s = repr(int(m.group(1)) / int(m.group(2)))
    return s


def _number(s):
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def math_equal(pred, gold):
    """Normalised strings equal, numbers close (with percentages), or verl's symbolic check."""
    p, g = normalize(pred), normalize(gold)
    if p == g:
        return True
    a, b = _number(p), _number(g)
    if a is not None and b is not None:
        return any(math.isclose(a, x, rel_tol=1e-4) for x in (b, b / 100, b * 100))
    try:
        from verl.utils.reward_score.prime_math.grader import math_equal as verl_math_equal
    except ImportError:
        return False
    try:
        return bool(verl_math_equal(p, g, timeout=True))
    except Exception:
        return False


def gsm8k_gold(ground_truth):
    """A gsm8k answer field ("... #### 72") or a bare gold answer."""
    text = str(ground_truth)
    return text.split("####")[-1].strip().replace(",", "") if "####" in text else text


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's custom reward function signature; 1.0 when the kit's math rules accept it."""
    ok = math_equal(extract_answer(solution_str), gsm8k_gold(ground_truth))
    return {"score": 1.0 if ok else 0.0, "correct": 1 if ok else 0}
