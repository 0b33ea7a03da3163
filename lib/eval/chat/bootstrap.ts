/**
 * Bootstrap confidence intervals over questions (Arena-Hard uses 100 rounds and the 2.5 /
 * 97.5 percentiles), re-exported from the kit's one home for statistics
 * (`lib/util/stats.ts`).
 *
 * @module
 */

export { bootstrapCI, type BootstrapOptions, type Interval } from "../../util/stats.ts";
