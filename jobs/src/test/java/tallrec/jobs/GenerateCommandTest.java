package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import tallrec.testing.SharedData;

/** {@code tallrec generate} and {@code tallrec bench scoring} end to end on the real tiny checkpoints. */
class GenerateCommandTest {

  /** Runs the CLI in process; it must exit 0 (stderr in the message). Returns stdout. */
  static String run(String... args) {
    CliRun r = CliRun.of(args);
    assertEquals(0, r.rc(), r.err());
    return r.out();
  }

  @Test
  void hfDirectoryPromptedGreedyPrintsPromptAndContinuation() throws Exception {
    String expected = Files.readString(SharedData.require("models/stories260K-hf/expected_prompted_greedy_80.txt"));
    String out = run("generate", "--model", SharedData.require("models/stories260K-hf").toString(),
        "--prompt", "Once upon a time, there was a dog named Max", "--max-new-tokens", "80", "--temperature", "0");
    assertEquals(expected + System.lineSeparator(), out);
  }

  /** Sampling settings no decoder means fail in one line before the model loads. */
  @Test
  void impossibleSamplingSettingsFail() {
    String model = SharedData.require("models/stories260K-hf").toString();
    for (String[] c : new String[][] {{"--max-new-tokens", "-5", "--max-new-tokens must be at least 1, got -5"},
        {"--temperature", "-1", "--temperature must be 0 (greedy) or positive, got -1.0"},
        {"--top-p", "0", "--top-p must be in (0, 1], got 0.0"}}) {
      CliRun r = CliRun.of("generate", "--model", model, c[0], c[1]);
      assertEquals(1, r.rc(), r.err());
      assertTrue(r.errorLine().contains(c[2]), r.errorLine());
    }
  }

  @Test
  void llama2cFromBosWithTokenizer() throws Exception {
    String expected = Files.readString(SharedData.require("models/stories260K/expected_greedy_200.txt"));
    String out = run("generate", "--model", SharedData.require("models/stories260K/stories260K.bin").toString(),
        "--tokenizer", SharedData.require("models/stories260K/tok512.bin").toString(),
        "--prompt", "", "--max-new-tokens", "200", "--temperature", "0");
    assertEquals(expected + System.lineSeparator(), out);
  }

  /**
   * {@code --precision f16}: the HF checkpoint's weights in F16 (logits widened to F32) continue the
   * prompt greedily as the F32 model does, token for token.
   */
  @Test
  void halfPrecisionGreedyContinuationMatchesF32() throws Exception {
    String expected = Files.readString(SharedData.require("models/stories260K-hf/expected_prompted_greedy_80.txt"));
    String out = run("generate", "--model", SharedData.require("models/stories260K-hf").toString(), "--precision",
        "f16", "--prompt", "Once upon a time, there was a dog named Max", "--max-new-tokens", "80", "--temperature", "0");
    assertEquals(expected + System.lineSeparator(), out);
  }

  /** BF16 arrays abort this engine's process: asking for them is a one-line error, not a crash. */
  @Test
  void bf16IsAClearErrorWhereTheEngineCannotHoldIt() {
    CliRun r = CliRun.of("generate", "--model", SharedData.require("models/stories260K-hf").toString(), "--precision",
        "bf16", "--prompt", "Once", "--max-new-tokens", "2");
    assertEquals(1, r.rc(), r.out());
    assertTrue(r.err().contains("--precision bf16") && r.err().contains("use f16"), r.err());
  }

  @Test
  void llama2cWithoutTokenizerIsAUsageError() {
    assertEquals(1, TallRecCli.execute("generate", "--model",
        SharedData.require("models/stories260K/stories260K.bin").toString(), "--max-new-tokens", "2"));
  }

  @Test
  void benchScoringReportsRatesForATinyPreset() {
    String out = run("bench", "scoring", "--preset", "stories260K", "--batch-sizes", "1,4", "--prompts", "4",
        "--seq-len", "40", "--matmul-size", "256");
    assertTrue(out.contains("batch   4:") && out.contains("% of matmul") && out.contains("peak RSS"), out);
  }

  /**
   * {@code --compare-attention} times the scoring forward before the attention work beside the
   * current one in the same run (prompts past one query block, so blocks are used), and leaves the
   * switch off after.
   */
  @Test
  void benchScoringComparesWholeAndBlockedAttention() {
    String out = run("bench", "scoring", "--preset", "stories260K", "--batch-sizes", "4", "--prompts", "4",
        "--seq-len", "160", "--shared-prefix", "40", "--matmul-size", "256", "--compare-attention");
    assertTrue(out.contains("batch   4, whole attention, prefix shared:"), out);
    if (tallrec.llm.NativeAttention.available()) {
      // Three ways: torch's query blocks with the native kernel off, then the fused kernel.
      assertTrue(out.contains("batch   4, torch query blocks + last position, prefix shared:")
          && out.contains("batch   4, native kernels + last position, prefix shared:")
          && out.contains("the native kernels score"), out);
    } else {
      assertTrue(out.contains("batch   4, query blocks + last position, prefix shared:")
          && out.contains("query-blocked attention and the last position alone score"), out);
    }
    assertTrue(!tallrec.llm.LlamaModel.wholeAttention, "the comparison leaves the model's switch off");
    assertTrue(!tallrec.llm.NativeAttention.off, "the comparison leaves the native kernel on");
  }
}
