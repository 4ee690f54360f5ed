package tallrec.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.LlamaModel;
import tallrec.llm.NativeAttention;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraConfig;
import tallrec.lora.LoraFixtures;

/**
 * Training steps' gradients for tests that compare two ways of computing them (activation
 * checkpointing, training's native attention): micro-batches accumulated through
 * {@link CausalLmLoss#forwardBackward} with fixed dropout seeds, then the given leaves' gradients.
 */
final class GradientRuns {

  /** Which attention the steps run. */
  enum Attention {
    /** What training picks for the shape ({@link LlamaModel#nativeTrainingAttention}). */
    AS_CHOSEN,
    /** The native attention whatever the shape (it must be loaded). */
    NATIVE,
    /** Autograd through torch's ops. */
    TORCH
  }

  /** The summed loss and each leaf's gradient (F64). */
  record Run(double loss, List<double[]> grads) {

    /** Max |this - other| over all gradients, and max |this|: {diff, size}. */
    double[] compare(Run other) {
      double diff = 0;
      double size = 0;
      for (int i = 0; i < grads.size(); i++) {
        double[] x = grads.get(i);
        double[] y = other.grads.get(i);
        for (int k = 0; k < x.length; k++) {
          diff = Math.max(diff, Math.abs(x[k] - y[k]));
          size = Math.max(size, Math.abs(x[k]));
        }
      }
      return new double[] {diff, size};
    }
  }

  private GradientRuns() {}

  /** Six MovieLens TALLRec examples (cut at 320 tokens) in two micro-batches of three. */
  static List<List<TrainExample>> movieMicroBatches(LlamaCheckpoints.Loaded l) {
    List<TrainExample> ex = new ArrayList<>();
    for (RecFixtures.Sample s : RecFixtures.movieLens(6, 0)) {
      ex.add(TrainExample.build(l.tokenizer, s.prompt(), s.response(), 320));
    }
    return List.of(ex.subList(0, 3), ex.subList(3, 6));
  }

  /**
   * LoRA on all seven projections with dropout, in training mode, its B non-zero so that A gets
   * gradients too and every path through the adapter is exercised.
   */
  static LoraAdapter allProjections(LlamaModel model) {
    LoraAdapter a = LoraAdapter.attach(model, new LoraConfig(4, 8, 0.1, List.of("q_proj", "k_proj", "v_proj",
        "o_proj", "gate_proj", "up_proj", "down_proj"), ""), 3);
    LoraFixtures.randomize(a, 5, 0.05);
    a.train(true);
    return a;
  }

  /** One optimizer step's gradients over {@code micro} (each weighted 1 / micro-batches), from zero. */
  static Run run(LlamaModel model, NDManager root, List<List<TrainExample>> micro, int padId, List<NDArray> leaves,
      Attention attention, boolean checkpointing) {
    boolean off = NativeAttention.off;
    NativeAttention.off = attention == Attention.TORCH;
    LlamaModel.alwaysNativeInTraining = attention == Attention.NATIVE;
    try (AdamW zero = new AdamW(leaves, root, 0.9, 0.999, 1e-8, 0.0)) {
      if (attention != Attention.AS_CHOSEN && model.nativeTrainingAttention(1, 1) != (attention == Attention.NATIVE)) {
        throw new AssertionError("training's attention is not " + attention + " here");
      }
      zero.zeroGradients();
      double loss = 0;
      for (int j = 0; j < micro.size(); j++) {
        try (NDManager scope = root.newSubManager()) {
          loss += CausalLmLoss.forwardBackward(model, scope, micro.get(j), true, padId, 1.0 / micro.size(),
              checkpointing, 1234 + j).lossValue();
        }
      }
      List<double[]> grads = new ArrayList<>();
      for (NDArray p : leaves) {
        try (NDArray g = p.getGradient()) {
          grads.add(g.toType(DataType.FLOAT64, false).toDoubleArray());
        }
      }
      return new Run(loss, grads);
    } finally {
      NativeAttention.off = off;
      LlamaModel.alwaysNativeInTraining = false;
    }
  }
}
