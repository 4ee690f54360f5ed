package tallrec.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import tallrec.llm.GradMode;
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
  public record Result(NDArray loss, int predictedTokens, int tokens, double lossValue) {
    public Result(NDArray loss, int predictedTokens, int tokens) {
      this(loss, predictedTokens, tokens, Double.NaN);
    }
  }

  private CausalLmLoss() {}

  /** The value of a 0-d F32 or F64 array. */
  public static double value(NDArray scalar) {
    return scalar.getDataType() == DataType.FLOAT64 ? scalar.getDouble() : scalar.getFloat();
  }

  /**
   * @param weight multiplies the mean (e.g. 1 / micro-batches per step for accumulation)
   * @param keepGraph true for training (keeps activations for backward)
   */
  public static Result compute(LlamaModel model, NDManager scope, List<TrainExample> examples,
      boolean trainOnInputs, int padId, double weight, boolean keepGraph) {
    Targets tg = targets(examples, trainOnInputs, padId);
    NDArray hidden = model.forward(scope, tg.batch, null, keepGraph);
    return new Result(loss(model, hidden, tg, weight), tg.count, tg.tokens);
  }

  /** A right-padded batch and its next-token targets and weights. */
  private record Targets(TokenBatch batch, long[] targets, float[] weights, int count, int tokens) {}

  private static Targets targets(List<TrainExample> examples, boolean trainOnInputs, int padId) {
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
      List<String> ids = new ArrayList<>();
      for (TrainExample e : examples) {
        ids.add(e.id());
      }
      throw new IllegalArgumentException("micro-batch " + ids + " has no token to predict: every answer is masked or"
          + " cut (with tune.truncation = cut-tail and train-on-inputs = false, a sample longer than cutoff-len"
          + " loses its answer; raise cutoff-len or use truncation = drop-history)");
    }
    return new Targets(batch, targets, w, count, tokens);
  }

  /** The weighted mean loss of final hidden states [b, t, hidden] (in hidden's manager). */
  private static NDArray loss(LlamaModel model, NDArray hidden, Targets tg, double weight) {
    NDManager scope = hidden.getManager();
    int b = tg.batch.batch;
    int t = tg.batch.length;
    NDArray logits = model.logits(hidden);
    NDArray logp = logits.logSoftmax(-1);
    NDArray tgt = scope.create(tg.targets, new Shape(b, t, 1));
    NDArray picked = logp.gather(tgt, -1);
    NDArray wArr = scope.create(tg.weights, new Shape(b, t, 1)).toType(picked.getDataType(), false);
    NDArray factor = scope.full(new Shape(), (float) (-weight / tg.count), picked.getDataType());
    return picked.mul(wArr).sum().mul(factor);
  }

  /**
   * Forward and backward of one micro-batch: the gradients of every parameter that requires them
   * (the LoRA A and B) accumulate; returns the loss (its value only: the graph is gone).
   *
   * <p>Before decoder layer l runs, torch's RNG is seeded from {@code (dropoutSeed, l)}, so the
   * adapter's dropout masks are a function of the seed and the layer alone, whichever way the
   * layers are run. With {@code checkpointing} (activation checkpointing, as HF's
   * gradient_checkpointing): the layers first run without recording a graph, keeping only each
   * layer's input; the loss is back-propagated to the last layer's input; then, from the top, each
   * layer is re-run with recording from its kept input and back-propagated with the incoming
   * gradient (torch's {@code backward(output, grad)}), which yields the gradient for the layer
   * below. Peak memory is then the layer inputs plus one layer's graph plus the LM head's, instead
   * of every layer's graph, for about one more forward of compute.
   *
   * <p>Where {@link LlamaModel#nativeTrainingAttention} holds for the micro-batch (the CPU, F32
   * weights, small heads, a large score tensor), the attention runs in native code forward and
   * backward ({@link #withNativeAttention}; with checkpointing, each layer is recomputed as
   * {@link NativeLayer}'s two graphs), with the same results up to rounding.
   */
  public static Result forwardBackward(LlamaModel model, NDManager scope, List<TrainExample> examples,
      boolean trainOnInputs, int padId, double weight, boolean checkpointing, int dropoutSeed) {
    Targets tg = targets(examples, trainOnInputs, padId);
    int layers = model.numLayers();
    double value;
    boolean nativeAttention = model.nativeTrainingAttention(tg.batch.batch, tg.batch.length);
    if (!checkpointing && nativeAttention) {
      return new Result(null, tg.count, tg.tokens, withNativeAttention(model, scope, tg, weight, dropoutSeed));
    }
    if (!checkpointing) {
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        LlamaModel.Prepared p = model.prepare(scope, tg.batch);
        NDArray h = p.embedded;
        for (int l = 0; l < layers; l++) {
          seedLayer(dropoutSeed, l);
          h = model.layerForward(l, h, p);
        }
        NDArray loss = loss(model, model.finalNorm(h), tg, weight);
        gc.backward(loss);
        value = value(loss);
      }
      return new Result(null, tg.count, tg.tokens, value);
    }
    GradMode.off();
    // 1. Forward without a graph (autograd is off outside a collector), keeping each layer's input.
    LlamaModel.Prepared p = model.prepare(scope, tg.batch, !nativeAttention);
    NDArray[] inputs = new NDArray[layers + 1];
    inputs[0] = p.embedded;
    for (int l = 0; l < layers; l++) {
      try (NDManager work = scope.newSubManager()) {
        NDArray x = inputs[l];
        x.attach(work);
        seedLayer(dropoutSeed, l);
        NDArray out = nativeAttention ? NativeLayer.forward(model, l, x, p, false, false).output
            : model.layerForward(l, x, p);
        x.attach(scope);
        out.attach(scope);
        inputs[l + 1] = out;
      }
    }
    // 2. The head: loss from the last layer's output, back-propagated to that output.
    NDArray grad;
    try (NDManager work = scope.newSubManager()) {
      NDArray top = inputs[layers];
      top.attach(work);
      top.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = loss(model, model.finalNorm(top), tg, weight);
        gc.backward(loss);
        value = value(loss);
      }
      grad = top.getGradient();
      grad.attach(scope);
    }
    // 3. Each layer again, top down, with a graph: backward(output, incoming gradient).
    for (int l = layers - 1; l >= 0; l--) {
      try (NDManager work = scope.newSubManager()) {
        NDArray x = inputs[l];
        x.attach(work);
        boolean below = l > 0;
        NDArray inputGrad;
        if (nativeAttention) {
          seedLayer(dropoutSeed, l);
          inputGrad = NativeLayer.forward(model, l, x, p, true, below).backward(model, grad, p);
        } else {
          if (below) {
            x.setRequiresGradient(true);
          }
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            seedLayer(dropoutSeed, l);
            NDArray out = model.layerForward(l, x, p);
            JniUtils.backward((PtNDArray) out, (PtNDArray) grad, false, false);
          }
          inputGrad = below ? x.getGradient() : null;
        }
        grad.close();
        if (below) {
          grad = inputGrad;
          grad.attach(scope);
        }
      }
    }
    return new Result(null, tg.count, tg.tokens, value);
  }

  /**
   * Forward and backward with each layer's attention in native code (no score tensor, no softmax
   * kept for backward: {@link LlamaModel#trainingAttention}); returns the loss. Each layer runs as
   * {@link NativeLayer}'s two graphs, its output detached as the next layer's input; backward runs
   * from the top: the loss to the last layer's output, then each layer's {@link NativeLayer#backward}
   * down to the embeddings when they train. Parameters' gradients accumulate over these calls as
   * over one backward, and the dropout masks are the same (the RNG is seeded per layer and drawn in
   * the same order).
   */
  private static double withNativeAttention(LlamaModel model, NDManager scope, Targets tg, double weight,
      int dropoutSeed) {
    int layers = model.numLayers();
    boolean embeddingsTrain = model.embeddingsTrain();
    LlamaModel.Prepared p;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      p = model.prepare(scope, tg.batch, false); // recorded: pretraining trains the embeddings
    }
    NativeLayer[] tape = new NativeLayer[layers];
    NDArray h = p.embedded;
    for (int l = 0; l < layers; l++) {
      seedLayer(dropoutSeed, l);
      // LoRA leaves the embeddings frozen: the first layer's input gradient is not computed then.
      tape[l] = NativeLayer.forward(model, l, h, p, true, l > 0 || embeddingsTrain);
      h = tape[l].output;
    }
    NDArray top = h.stopGradient();
    top.setRequiresGradient(true);
    double value;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss = loss(model, model.finalNorm(top), tg, weight);
      gc.backward(loss);
      value = value(loss);
    }
    NDArray grad = top.getGradient();
    for (int l = layers - 1; l >= 0; l--) {
      grad = tape[l].backward(model, grad, p);
    }
    if (embeddingsTrain) {
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        JniUtils.backward((PtNDArray) p.embedded, (PtNDArray) grad, false, false);
      }
    }
    return value;
  }

  /**
   * One decoder layer with its attention in native code, as autograd sees it: two graphs around the
   * kernel, since autograd cannot run through native code. The first from the layer's input (a
   * detached copy: a leaf) to its q, k and v, packed into one array so one backward call takes all
   * three gradients; the second from that input and the attention's output (a leaf too) to the
   * layer's output. Without {@code record} the same ops run with no graph (activation
   * checkpointing's first pass), so its outputs are the same bits as the recorded ones.
   */
  private record NativeLayer(NDArray input, NDArray qkv, NDArray[] attention, NDArray output, boolean inputGrad,
      boolean below) {

    /**
     * @param h the layer's input, in the manager every result of the layer goes to
     * @param inputGrad whether the input's gradient is wanted (anything below it trains)
     */
    static NativeLayer forward(LlamaModel model, int l, NDArray h, LlamaModel.Prepared p, boolean record,
        boolean inputGrad) {
      NDArray x = h.stopGradient();
      boolean grads = record && inputGrad;
      if (grads) {
        x.setRequiresGradient(true);
      }
      NDArray qkv;
      try (GradientCollector gc = record ? Engine.getInstance().newGradientCollector() : null) {
        qkv = model.attentionInputs(l, x, p);
      }
      NDArray[] attention = model.trainingAttention(qkv, p);
      if (record) {
        attention[0].setRequiresGradient(true);
      }
      NDArray out;
      try (GradientCollector gc = record ? Engine.getInstance().newGradientCollector() : null) {
        out = model.attentionOutput(l, x, attention[0]);
      }
      // Whether backward has anywhere to go below the attention: this layer's q, k or v weights, or
      // (through the input) anything below.
      return new NativeLayer(x, qkv, attention, out, grads, grads || model.attentionInputsTrain(l));
    }

    /**
     * Back from {@code grad}, the gradient of the output: through the second graph (to the
     * attention's output, the input and that graph's parameters), the native backward to q, k and v,
     * and back through the first graph, which adds the rest of the input's gradient. Returns the
     * input's gradient (null when it is not wanted).
     */
    NDArray backward(LlamaModel model, NDArray grad, LlamaModel.Prepared p) {
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        JniUtils.backward((PtNDArray) output, (PtNDArray) grad, false, false);
      }
      if (below) {
        NDArray d = model.trainingAttentionBackward(qkv, attention, attention[0].getGradient(), p);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          JniUtils.backward((PtNDArray) qkv, (PtNDArray) d, false, false);
        }
      }
      return inputGrad ? input.getGradient() : null;
    }
  }

  static void seedLayer(int dropoutSeed, int layer) {
    long h = dropoutSeed * 0x9E3779B97F4A7C15L + layer * 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    Engine.getInstance().setRandomSeed((int) (h & 0x7fffffff));
  }
}
