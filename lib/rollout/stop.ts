/**
 * The text side of one sample: the stop rules (stop token ids and stop strings) and the
 * response text (special tokens skipped). A stop string ends the sample as soon as the decoded
 * text contains it (even across tokens); the text is cut before the match. Samples with stop
 * strings, and streamed ones, decode incrementally (`DecodeStream`); the others decode once at
 * the end. {@link StopWatcher.takeText} hands out the text that is final already: it holds back
 * a tail that could still begin a stop string.
 *
 * @module
 */

import { DecodeStream, type Tokenizer } from "../tokenizer/mod.ts";

/** What ended a sample. */
export interface StopHit {
  /** The stop string or stop token id. */
  reason: string | number;
}

/** Decodes one sample's tokens and watches for its stop rules. */
export class StopWatcher {
  readonly #tokenizer: Tokenizer;
  /** Null without stop strings: the text is decoded once, at the end. */
  readonly #stream: DecodeStream | null;
  /** Ids whose text counts (all but a final stop id), when not streaming. */
  readonly #ids: number[] = [];
  readonly #stopIds: ReadonlySet<number>;
  readonly #stopStrings: readonly string[];
  readonly #longestStop: number;
  #text = "";
  /** Characters of `#text` handed out by `takeText()`. */
  #taken = 0;
  #done = false;

  /**
   * @param tokenizer the model's tokenizer
   * @param stopIds ids that end the sample (their text is not added)
   * @param stopStrings strings that end the sample (the text stops before them)
   * @param options `incremental`: decode as tokens arrive even without stop strings (for
   *   {@link takeText}) @default false
   */
  constructor(
    tokenizer: Tokenizer,
    stopIds: ReadonlySet<number>,
    stopStrings: readonly string[],
    options: { incremental?: boolean } = {},
  ) {
    this.#tokenizer = tokenizer;
    this.#stream = stopStrings.length > 0 || options.incremental
      ? new DecodeStream(tokenizer, { skipSpecialTokens: true })
      : null;
    this.#stopIds = stopIds;
    this.#stopStrings = stopStrings;
    this.#longestStop = Math.max(0, ...stopStrings.map((s) => s.length));
  }

  /** The text: final once a stop was hit or {@link finish} was called ("" before that without stop strings). */
  get text(): string {
    return this.#text;
  }

  /**
   * The text decoded since the last call that no stop string can remove any more: before the
   * end it stops short of the longest tail that begins a stop string (and of an incomplete
   * character); once the sample has ended it is the rest of the final text. Without stop
   * strings and `incremental`, text appears only at the end.
   *
   * @returns the new final text ("" when there is none)
   */
  takeText(): string {
    const end = this.#done ? this.#text.length : this.#settledLength();
    if (end <= this.#taken) return "";
    const piece = this.#text.slice(this.#taken, end);
    this.#taken = end;
    return piece;
  }

  /** Length of the prefix of the text that no later token can cut. */
  #settledLength(): number {
    const t = this.#text;
    for (let at = Math.max(0, t.length - this.#longestStop + 1); at < t.length; at++) {
      const tail = t.slice(at);
      if (this.#stopStrings.some((s) => s.startsWith(tail))) return at;
    }
    return t.length;
  }

  /**
   * Adds one generated id.
   *
   * @param id the id
   * @returns the stop it hit, or null
   */
  push(id: number): StopHit | null {
    if (this.#done) throw new Error("StopWatcher.push(): the sample has already ended");
    if (this.#stopIds.has(id)) {
      this.#end();
      return { reason: id };
    }
    if (this.#stream === null) {
      this.#ids.push(id);
      return null;
    }
    const piece = this.#stream.step(id);
    if (piece === "") return null;
    return this.#append(piece);
  }

  /**
   * Ends the sample without a stop (the token budget ran out): emits held-back text, which
   * may still complete a stop string.
   *
   * @returns the stop string found in the held-back text, or null
   */
  finish(): StopHit | null {
    if (this.#done) return null;
    if (this.#stream === null) {
      this.#end();
      return null;
    }
    const rest = this.#stream.flush();
    const hit = rest === "" ? null : this.#append(rest);
    this.#done = true;
    return hit;
  }

  /** Ends the sample: the text is what was decoded so far plus anything held back. */
  #end(): void {
    this.#done = true;
    this.#text = this.#stream === null
      ? this.#tokenizer.decode(this.#ids, { skipSpecialTokens: true })
      : this.#text + this.#stream.flush();
  }

  #append(piece: string): StopHit | null {
    const from = Math.max(0, this.#text.length - this.#longestStop + 1);
    this.#text += piece;
    let cut = -1, reason = "";
    for (const s of this.#stopStrings) {
      const at = this.#text.indexOf(s, from);
      if (at >= 0 && (cut < 0 || at < cut)) [cut, reason] = [at, s];
    }
    if (cut < 0) return null;
    this.#text = this.#text.slice(0, cut);
    this.#done = true;
    return { reason };
  }
}
