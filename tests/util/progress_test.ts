import assert from "node:assert/strict";
import { createProgress, formatAmount, formatDuration } from "../../lib/util/progress.ts";

Deno.test("createProgress() prints done/total, rate and ETA, throttled to the interval", () => {
  let now = 0;
  const lines: string[] = [];
  const p = createProgress({
    total: 100,
    label: "train",
    unit: "step",
    intervalMs: 1000,
    write: (t) => lines.push(t),
    inPlace: false,
    now: () => now,
  });
  now = 500;
  p.tick(10); // first update prints
  now = 900;
  p.tick(10); // within the interval: silent
  now = 2000;
  p.update(50);
  assert.equal(lines.length, 2);
  assert.equal(lines[1], "train  50/100 (50.0%)  25.0 step/s  elapsed 0:02  ETA 0:02\n");
  now = 4000;
  p.update(100);
  p.finish();
  p.tick(); // ignored after finish
  assert.equal(lines.at(-1), "train  100/100 (100.0%)  25.0 step/s  elapsed 0:04\n");
  assert.equal(p.done, 100);
});

Deno.test("createProgress() redraws one line in place on a terminal and formats bytes", () => {
  let now = 0;
  const out: string[] = [];
  const p = createProgress({
    total: null,
    label: "dl",
    unit: "B",
    write: (t) => out.push(t),
    inPlace: true,
    now: () => now,
  });
  now = 1000;
  p.update(2_500_000);
  p.finish();
  assert.equal(out[0], "\r\x1b[2Kdl  2.5 MB  2.5 MB/s  elapsed 0:01");
  assert.ok(out[1].endsWith("\n"));
});

Deno.test("formatAmount() and formatDuration() render human units", () => {
  assert.equal(formatAmount(999, "B"), "999 B");
  assert.equal(formatAmount(1_234_567_890, "B"), "1.2 GB");
  assert.equal(formatAmount(12, "it"), "12");
  assert.equal(formatDuration(59.6), "1:00");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(Infinity), "?");
});

Deno.test("createProgress() prints the caller's detail after the label, read at each line", () => {
  let now = 0, tasks = 1;
  const lines: string[] = [];
  const p = createProgress({
    total: 4,
    label: "gsm8k",
    unit: "samples",
    detail: () => `tasks ${tasks}/3`,
    write: (t) => lines.push(t),
    now: () => now,
  });
  now = 2000;
  tasks = 2;
  p.tick(2);
  now = 4000;
  tasks = 3;
  p.tick(2);
  p.finish();
  assert.deepEqual(lines, [
    "gsm8k  tasks 2/3  2/4 (50.0%)  1.00 samples/s  elapsed 0:02  ETA 0:02\n",
    "gsm8k  tasks 3/3  4/4 (100.0%)  1.00 samples/s  elapsed 0:04  ETA 0:00\n",
    "gsm8k  tasks 3/3  4/4 (100.0%)  1.00 samples/s  elapsed 0:04\n",
  ]);
});
