package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import tallrec.testing.SharedData;

/** Shared helpers for the tallrec.llm tests. */
final class LlmFixtures {

  private LlmFixtures() {}

  static final String TALLREC_PROMPT =
      "Below is an instruction that describes a task, paired with an input that provides further context. "
          + "Write a response that appropriately completes the request.\n\n"
          + "### Instruction:\nGiven the user's preference and unpreference, identify whether the user will like "
          + "the target movie by answering \"Yes.\" or \"No.\".\n\n"
          + "### Input:\nUser Preference: \"Toy Story (1995)\", \"Heat (1995)\"\n"
          + "User Unpreference: \"Jumanji (1995)\"\n"
          + "Whether the user will like the target movie \"Casino (1995)\"?\n\n### Response:\n";

  static LlamaCheckpoints.Loaded llama2c(NDManager m) {
    return LlamaCheckpoints.load(SharedData.require("models/stories260K/stories260K.bin"),
        new LlamaCheckpoints.Options().tokenizer(SharedData.require("models/stories260K/tok512.bin")), m);
  }

  static LlamaCheckpoints.Loaded hf(NDManager m) {
    return LlamaCheckpoints.load(SharedData.require("models/stories260K-hf"), new LlamaCheckpoints.Options(), m);
  }

  /** Logits [T, V] of one sequence, flattened. */
  static float[] logits(LlamaModel model, int[] ids) {
    try (NDManager scope = model.manager().getParentManager().newSubManager()) {
      NDArray h = model.forward(scope, TokenBatch.of(List.of(ids), PaddingSide.RIGHT, 0), null, false);
      return model.logits(h).toFloatArray();
    }
  }

  static float maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths " + a.length + " vs " + b.length);
    }
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
