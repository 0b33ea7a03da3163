import { deepStrictEqual, rejects, strictEqual, throws } from "node:assert/strict";
import { join } from "node:path";
import {
  byteLevelTokenizerFiles,
  createTokenizer,
  loadTokenizer,
  type TokenizerFiles,
  writeByteLevelTokenizer,
} from "../../lib/tokenizer/mod.ts";

const base = byteLevelTokenizerFiles();

function withConfig(config: Record<string, unknown>, extra: Partial<TokenizerFiles> = {}) {
  return createTokenizer({
    tokenizerJson: base.tokenizerJson,
    tokenizerConfig: { ...base.tokenizerConfig, ...config },
    source: "/models/m",
    ...extra,
  });
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadTokenizer() adds generation_config.json and config.json eos ids, deduplicated", async () => {
  await inTempDir(async (dir) => {
    await writeByteLevelTokenizer(dir);
    await Deno.writeTextFile(
      join(dir, "generation_config.json"),
      JSON.stringify({ eos_token_id: [258, 256], pad_token_id: 256 }),
    );
    await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify({ eos_token_id: 257 }));
    const tok = await loadTokenizer(dir);
    deepStrictEqual(tok.eosTokenIds, [258, 256, 257]);
    strictEqual(tok.padTokenId, 256);
    strictEqual(tok.source, dir);
  });
});

Deno.test("loadTokenizer() reads chat_template.jinja over tokenizer_config.json's template", async () => {
  await inTempDir(async (dir) => {
    await writeByteLevelTokenizer(dir);
    await Deno.writeTextFile(
      join(dir, "chat_template.jinja"),
      "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}",
    );
    const tok = await loadTokenizer(dir);
    strictEqual(tok.applyChatTemplate([{ role: "user", content: "hi" }]), "[user] hi\n");
  });
});

Deno.test("loadTokenizer() works with tokenizer.json alone", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "tokenizer.json"), JSON.stringify(base.tokenizerJson));
    const tok = await loadTokenizer(dir);
    deepStrictEqual(tok.encode("ok"), [111, 107]);
    deepStrictEqual(tok.eosTokenIds, []);
    strictEqual(tok.padTokenId, null);
    strictEqual(tok.chatTemplate, null);
  });
});

Deno.test("loadTokenizer() names the missing tokenizer.json and malformed JSON files", async () => {
  await inTempDir(async (dir) => {
    await rejects(loadTokenizer(dir), new RegExp(`${dir}/tokenizer.json: file not found`));
    await writeByteLevelTokenizer(dir);
    await Deno.writeTextFile(join(dir, "config.json"), "{ not json");
    await rejects(loadTokenizer(dir), new RegExp(`${dir}/config.json: not valid JSON`));
  });
});

Deno.test("pad falls back to generation_config/config pad_token_id when tokenizer_config has none", () => {
  strictEqual(
    withConfig({ pad_token: null }, { generationConfig: { pad_token_id: 257 } }).padTokenId,
    257,
  );
  strictEqual(
    withConfig({ pad_token: null }, { modelConfig: { pad_token_id: 259 } }).padTokenId,
    259,
  );
  strictEqual(withConfig({ pad_token: null }).padTokenId, null);
});

Deno.test("special tokens given as AddedToken dicts are read by their content", () => {
  const tok = withConfig({
    eos_token: { __type: "AddedToken", content: "<|endoftext|>", special: true },
    bos_token: { content: "<|im_start|>" },
  });
  deepStrictEqual(tok.eosTokenIds, [256]);
  strictEqual(tok.eosToken, "<|endoftext|>");
  strictEqual(tok.bosTokenId, 257);
});

Deno.test("invalid tokenizer_config.json fields are reported with file and field", () => {
  throws(
    () => withConfig({ eos_token: 7 }),
    /\/models\/m\/tokenizer_config.json: invalid contents; field "eos_token"/,
  );
  throws(
    () => withConfig({ eos_token: "<|nope|>" }),
    /\/models\/m\/tokenizer_config.json: field "eos_token" is "<\|nope\|>", not a token/,
  );
  throws(
    () => withConfig({}, { generationConfig: { eos_token_id: "x" } }),
    /\/models\/m\/generation_config.json: invalid contents; field "eos_token_id"/,
  );
});

Deno.test("a tokenizer.json without added_tokens or model is reported by field", () => {
  const { added_tokens: _, ...noAdded } = base.tokenizerJson;
  throws(
    () => createTokenizer({ tokenizerJson: noAdded, source: "/models/m" }),
    /\/models\/m\/tokenizer.json: invalid contents; field "added_tokens"/,
  );
  throws(
    () => createTokenizer({ tokenizerJson: [], source: "/models/m" }),
    /\/models\/m\/tokenizer.json: invalid contents/,
  );
});

Deno.test("decode() rejects ids that are not non-negative integers", () => {
  const tok = withConfig({});
  throws(() => tok.decode([1, -1]), /non-negative integers, got -1/);
  throws(() => tok.decode([1.5]), /non-negative integers, got 1.5/);
  strictEqual(tok.decode([]), "");
});

Deno.test("encode() with addSpecialTokens applies the post-processor's template", () => {
  // A Llama-style TemplateProcessing post-processor that prepends a BOS token.
  const json = structuredClone(base.tokenizerJson);
  json.post_processor = {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "<|endoftext|>", type_id: 0 } }, {
      Sequence: { id: "A", type_id: 0 },
    }],
    pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: {
      "<|endoftext|>": { id: "<|endoftext|>", ids: [256], tokens: ["<|endoftext|>"] },
    },
  };
  const tok = createTokenizer({ tokenizerJson: json, tokenizerConfig: base.tokenizerConfig });
  deepStrictEqual(tok.encode("a"), [256, 97]);
  deepStrictEqual(tok.encode("a", { addSpecialTokens: false }), [97]);
});
