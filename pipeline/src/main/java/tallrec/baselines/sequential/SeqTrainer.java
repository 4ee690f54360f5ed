package tallrec.baselines.sequential;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import tallrec.eval.RankAuc;
import tallrec.llm.GradMode;
import tallrec.llm.ThreadGradients;

/**
 * Trains one model with one weight decay, as the reference scripts do: Adam (lr 1e-3, coupled L2),
 * MSE between sigmoid(logit) and the label (+ DROS's robust term), shuffled mini-batches of the
 * K-shot set; every {@code evalEvery} steps (and after the last) the validation rows are scored and
 * the weights of the step with the best validation AUC are kept (early stopping after
 * {@code patience} validations without improvement); those weights then score every evaluation
 * row. Without a usable validation AUC (no valid rows, or one class only) the last weights are kept.
 *
 * <p>Deterministic on CPU for a seed: weights from {@link Params}, batch order and dropout masks from
 * seeded {@link SplittableRandom}s, no torch randomness.
 */
final class SeqTrainer {

  /** One trained model's outcome. */
  /**
   * @param losses the prediction loss (MSE) of every step
   * @param totalLosses the optimised loss of every step (MSE, + the robust term for DROS)
   */
  record Result(double weightDecay, double validAuc, int bestStep, int steps, float[] scores, List<Double> losses,
      List<Double> totalLosses, double seconds) {}

  private static final int EVAL_CHUNK = 2048;

  private SeqTrainer() {}

  static Result train(Architecture arch, SeqSettings s, ItemVectors vectors, ItemIndex index, SeqData train,
      SeqData eval, double weightDecay, long seed) {
    long t0 = System.nanoTime();
    Engine.getInstance().setRandomSeed((int) seed);
    int[] validRows = rowsWhere(eval, true);
    int[] validLabels = eval.labelsInt(validRows);
    try (NDManager root = NDManager.newBaseManager()) {
      Params params = new Params(root.newSubManager(), seed);
      SeqModel model = arch.build(params, s, index, vectors);
      Adam adam = new Adam(model.parameters(), root, s.lr(), weightDecay);
      NDArray dro = arch == Architecture.DROS ? propensity(root, train, index, s.drosBeta()) : null;
      NDArray alpha = params.scalar(s.drosAlpha());
      int perEpoch = (train.n + s.batch() - 1) / s.batch();
      int total = s.epochs() * perEpoch;
      List<Double> losses = new ArrayList<>();
      List<Double> totalLosses = new ArrayList<>();
      double best = Double.NaN;
      List<NDArray> bestParams = null;
      int bestStep = 0;
      int sinceBest = 0;
      int step = 0;
      int[] order = null;
      boolean stop = false;
      while (!stop && step < total) {
        int epoch = step / perEpoch;
        int pos = step % perEpoch;
        if (pos == 0) {
          order = permutation(train.n, new SplittableRandom(mix(seed, epoch)));
        }
        int[] rows = Arrays.copyOfRange(order, pos * s.batch(), Math.min(train.n, (pos + 1) * s.batch()));
        Dropout drop = new Dropout(s.dropout(), new SplittableRandom(mix(seed ^ 0x5DEECE66DL, step)));
        try (NDManager scope = root.newSubManager()) {
          Batch b = new Batch(train, rows, scope);
          // Not DJL's GradientCollector: it allows one per process, and fits train side by side.
          try (ThreadGradients gc = ThreadGradients.record()) {
            NDArray[] loss = loss(model, b, scope, drop, dro, alpha);
            gc.backward(loss[1]);
            losses.add((double) loss[0].getFloat());
            totalLosses.add((double) loss[1].getFloat());
          }
        }
        adam.step();
        step++;
        if (step % s.evalEvery() == 0 || step == total) {
          double auc = validRows.length == 0 ? Double.NaN
              : RankAuc.auc(toDouble(score(model, eval, validRows, root)), validLabels);
          if (Double.isNaN(best) || auc > best) {
            best = auc;
            bestStep = step;
            sinceBest = 0;
            bestParams = snapshot(model, root, bestParams);
          } else if (s.patience() > 0 && ++sinceBest >= s.patience()) {
            stop = true;
          }
        }
      }
      if (bestParams != null) {
        restore(model, bestParams);
      }
      float[] scores = score(model, eval, allRows(eval), root);
      return new Result(weightDecay, best, bestStep, step, scores, losses, totalLosses, (System.nanoTime() - t0) / 1e9);
    }
  }

