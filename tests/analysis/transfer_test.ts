import assert from "node:assert/strict";
import {
  displayFigure,
  displayTable,
  JUPYTER_DISPLAY,
  transferFigure,
  transferTable,
} from "../../lib/analysis/mod.ts";

async function writeRun(
  dir: string,
  name: string,
  gsm8k: number,
  humaneval: number,
): Promise<void> {
  await Deno.mkdir(`${dir}/eval`, { recursive: true });
  const suite = (s: string, domain: string, metric: string, value: number) => ({
    suite: s,
    domain,
    metric,
    value,
    tasks: 10,
    samples: 10,
  });
  await Deno.writeTextFile(
    `${dir}/eval/summary.json`,
    JSON.stringify({
      created: "2026-11-27T00:00:00Z",
      mode: "generate",
      model: { name, path: dir, endpoint: null },
      suites: [
        suite("gsm8k", "math", "accuracy", gsm8k),
        suite("humaneval", "code", "pass@1", humaneval),
      ],
    }),
  );
}

Deno.test("transferTable() puts several runs' summaries side by side with domain means", async () => {
  const dir = await Deno.makeTempDir();
  await writeRun(`${dir}/a`, "base", 0.1, 0.2);
  await writeRun(`${dir}/b`, "after-rl", 0.4, 0.3);
  const t = await transferTable([`${dir}/a`, `${dir}/b/eval`]);
  const rows = t.objects() as { run: string; suite: string; value: number }[];
  const get = (run: string, suite: string) =>
    rows.find((r) => r.run === run && r.suite === suite)?.value;
  assert.equal(get("base", "gsm8k"), 0.1);
  assert.equal(get("after-rl", "humaneval"), 0.3);
  assert.ok(rows.some((r) => r.run === "after-rl" && /math/.test(r.suite)), "domain mean rows");
  const fig = transferFigure(t);
  assert.deepEqual(fig.data.map((d) => d.name), ["base", "after-rl"]);
  const base = fig.data[0] as { x: string[]; y: number[] };
  assert.equal(base.y[base.x.indexOf("gsm8k")], 10);
  const bundle = displayFigure(fig)[JUPYTER_DISPLAY]();
  assert.equal(bundle["application/vnd.plotly.v1+json"], fig);
  const html = displayTable(t)[JUPYTER_DISPLAY]()["text/html"] as string;
  assert.match(html, /40\.0%/);
  await assert.rejects(() => transferTable([`${dir}/missing`]), /missing: no summary\.json/);
  await Deno.remove(dir, { recursive: true });
});
