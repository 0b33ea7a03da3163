/**
 * The contract every evaluation suite implements (math, code, chat).
 *
 * A suite loads its data into {@link EvalTask}s (one per benchmark item, keyed by the
 * suite's own task id), says how to prompt a model (chat messages for the chat template,
 * or a plain completion prompt for base models) and grades one response at a time.
 * Suites register themselves in `lib/eval/registry.ts`.
 *
 * @module
 */

/** One chat turn, as chat templates expect it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** How a base or chat model is prompted for a suite. */
export type PromptStyle = "chat" | "completion";

/** One benchmark item, ready to prompt and to grade. */
export interface EvalTask {
  /** The suite's own task id (`HumanEval/0`, `HumanEval_23_strlen`, MATH-500 `unique_id`, ...). */
  id: string;
  /** Prompt as chat messages (rendered with the model's chat template). */
  messages: ChatMessage[];
  /** Prompt as plain text for base-model completion (few-shot where the suite's convention is). */
  completionPrompt: string;
  /** Stop strings for generation in completion style (chat style stops at the template's eos). */
  stop: string[];
  /** Suite-specific gold: a reference answer, a test program, a reference response, ... */
  reference: unknown;
}

/** The verdict on one response. */
export interface GradeResult {
  /** Whether the response solves the task. */
  correct: boolean;
  /** The part of the response that was graded (extracted answer or program), if any. */
  extracted: string | null;
  /** Why: `"equal"`, `"not equal"`, `"no answer found"`, `"timeout"`, `"exit code 1"`, ... */
  reason: string;
}

/** Options for loading a suite's data. */
export interface LoadOptions {
  /** Directory holding the data files (a local mirror such as `../shared/data`); defaults to the cache. */
  dataDir?: string;
  /** Skip malformed lines (each is reported) instead of failing on the first one. @default false */
  skipMalformed?: boolean;
  /** Keep only the first `limit` tasks. */
  limit?: number;
  /** Where skipped-line warnings go (with `skipMalformed`). @default console.warn */
  onWarning?: (message: string) => void;
  /** A JSONL file of the user's own items, for suites that grade any data (`math`). */
  file?: string;
}

/** An evaluation suite. */
export interface Suite {
  /** Registry name: `gsm8k`, `math500`, `aime24`, `amc23`, `humaneval`, `humaneval-ts`, `mbppplus`, `arena-hard`. */
  name: string;
  /** Which column of the transfer table it belongs to. */
  domain: "math" | "code" | "chat";
  /** The prompt style a base model gets by default. */
  defaultPromptStyle: PromptStyle;
  /** Loads the tasks, checking every record's schema (errors name file:line and field). */
  load(options?: LoadOptions): Promise<EvalTask[]>;
  /**
   * Grades one response. Chat suites have no per-sample verdict (they are scored with a
   * reward model against reference answers, see `lib/eval/chat/`); they leave this undefined.
   */
  grade?(task: EvalTask, response: string): Promise<GradeResult>;
}
