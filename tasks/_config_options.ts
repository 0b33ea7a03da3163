/**
 * The `--preset` and `--config` flags of the tasks that take a trainer config (`train`,
 * `export-verl`); key=value overrides follow the flags. Private to tasks/.
 *
 * @module
 */

import { listPresets } from "../lib/rl/presets.ts";

/** `--preset NAME` (every preset listed) and `--config FILE`. */
export const CONFIG_OPTIONS = {
  preset: {
    type: "string",
    valueName: "NAME",
    description: listPresets().map((p) => p.name).join(" | "),
  },
  config: {
    type: "string",
    valueName: "FILE",
    description: "a JSON config (e.g. a run's config.json)",
  },
} as const;
