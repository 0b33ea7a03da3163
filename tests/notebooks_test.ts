import assert from "node:assert/strict";
import { join } from "node:path";

/**
 * Every notebook in notebooks/ runs top to bottom on the Deno kernel (headless nbconvert)
 * and shows what it promises: no errors, and each figure/table cell carries real data.
 * The kernelspec is written to a temporary JUPYTER_PATH so the user's kernels are untouched
 * and the kernel is this very deno binary.
 */

const root = new URL("..", import.meta.url).pathname;
const sharedData = join(root, "..", "shared", "data");

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

async function execute(notebook: string): Promise<Output[][]> {
  const tmp = await Deno.makeTempDir();
  const kernelDir = join(tmp, "kernels", "grlo-deno");
  await Deno.mkdir(kernelDir, { recursive: true });
  await Deno.writeTextFile(
    join(kernelDir, "kernel.json"),
    JSON.stringify({
      argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
      display_name: "Deno (grlo-kit tests)",
      language: "typescript",
    }),
  );
  const env: Record<string, string> = { JUPYTER_PATH: tmp };
  if (!Deno.env.get("GRLO_DATA_DIR")) env.GRLO_DATA_DIR = sharedData;
  const out = await new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=grlo-deno",
      "--ExecutePreprocessor.timeout=600",
      "--output-dir",
      tmp,
      notebook,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `nbconvert failed on ${notebook}:\n${log.slice(-3000)}`);
  const executed = JSON.parse(await Deno.readTextFile(join(tmp, notebook.split("/").pop()!)));
  await Deno.remove(tmp, { recursive: true });
  return (executed.cells as { cell_type: string; outputs?: Output[] }[])
    .filter((c) => c.cell_type === "code")
    .map((c) => c.outputs ?? []);
}

Deno.test("notebooks/evaluate_base_model.ipynb runs and shows the transfer table and figure", async () => {
  const cells = await execute(join(root, "notebooks", "evaluate_base_model.ipynb"));
  const all = cells.flat();
  assert.ok(
    !all.some((o) => o.output_type === "error"),
    JSON.stringify(all.filter((o) => o.ename)),
  );
  const html = all.find((o) => o.data?.["text/html"])?.data?.["text/html"];
  assert.match(String(html), /gsm8k[\s\S]*humaneval/);
  const fig = all.find((o) => o.data?.["application/vnd.plotly.v1+json"])
    ?.data?.["application/vnd.plotly.v1+json"] as { data: { x: string[] }[] };
  assert.ok(fig && fig.data.length === 1, "one trace per run");
  assert.ok(fig.data[0].x.includes("arena-hard"));
});

Deno.test("committed notebooks carry no outputs", async () => {
  for await (const e of Deno.readDir(join(root, "notebooks"))) {
    if (!e.name.endsWith(".ipynb")) continue;
    const nb = JSON.parse(await Deno.readTextFile(join(root, "notebooks", e.name)));
    for (const c of nb.cells) assert.deepEqual(c.outputs ?? [], [], `${e.name} has outputs`);
  }
});
