import assert from "node:assert/strict";
import { benchProfile } from "../tasks/bench_profile.ts";

/** The ms figure of a table row (`    name    12.3 ms   4.5%`). */
function rowMs(lines: string[], name: string): number {
  const row = lines.find((l) => l.trim().startsWith(name));
  assert.ok(row, `no row "${name}" in:\n${lines.join("\n")}`);
  return Number(/([\d.]+) ms/.exec(row.slice(name.length + 4))![1]);
}

for (const who of ["actor", "critic"] as const) {
  Deno.test(`bench profile --what ${who}-S splits the PPO ${who}'s update step into forward, backward and the host optimizer`, async () => {
    const lines = await benchProfile(["--what", `${who}-S`, "--runs", "1", "--top", "40"]);
    assert.match(lines[0], new RegExp(`^PPO ${who} step, config S, batch 4 x seq 256`));
    for (const phase of ["forward", "backward", "optimizer on the host (norm, clip, AdamW)"]) {
      assert.ok(rowMs(lines, phase) > 0, phase);
    }
    // The actor reads log-probs from the LM head's [tokens, vocab] log-softmax; the critic has a
    // value head and no such node.
    const head = lines.some((l) => /LogSoftmax \[1024x8192\]/.test(l));
    assert.equal(head, who === "actor");
  });
}

Deno.test("bench profile --what with an unknown target names every accepted form", async () => {
  await assert.rejects(
    () => benchProfile(["--what", "critic-X"]),
    /--what: "critic-X" is not <train\|actor\|critic>-<S\|M> or decode-<S\|M>-b<batch>/,
  );
});
