import assert from "node:assert/strict";
import {
  parseStyleMixWeights,
  repetitionFraction,
  StyleMixReward,
  styleTerms,
} from "../../lib/reward/style_mix.ts";
import { ruleReward } from "../../lib/reward/rules.ts";
import { record } from "./_fixtures.ts";

const off = { repetition_ngram: 2, length_target: null };

Deno.test("repetitionFraction() counts n-grams that repeat an earlier one", () => {
  // bigrams (1,2) (2,1) (1,2) (2,1) (1,2): the last three repeat -> 3/5
  assert.equal(repetitionFraction([1, 2, 1, 2, 1, 2], 2), 0.6);
  // trigrams (5,5,5) x3: two repeats of three
  assert.equal(repetitionFraction([5, 5, 5, 5, 5], 3), 2 / 3);
  assert.equal(repetitionFraction([1, 2, 3, 4], 2), 0);
  assert.equal(repetitionFraction([1, 2, 3], 4), 0); // fewer than n tokens
  assert.equal(repetitionFraction([7], 1), 0);
  assert.equal(repetitionFraction([7, 7], 1), 0.5);
});

Deno.test("styleTerms() gives no_stop, empty and clean_stop from the finish reason and the text", () => {
  assert.deepEqual(styleTerms(record({ finishReason: "length" }), off), {
    no_stop: 1,
    repetition: 0,
    length_excess: 0,
    empty: 0,
    clean_stop: 0,
  });
  const blank = styleTerms(record({ response: " \n\t\r\v\f", responseIds: [258] }), off);
  assert.equal(blank.empty, 1);
  assert.equal(blank.clean_stop, 0);
  // A no-break space is not in the blank set (it keeps the Python port identical).
  assert.equal(styleTerms(record({ response: "\u00a0" }), off).empty, 0);
  assert.equal(styleTerms(record({ response: "ok" }), off).clean_stop, 1);
  assert.equal(styleTerms(record({ response: "", finishReason: "length" }), off).empty, 1);
});

Deno.test("styleTerms() gives length_excess as the excess over the target relative to it", () => {
  const ids = Array.from({ length: 15 }, (_, i) => i);
  assert.equal(
    styleTerms(record({ responseIds: ids }), { ...off, length_target: 10 }).length_excess,
    0.5,
  );
  assert.equal(
    styleTerms(record({ responseIds: ids }), { ...off, length_target: 20 }).length_excess,
    0,
  );
  assert.equal(styleTerms(record({ responseIds: ids }), off).length_excess, 0);
});

Deno.test("StyleMixReward scores rm_weight*rm minus the weighted penalties plus the clean-stop bonus", async () => {
  const base = ruleReward("fixed", () => 2);
  const mix = new StyleMixReward(base, {
    rm_weight: 0.5,
    no_stop_penalty: 1,
    repetition_penalty: 2,
    repetition_ngram: 2,
    length_target: 4,
    length_penalty: 0.5,
    empty_penalty: 3,
    clean_stop_bonus: 0.25,
  });
  const out = await mix.score([
    // 6 ids, bigram repetition 0.6, excess (6-4)/4 = 0.5, cut by the budget
    record({ response: "abab", responseIds: [1, 2, 1, 2, 1, 2], finishReason: "length" }),
    // 3 ids, no repetition, stopped by itself
    record({ response: "fine", responseIds: [1, 2, 3], finishReason: "stop" }),
    // blank, stopped: empty
    record({ response: "  ", responseIds: [9], finishReason: "stop" }),
  ]);
  assert.deepEqual(out[0].terms, {
    rm: 2,
    no_stop: 1,
    repetition: 0.6,
    length_excess: 0.5,
    empty: 0,
    clean_stop: 0,
  });
  assert.equal(out[0].score, 0.5 * 2 - 1 - 2 * 0.6 - 0.5 * 0.5); // -1.45
  assert.ok(Math.abs(out[0].score - -1.45) < 1e-12);
  assert.equal(out[1].score, 1 + 0.25);
  assert.equal(out[2].score, 1 - 3);
  assert.equal(out[2].terms.empty, 1);
});

Deno.test("parseStyleMixWeights() fills defaults and names a bad field", () => {
  assert.equal(parseStyleMixWeights().repetition_ngram, 4);
  assert.equal(parseStyleMixWeights().length_target, null);
  assert.throws(
    () => parseStyleMixWeights({ repetition_ngram: 0 }),
    /reward_model\.style_mix\.repetition_ngram/,
  );
  assert.throws(
    () => parseStyleMixWeights({ rm_weight: Number.NaN }),
    /reward_model\.style_mix\.rm_weight/,
  );
});
