/**
 * Scoring (prompt, response) pairs with a sequence-classification reward model
 * (`Qwen3ForSequenceClassification` / `LlamaForSequenceClassification`, e.g.
 * Skywork-Reward-V2), as its model card does: the conversation `[user: prompt, assistant:
 * response]` is rendered with the **reward model's own** chat template, tokenized without
 * extra special tokens, and the score is the `score.weight` head at the last token.
 *
 * Pairs are sorted by length and batched under a token budget (right padding; the graph reads
 * each row's last real token), with progress. A pair longer than the model's maximum length is
 * cut inside the response and the template's closing tokens are kept, so the score is still
 * read at the end-of-turn token; such pairs are flagged `truncated`.
 *
 * @module
 */

import { basename } from "node:path";
import { encodeModel, type HostTensor, Session, type SessionOptions } from "../graph/mod.ts";
import { padBatch } from "../model/batch.ts";
import { loadModel } from "../model/checkpoint.ts";
import type { ModelConfig } from "../model/config.ts";
import { buildRewardGraph } from "../model/graphs.ts";
import type { F32Tensor } from "../model/safetensors.ts";
import { type ChatMessage, loadTokenizer, type Tokenizer } from "../tokenizer/mod.ts";

/** Options of {@link RewardModel.load}. */
export interface RewardModelOptions extends SessionOptions {
  /** Name reported with scores (a hub repo id). @default the directory's base name */
  name?: string;
  /** Most rows per batch. @default 8 */
  batchSize?: number;
  /** Most padded tokens per batch (rows x longest row). @default 16384 */
  maxBatchTokens?: number;
  /** Longest sequence scored; longer pairs are truncated. @default config max_position_embeddings */
  maxLength?: number;
  /** Which output label is the reward. @default 0 */
  label?: number;
}

/** One pair to score. */
export interface RewardPair {
  /** The user prompt (one user turn), or the whole conversation before the response. */
  prompt: string | ChatMessage[];
  /** The assistant response. */
  response: string;
}

/** The score of one pair. */
export interface RewardScore {
  /** The reward model's scalar output. */
  score: number;
  /** Tokens scored. */
  tokens: number;
  /** Whether the pair was cut to the maximum length. */
  truncated: boolean;
}

/** Options of {@link RewardModel.score}. */
export interface ScoreOptions {
  /** Called after each batch with pairs done and total. */
  onProgress?: (done: number, total: number) => void;
}

/** Parameters above this many bytes are fed as inputs (a ModelProto is capped at 2 GB). */
const MAX_INITIALIZER_BYTES = 1.5 * 2 ** 30;

/** A loaded sequence-classification reward model with its tokenizer and an open session. */
export class RewardModel {
  private constructor(
    /** Name reported with scores. */
    readonly name: string,
    /** The model config (task seq-cls). */
    readonly config: ModelConfig,
    /** The reward model's tokenizer (its chat template renders the pairs). */
    readonly tokenizer: Tokenizer,
    private readonly session: Session,
    private readonly feedWeights: ReadonlyMap<string, F32Tensor> | null,
    private readonly options: Required<
      Pick<RewardModelOptions, "batchSize" | "maxBatchTokens" | "maxLength" | "label">
    >,
  ) {}

  /**
   * Loads an HF seq-cls model directory (config, weights, tokenizer with a chat template).
   *
   * @param dir the model directory
   * @param options name, batching, maximum length, session options
   * @returns the reward model
   * @throws when the model is not a seq-cls model or has no chat template
   */
  static async load(dir: string, options: RewardModelOptions = {}): Promise<RewardModel> {
    const { config, params } = await loadModel(dir);
    if (config.task !== "seq-cls") {
      throw new Error(
        `${dir}: a reward model must be a *ForSequenceClassification model, got ${config.architecture}`,
      );
    }
    const label = options.label ?? 0;
    if (!Number.isInteger(label) || label < 0 || label >= config.numLabels) {
      throw new Error(`${dir}: label ${label} is out of range (num_labels ${config.numLabels})`);
    }
    const tokenizer = await loadTokenizer(dir);
    if (tokenizer.chatTemplate === null) {
      throw new Error(`${dir}: the reward model's tokenizer has no chat template to render pairs`);
    }
    const bytes = [...params.values()].reduce((n, t) => n + t.data.byteLength, 0);
    const asInputs = bytes > MAX_INITIALIZER_BYTES;
    const graph = buildRewardGraph(config, { weights: asInputs ? "inputs" : params });
    const session = await Session.create(encodeModel(graph), options);
    return new RewardModel(
      options.name ?? basename(dir.replace(/\/+$/, "")),
      config,
      tokenizer,
      session,
      asInputs ? params : null,
      {
        batchSize: options.batchSize ?? 8,
        maxBatchTokens: options.maxBatchTokens ?? 16384,
        maxLength: options.maxLength ?? config.maxPositionEmbeddings,
        label,
      },
    );
  }

  /**
   * The conversation of a pair as the reward model's chat template renders it.
   *
   * @param pair prompt and response
   * @returns the rendered text (encode it without special tokens)
   */
  render(pair: RewardPair): string {
    return renderRewardPair(this.tokenizer, pair);
  }

