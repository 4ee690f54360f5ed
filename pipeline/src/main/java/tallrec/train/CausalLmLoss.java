package tallrec.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import tallrec.llm.LlamaModel;
import tallrec.llm.PaddingSide;
import tallrec.llm.TokenBatch;

/**
 * Next-token cross-entropy of a micro-batch, averaged over the predicted tokens (HF's
 * CrossEntropyLoss with ignore_index -100): {@code -mean(logSoftmax(logits)[t, ids[t+1]])} over
 * positions whose target is not masked. Right-padded; pads are never predicted.
 */
public final class CausalLmLoss {

  /** The loss array (in the scope, on the gradient path when built inside a collector) and its parts. */
  public record Result(NDArray loss, int predictedTokens, int tokens) {}

  private CausalLmLoss() {}

  /** The value of a 0-d F32 or F64 array. */
  public static double value(NDArray scalar) {
    return scalar.getDataType() == ai.djl.ndarray.types.DataType.FLOAT64 ? scalar.getDouble() : scalar.getFloat();
  }

  /**
   * @param weight multiplies the mean (e.g. 1 / micro-batches per step for accumulation)
   * @param keepGraph true for training (keeps activations for backward)
   */
  public static Result compute(LlamaModel model, NDManager scope, List<TrainExample> examples,
      boolean trainOnInputs, int padId, double weight, boolean keepGraph) {
    List<int[]> seqs = new ArrayList<>(examples.size());
    for (TrainExample e : examples) {
      seqs.add(e.ids());
    }
    TokenBatch batch = TokenBatch.of(seqs, PaddingSide.RIGHT, padId);
    int b = batch.batch;
    int t = batch.length;
    long[] targets = new long[b * t];
    float[] w = new float[b * t];
    int count = 0;
    int tokens = 0;
    for (int r = 0; r < b; r++) {
      TrainExample e = examples.get(r);
      tokens += e.ids().length;
      for (int p = 0; p < t; p++) {
        if (p < e.ids().length && e.predicts(p, trainOnInputs)) {
          targets[r * t + p] = e.ids()[p + 1];
          w[r * t + p] = 1f;
          count++;
        }
      }
    }
    if (count == 0) {
      throw new IllegalArgumentException("micro-batch has no token to predict (all labels masked)");
    }
    NDArray hidden = model.forward(scope, batch, null, keepGraph);
    NDArray logits = model.logits(hidden);
    NDArray logp = logits.logSoftmax(-1);
    NDArray tgt = scope.create(targets, new Shape(b, t, 1));
    NDArray picked = logp.gather(tgt, -1);
    NDArray wArr = scope.create(w, new Shape(b, t, 1)).toType(picked.getDataType(), false);
    NDArray factor = scope.full(new Shape(), (float) (-weight / count), picked.getDataType());
    NDArray loss = picked.mul(wArr).sum().mul(factor);
    return new Result(loss, count, tokens);
  }
}