  /** Copies of the parameters' values (into {@code into}'s arrays when given). */
  private static List<NDArray> snapshot(SeqModel model, NDManager root, List<NDArray> into) {
    GradMode.off();
    List<NDArray> params = model.parameters();
    if (into == null) {
      List<NDArray> out = new ArrayList<>();
      for (NDArray p : params) {
        NDArray c = p.duplicate();
        c.attach(root);
        c.setRequiresGradient(false);
        out.add(c);
      }
      return out;
    }
    for (int i = 0; i < params.size(); i++) {
      into.get(i).muli(0).addi(params.get(i));
    }
    return into;
  }

  private static void restore(SeqModel model, List<NDArray> values) {
    GradMode.off();
    List<NDArray> params = model.parameters();
    for (int i = 0; i < params.size(); i++) {
      params.get(i).muli(0).addi(values.get(i));
    }
  }

  /** {MSE of sigmoid(logit) against the label, the loss to optimise: MSE + alpha · mean DRO term for DROS}. */
  private static NDArray[] loss(SeqModel model, Batch b, NDManager scope, Dropout drop, NDArray dro, NDArray alpha) {
    NDArray h = model.encode(b, scope, drop);
    NDArray logit = model.head.target(h, b.target, scope);
    NDArray mse = Activation.sigmoid(logit).sub(b.label).square().mean();
    if (dro == null) {
      return new NDArray[] {mse, mse};
    }
    return new NDArray[] {mse, mse.add(robust(model.head.all(h, scope), b, scope, dro).mean().mul(alpha))};
  }

  /**
   * DROS's distributionally robust term (Yang et al. 2023), per sample:
   * {@code log Σ_j exp(ps_j · (o_j − y_j)² / β)} over every item j, o_j the raw logit, y_j the
   * label for the target and 0 for every other item, ps_j = sqrt((count_j + 1) / Σ(count + 1)) from
   * the K-shot targets. The reference adaptation set y = 1 for the target whatever its label; we use
   * the label, so a disliked target is pushed down like the non-targets. Computed as a stable
   * log-sum-exp.
   */
  static NDArray robust(NDArray all, Batch b, NDManager scope, NDArray psOverBeta) {
    int n = (int) all.getShape().get(1);
    float[] y = new float[b.size * n];
    float[] labels = b.label.toFloatArray();
    long[] targets = b.target.toLongArray();
    for (int i = 0; i < b.size; i++) {
      y[i * n + (int) targets[i]] = labels[i];
    }
    NDArray a = all.sub(scope.create(y, new Shape(b.size, n))).square().mul(psOverBeta);
    NDArray m = a.max(new int[] {1}, true).stopGradient();
    return a.sub(m).exp().sum(new int[] {1}).log().add(m.squeeze(1));
  }

  /** ps / β as a constant (N) array. */
  private static NDArray propensity(NDManager root, SeqData train, ItemIndex index, double beta) {
    int n = index.size();
    double[] count = new double[n];
    for (int i = 0; i < train.n; i++) {
      count[train.target[i]]++;
    }
    double sum = 0;
    for (double c : count) {
      sum += c + 1;
    }
    float[] ps = new float[n];
    for (int j = 0; j < n; j++) {
      ps[j] = (float) (Math.sqrt((count[j] + 1) / sum) / beta);
    }
    return root.create(ps);
  }

  /** sigmoid(logit) of the given rows, no graph. */
  static float[] score(SeqModel model, SeqData data, int[] rows, NDManager root) {
    GradMode.off();
    float[] out = new float[rows.length];
    for (int from = 0; from < rows.length; from += EVAL_CHUNK) {
      int[] chunk = Arrays.copyOfRange(rows, from, Math.min(rows.length, from + EVAL_CHUNK));
      try (NDManager scope = root.newSubManager()) {
        float[] s = Activation.sigmoid(model.logits(new Batch(data, chunk, scope), scope, Dropout.OFF)).toFloatArray();
        System.arraycopy(s, 0, out, from, s.length);
      }
    }
    return out;
  }

  private static int[] allRows(SeqData d) {
    return IntStream.range(0, d.n).toArray();
  }

  static int[] rowsWhere(SeqData d, boolean valid) {
    return IntStream.range(0, d.n).filter(i -> d.valid[i] == valid).toArray();
  }

  private static double[] toDouble(float[] scores) {
    double[] out = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      out[i] = scores[i];
    }
    return out;
  }

  private static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  static long mix(long seed, long k) {
    long z = seed * 0x9E3779B97F4A7C15L + k;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
