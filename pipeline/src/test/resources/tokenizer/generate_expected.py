#!/usr/bin/python3
"""Writes the expected token ids that SentencePieceTokenizerTest checks against.

Run once with Google's sentencepiece (Debian: apt-get install python3-sentencepiece), from the
repository root, with the shared directory as argument:

    /usr/bin/python3 pipeline/src/test/resources/tokenizer/generate_expected.py ../shared

Outputs llama2_expected.json and stories260k_expected.json beside this script:
{"sentencepiece_version", "cases": [{text, ids, decoded}], "decode_cases": [{ids, decoded}]}.
Random strings use a fixed seed, so the output is reproducible.
"""
import json
import os
import random
import sys

import sentencepiece as spm

PROMPT = (
    "Below is an instruction that describes a task, paired with an input that provides further "
    "context. Write a response that appropriately completes the request.\n\n"
    "### Instruction:\nGiven the user's preference and unpreference, identify whether the user "
    "will like the target movie by answering \"Yes.\" or \"No.\".\n\n"
    "### Input:\nUser Preference: \"Paris, Texas (1984)\", \"Rebel Without a Cause (1955)\"\n"
    "User Unpreference: \"Kalifornia (1993)\"\n"
    "Whether the user will like the target movie \"Perez Family, The (1995)\"?\n\n"
    "### Response:\n"
)

FIXED = [
    "", "Yes", "No", "Yes.", "No.", " Yes", "Hello world", "Hello, world!",
    "Toy Story (1995)", "Amélie (2001)", "Cité des enfants perdus, La (1995)",
    "Léon: The Professional (1994)", "Señor Spielbergo's Fiesta", "Æon Flux — naïve café, façade",
    "Müller & Söhne: Straße", "東京物語 (1953)", "千と千尋の神隠し", "한국 영화", "Привет, мир",
    "Emoji 😀🎬🍿 test", "🤖", "a\u200bb", "tab\tseparated\tvalues", "line1\nline2\r\nline3",
    "   three leading spaces", "trailing spaces   ", "  both  ", "many     spaces    inside",
    " ", "  ", "     ", "\n", "\n\n", "\t", " \n ", "x", "12345 67890 3.14159", "2023-11-29T00:23:00Z",
    "<s>", "</s>", "<unk>", "<0x41>", "▁already escaped ▁", "C'est la vie! L'été.",
    "Don't stop-believin'... (really?)", "ÀÁÂÃÄÅ àáâãäå ÇÈÉÊË", "¡¿Qué?!", "§©®°±µ¶·¹º»¼½¾",
    "\u00a0non-breaking\u00a0space", "Ω≈ç√∫˜µ≤≥÷", "mixed 中文 and English 文字", "\U0001F600",
    "zero-width\u200djoiner", "quotes “curly” ‘single’ «guillemets»",
    PROMPT, PROMPT + "Yes.", PROMPT + "No.", PROMPT + "Yes", PROMPT + "No",
    "### Response:\nYes.", "### Response:\nNo.",
    "User Preference: \"Amélie (2001)\", \"Cité des enfants perdus, La (1995)\"\n",
]

ALPHABET = (list("abcdefghijklmnopqrstuvwxyz") * 4 + list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            + list("0123456789.,;:!?'\"()-") + [" "] * 25 + ["\n", "\t", "  "]
            + list("éèàçüößñøåÆ") + list("東京物語映画") + ["😀", "🎬", "\u2581", "ǅ", "ﬁ"])
WORDS = ["the", "movie", "user", "will", "like", "Yes", "No", "(1995)", "Story", "preference",
         "Response", "###", "Instruction", "Input", "answer", "target", "whether", "Amélie"]


def random_cases(seed, n):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.5:
                parts.append(rng.choice(WORDS))
            else:
                parts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8))))
            parts.append(rng.choice([" ", " ", " ", "", "  ", "\n"]))
        out.append("".join(parts))
    return out


def decode_cases(sp):
    size = sp.get_piece_size()
    yes = sp.encode("Yes")
    cases = [[], [1], [1, 2], [1] + yes, yes + [2], [0], [0] + yes, yes + [0],
             [sp.piece_to_id("\u2581")] + yes if sp.piece_to_id("\u2581") != 0 else yes,
             [3 + 0xC3], [3 + 0xC3, 3 + 0xA9], [3 + 0xE6, 3 + 0x9D], [3 + 0xFF] + yes,
             [3 + 0x41] + yes, [3 + 0x20] + yes]
    rng = random.Random(7)
    for _ in range(30):
        cases.append([rng.randrange(size) for _ in range(rng.randint(1, 20))])
    return [{"ids": ids, "decoded": sp.decode(ids)} for ids in cases]


def write(model_path, out_path, n_random):
    sp = spm.SentencePieceProcessor(model_file=model_path)
    texts = FIXED + random_cases(42, n_random)
    cases = [{"text": t, "ids": sp.encode(t), "decoded": sp.decode(sp.encode(t))} for t in texts]
    doc = {
        "generator": "generate_expected.py",
        "sentencepiece_version": spm.__version__,
        "model": os.path.relpath(model_path, sys.argv[1]),
        "cases": cases,
        "decode_cases": decode_cases(sp),
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(out_path, len(cases), "cases")


if __name__ == "__main__":
    shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
    here = os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(shared, "models/llama2-tokenizer/tokenizer.model"),
          os.path.join(here, "llama2_expected.json"), 300)
    write(os.path.join(shared, "models/stories260K-hf/tokenizer.model"),
          os.path.join(here, "stories260k_expected.json"), 300)
