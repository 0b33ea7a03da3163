/**
 * Small statistics over plain arrays, re-exported from the kit's one home for them
 * (`lib/util/stats.ts`, which analysis imports too).
 *
 * @module
 */

export { mean, percentile, sigmoid } from "../../util/stats.ts";
