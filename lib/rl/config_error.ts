/**
 * The error of a trainer config that cannot run: an unknown key, a value of the wrong type,
 * an impossible batch split. It is a {@link CliError}, so `runMain` prints its one line and
 * exits 2.
 *
 * @module
 */

import { CliError } from "../cli.ts";

/** A trainer config that cannot run; {@link ConfigError.key} names the offending key path. */
export class ConfigError extends CliError {
  /** The dotted key path at fault (`data.train_batch_size`), or "" when none applies. */
  readonly key: string;

  /**
   * @param key the dotted key path at fault
   * @param message one line naming the key, what was expected and what was given
   */
  constructor(key: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.key = key;
  }
}
