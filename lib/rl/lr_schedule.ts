/**
 * Learning-rate schedules as verl builds them (`get_constant_schedule_with_warmup` and
 * `get_cosine_schedule_with_warmup` from transformers, stepped once per training step):
 * linear warmup from 0 over `warmup` steps, then constant, or cosine down to
 * `min_lr_ratio * lr`.
 *
 * @module
 */

/** What a schedule needs (verl's `*.optim.*` keys). */
export interface LrScheduleOptions {
  lr: number;
  /** `lr_warmup_steps`; null or <= 0 delegates to the ratio. */
  warmupSteps: number | null;
  /** `lr_warmup_steps_ratio` of the total steps. */
  warmupRatio: number;
  /** `lr_scheduler_type` (or the deprecated `warmup_style`, which wins when set). */
  type: "constant" | "cosine";
  /** `min_lr_ratio` (cosine). */
  minLrRatio: number;
  /** `num_cycles` (cosine). */
  numCycles: number;
  /** Total training steps. */
  totalSteps: number;
}

/**
 * The learning rate of the update at 0-based training step `step`.
 *
 * @param step training steps already taken (the first update is 0)
 * @param o schedule options
 * @returns the learning rate
 */
export function lrAt(step: number, o: LrScheduleOptions): number {
  const warmup = o.warmupSteps !== null && o.warmupSteps > 0
    ? o.warmupSteps
    : Math.floor(o.warmupRatio * o.totalSteps);
  if (step < warmup) return o.lr * step / Math.max(1, warmup);
  if (o.type === "constant") return o.lr;
  const progress = (step - warmup) / Math.max(1, o.totalSteps - warmup);
  const cosine = 0.5 * (1 + Math.cos(Math.PI * 2 * o.numCycles * progress));
  return o.lr * (o.minLrRatio + (1 - o.minLrRatio) * Math.max(0, cosine));
}
