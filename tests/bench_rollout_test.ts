import assert from "node:assert/strict";
import { benchRollout, decodeFlops, rowTokens } from "../tasks/bench_rollout.ts";
import { benchConfig } from "../lib/model/mod.ts";

Deno.test("decodeFlops counts 2 x matmul weights (tied head included) plus attention over the context", () => {
  // Config S: per layer q, k, v, o = 256*256 + 2*128*256 + 256*256 and the MLP 3*768*256; the
  // tied 8192 x 256 embedding is the head; attention is 4 x layers x heads x head_dim per position.
  const layer = 256 * 256 + 2 * 128 * 256 + 256 * 256 + 3 * 768 * 256;
  const weights = 4 * layer + 8192 * 256;
  assert.equal(decodeFlops(benchConfig("S"), 128), 2 * weights + 4 * 4 * 4 * 64 * 128);
});

Deno.test("--lengths varied spreads the rows' lengths over [N/4, N]", () => {
  const n = 128, made = Array.from({ length: 32 }, (_, b) => rowTokens(n, b));
  assert.ok(made.every((t) => t >= 32 && t <= 128), made.join(","));
  assert.ok(new Set(made).size >= 24, `only ${new Set(made).size} distinct lengths`);
  assert.equal(rowTokens(1, 0), 1);
});

Deno.test("bench rollout with varied lengths reports fewer rows per step than the batch, and the roofline as the lower bound", async () => {
  const [r] = await benchRollout([
    "--configs",
    "S",
    "--batches",
    "4",
    "--prompt",
    "4",
    "--new",
    "8",
    "--runs",
    "1",
    "--lengths",
    "varied",
  ]);
  assert.equal(r.lengths, "varied");
  assert.ok(r.rows_per_step > 1 && r.rows_per_step < 4, `rows per step ${r.rows_per_step}`);
  assert.ok(r.tokens_per_s > 0 && r.gemm_peak_gflops > 0 && r.bandwidth_gbs > 0);
  assert.equal(
    r.roofline_tokens_per_s,
    Math.min(r.bound_tokens_per_s, r.compute_bound_tokens_per_s),
  );
  assert.ok(Math.abs(r.ratio_to_roofline - r.tokens_per_s / r.roofline_tokens_per_s) < 1e-3);
});

Deno.test("bench rollout --lengths refuses an unknown mode", async () => {
  await assert.rejects(
    () => benchRollout(["--lengths", "random"]),
    /--lengths: expected fixed or varied, got "random"/,
  );
});
