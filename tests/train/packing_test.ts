import assert from "node:assert/strict";
import { lmBatch, packDocuments } from "../../lib/train/packing.ts";

Deno.test("packDocuments() puts an eos after every document and predicts every stream token once", () => {
  const p = packDocuments([[10, 11, 12, 13, 14], [20, 21]], { seqLen: 4, eosId: 2, padId: 0 });
  // stream 10 11 12 13 14 2 20 21 2 (9 tokens): rows start at 0 and 4 and 8 would hold one token.
  assert.deepEqual(p.rows.map((r) => [...r]), [[10, 11, 12, 13, 14], [14, 2, 20, 21, 2]]);
  assert.deepEqual(p.lengths, [5, 5]);
  assert.equal(p.tokens, 9);
});

Deno.test("lmBatch() shifts targets by one and masks the padded tail of the last row", () => {
  const p = packDocuments([[5, 6, 7]], { seqLen: 3, eosId: 9, padId: 0 });
  // stream 5 6 7 9 -> one full row [5 6 7 9]
  const q = packDocuments([[5, 6, 7, 8]], { seqLen: 3, eosId: 9, padId: 0 });
  // stream 5 6 7 8 9 -> rows [5 6 7 8], [8 9 0 0] (2 real tokens: one target)
  const b = lmBatch(q, [0, 1]);
  assert.deepEqual([...b.feeds.input_ids.data].map(Number), [5, 6, 7, 8, 9, 0]);
  assert.deepEqual([...b.feeds.targets.data].map(Number), [6, 7, 8, 9, 0, 0]);
  assert.deepEqual([...b.feeds.attention_mask.data].map(Number), [1, 1, 1, 1, 1, 0]);
  assert.deepEqual([...b.feeds.loss_mask.data], [1, 1, 1, 1, 0, 0]);
  assert.equal(b.targetTokens, 4);
  assert.equal(lmBatch(p, [0]).targetTokens, 3);
});