  /**
   * Token ids of a pair, cut to the maximum length inside the response when too long (the
   * template's closing tokens are kept).
   *
   * @param pair prompt and response
   * @returns ids and whether they were truncated
   */
  encode(pair: RewardPair): { ids: number[]; truncated: boolean } {
    return encodeRewardPair(this.tokenizer, pair, this.options.maxLength);
  }

  /**
   * Scores token rows (already rendered and encoded) in length-sorted batches.
   *
   * @param rows token ids per pair
   * @param options progress callback
   * @returns one score per row, in input order
   */
  async scoreIds(rows: readonly number[][], options: ScoreOptions = {}): Promise<number[]> {
    const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length);
    const out = new Array<number>(rows.length);
    const pad = this.tokenizer.padTokenId ?? this.config.padTokenId ?? 0;
    const { batchSize, maxBatchTokens, label } = this.options;
    const L = this.config.numLabels;
    let i = 0;
    while (i < order.length) {
      let j = i + 1;
      // Sorted ascending: the batch's longest row is its last one.
      while (
        j < order.length && j - i < batchSize &&
        (j - i + 1) * rows[order[j]].length <= maxBatchTokens
      ) j++;
      const idx = order.slice(i, j);
      for (const k of idx) {
        if (rows[k].length === 0) throw new Error(`RewardModel.scoreIds: row ${k} is empty`);
      }
      const batch = padBatch(idx.map((k) => rows[k]), { side: "right", padId: pad });
      const feeds: Record<string, HostTensor> = { ...batch.feeds };
      if (this.feedWeights) {
        for (const [name, t] of this.feedWeights) {
          feeds[name] = { dtype: "float32", shape: t.shape, data: t.data };
        }
      }
      const scores = (await this.session.run(feeds, ["scores"])).scores.data;
      idx.forEach((k, b) => out[k] = Number(scores[b * L + label]));
      i = j;
      options.onProgress?.(i, order.length);
    }
    return out;
  }

  /**
   * Scores (prompt, response) pairs.
   *
   * @param pairs the pairs
   * @param options progress callback
   * @returns score, token count and truncation flag per pair, in input order
   *
   * @example
   * ```ts ignore
   * const rm = await RewardModel.load("runs/reproduce-toy/reward-model");
   * const [s] = await rm.score([{ prompt: "Hi", response: "Hello! How can I help?" }]);
   * await rm.release();
   * ```
   */
  async score(pairs: readonly RewardPair[], options: ScoreOptions = {}): Promise<RewardScore[]> {
    const encoded = pairs.map((p) => this.encode(p));
    const scores = await this.scoreIds(encoded.map((e) => e.ids), options);
    return encoded.map((e, i) => ({
      score: scores[i],
      tokens: e.ids.length,
      truncated: e.truncated,
    }));
  }

  /** Frees the session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The conversation of a pair as a reward model's chat template renders it (`[user: prompt,
 * assistant: response]`, or the given messages then the response). Reward-model training
 * renders pairs with this too, so a trained model scores what it was trained on.
 *
 * @param tokenizer the reward model's tokenizer (with a chat template)
 * @param pair prompt and response
 * @returns the rendered text (encode it without special tokens)
 */
export function renderRewardPair(tokenizer: Tokenizer, pair: RewardPair): string {
  return tokenizer.applyChatTemplate(conversation(pair));
}

/**
 * Token ids of a pair as {@link RewardModel.score} reads them: rendered with
 * {@link renderRewardPair}, encoded without special tokens, and when longer than `maxLength`
 * cut inside the response with the template's closing tokens kept.
 *
 * @param tokenizer the reward model's tokenizer
 * @param pair prompt and response
 * @param maxLength the longest sequence kept
 * @returns ids and whether they were truncated
 */
export function encodeRewardPair(
  tokenizer: Tokenizer,
  pair: RewardPair,
  maxLength: number,
): { ids: number[]; truncated: boolean } {
  const text = renderRewardPair(tokenizer, pair);
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  const max = maxLength;
  if (ids.length <= max) return { ids, truncated: false };
  // Split the rendered text around the response; templates may strip leading newlines.
  let at = text.lastIndexOf(pair.response);
  let resp = pair.response;
  if (at < 0) {
    resp = pair.response.replace(/^\n+/, "").trimEnd();
    at = resp === "" ? -1 : text.lastIndexOf(resp);
  }
  const enc = (s: string) => tokenizer.encode(s, { addSpecialTokens: false });
  const suffix = at < 0 ? [] : enc(text.slice(at + resp.length));
  const head = at < 0 ? ids : enc(text.slice(0, at + resp.length));
  const room = Math.max(1, max - suffix.length);
  return { ids: [...head.slice(0, room), ...suffix].slice(0, max), truncated: true };
}

function conversation(pair: RewardPair): ChatMessage[] {
  const head: ChatMessage[] = typeof pair.prompt === "string"
    ? [{ role: "user", content: pair.prompt }]
    : pair.prompt;
  return [...head, { role: "assistant", content: pair.response }];
}
