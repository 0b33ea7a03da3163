import assert from "node:assert/strict";
import { splitRuns } from "../../tasks/figures.ts";

const TASK = new URL("../../tasks/figures.ts", import.meta.url).pathname;
const FIXTURES = new URL("../fixtures/runs/", import.meta.url).pathname;

async function figures(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", TASK, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
}

Deno.test("splitRuns() takes every directory after --runs up to the next flag", () => {
  assert.deepEqual(splitRuns(["--runs", "a", "b", "--out", "o", "--svg"]), {
    runs: ["a", "b"],
    rest: ["--out", "o", "--svg"],
  });
  assert.deepEqual(splitRuns(["--runs=a", "b"]).runs, ["a", "b"]);
});

Deno.test("deno task figures writes HTML for every supported figure and an index", async () => {
  const out = await Deno.makeTempDir();
  const r = await figures(
    "--runs",
    `${FIXTURES}grlo-s1`,
    `${FIXTURES}grlo-s2`,
    "--out",
    out,
    "--no-png",
  );
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).figures, ["reward", "training"]);
  const index = await Deno.readTextFile(`${out}/index.html`);
  assert.match(index, /href="training\.html"/);
  assert.ok((await Deno.stat(`${out}/reward.html`)).size > 1_000_000);
  await Deno.remove(out, { recursive: true });
});

Deno.test("deno task figures exits 2 naming a missing or malformed run directory", async () => {
  const dir = await Deno.makeTempDir();
  const missing = await figures("--runs", `${dir}/nope`, "--out", `${dir}/o`);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope: no such run directory/);
  await Deno.writeTextFile(`${dir}/config.json`, "{}");
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"training/global_step":1}\n{oops\n\n');
  const bad = await figures("--runs", dir, "--out", `${dir}/o`);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /metrics\.jsonl:2: not JSON/);
  const noOut = await figures("--runs", dir);
  assert.equal(noOut.code, 2);
  assert.match(noOut.err, /--out DIR is required/);
  const noRuns = await figures("--out", dir);
  assert.match(noRuns.err, /--runs DIR\.\.\. is required/);
  await Deno.remove(dir, { recursive: true });
});
