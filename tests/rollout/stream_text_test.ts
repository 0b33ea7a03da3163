import assert from "node:assert/strict";
import { LocalGenerator } from "../../lib/rollout/local.ts";
import { StopWatcher } from "../../lib/rollout/stop.ts";
import type { GenerationRequest, Generator, TextDelta } from "../../lib/rollout/types.ts";
import { WorkerGenerator } from "../../lib/rollout/worker_generator.ts";
import { tinyModel } from "./_fixtures.ts";

/** The pieces `takeText()` hands out after each token of `text` (byte tokens). */
async function piecesOf(text: string, stops: string[]) {
  const { tokenizer } = await tinyModel();
  const w = new StopWatcher(tokenizer, new Set([258]), stops, { incremental: true });
  const pieces: string[] = [];
  let reason: string | number | null = null;
  for (const id of tokenizer.encode(text)) {
    const hit = w.push(id);
    pieces.push(w.takeText());
    if (hit) {
      reason = hit.reason;
      break;
    }
  }
  if (reason === null) w.finish();
  return { pieces, rest: w.takeText(), text: w.text, reason };
}

Deno.test("StopWatcher.takeText() holds back a tail that may begin a stop string and never hands out cut text", async () => {
  assert.deepEqual(await piecesOf("hello world", ["wor", "lx"]), {
    pieces: ["h", "e", "", "l", "lo", " ", "", "", ""],
    rest: "",
    text: "hello ",
    reason: "wor",
  });
});

Deno.test("StopWatcher.takeText() releases held-back text once it cannot begin a stop string", async () => {
  assert.deepEqual(await piecesOf("a wow", ["wx"]), {
    pieces: ["a", " ", "", "wo", ""],
    rest: "w",
    text: "a wow",
    reason: null,
  });
});

Deno.test("StopWatcher.takeText() waits for the last byte of a multi-byte character", async () => {
  assert.deepEqual(await piecesOf("café!", []), {
    pieces: ["c", "a", "f", "", "é", "!"],
    rest: "",
    text: "café!",
    reason: null,
  });
});

const REQUESTS: GenerationRequest[] = [
  { prompt: "The end", maxTokens: 40, temperature: 1, seed: 1, stop: ["e", " t"] },
  { prompt: "Hi", n: 2, maxTokens: 12, temperature: 0.9, seed: 3 },
  { messages: [{ role: "user", content: "Tell me" }], maxTokens: 20, temperature: 0 },
];

/** Runs REQUESTS with `onText`, checking the deltas against the results. */
async function checkDeltas(g: Generator) {
  const deltas: TextDelta[] = [];
  const results = await g.generate(REQUESTS, { onText: (d) => deltas.push(d) });
  const plain = await g.generate(REQUESTS);
  results.forEach((r, i) =>
    r.samples.forEach((s, k) => {
      const mine = deltas.filter((d) => d.request === i && d.sample === k);
      assert.equal(mine.map((d) => d.text).join(""), s.text, `request ${i} sample ${k}`);
      assert.equal(s.text, plain[i].samples[k].text, `streamed = not streamed, ${i}/${k}`);
      assert.deepEqual(
        mine.map((d) => d.finishReason !== null),
        [...mine.slice(1).map(() => false), true],
        "only the last delta finishes",
      );
      assert.equal(mine.at(-1)!.finishReason, s.finishReason);
      assert.equal(mine.at(-1)!.stopReason, s.stopReason);
      assert.ok(mine.every((d) => !d.text.includes("e")) || i !== 0, "no stop text leaks");
    })
  );
  assert.equal(deltas.filter((d) => d.finishReason !== null).length, 4, "one end per sample");
}

Deno.test("LocalGenerator onText deltas join to each sample's final text and end with its finish", async () => {
  const m = await tinyModel();
  const g = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
  });
  try {
    await checkDeltas(g);
  } finally {
    await g.close();
  }
});

Deno.test("WorkerGenerator passes onText deltas from the worker, in order", async () => {
  const m = await tinyModel();
  const g = await WorkerGenerator.load(m.dir, { session: { threads: 1 } });
  try {
    await checkDeltas(g);
  } finally {
    await g.close();
  }
});

Deno.test("a throwing onText fails its own call only", async () => {
  const m = await tinyModel();
  const g = await LocalGenerator.create(m.config, m.params, m.tokenizer, {
    session: { threads: 1 },
  });
  try {
    const failing = g.generate([{ prompt: "x", maxTokens: 30, ignoreEos: true }], {
      onText: () => {
        throw new Error("consumer broke");
      },
    });
    const other = g.generate([{ prompt: "y", maxTokens: 6, ignoreEos: true, temperature: 0 }]);
    await assert.rejects(failing, /consumer broke/);
    const [r] = await other;
    assert.equal(r.samples[0].responseIds.length, 6);
  } finally {
    await g.close();
  }
});
