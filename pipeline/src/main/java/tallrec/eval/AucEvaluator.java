package tallrec.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import tallrec.data.Columns;

/**
 * AUC per (model, variant, train domain, test domain, K, seed) with Spark MLlib's
 * {@link BinaryClassificationEvaluator}. {@code numBins = 0} turns off MLlib's down-sampling of the
 * ROC curve, so the value is the exact area under the step ROC curve: equal scores form one
 * threshold and a tied positive–negative pair counts one half — the Mann–Whitney rank AUC that
 * sklearn's {@code roc_auc_score} computes.
 *
 * <p>One aggregation first counts every group (size, positives, bad rows) so that a group with a
 * single class fails with its name instead of MLlib's silent NaN; then each group is one MLlib
 * evaluation over the cached, projected scores, a few groups at a time (Spark runs jobs from
 * several driver threads concurrently).
 */
public final class AucEvaluator {

  /** The grouping columns of {@code scores}, in {@code metrics}' order ({@code domain} is the test domain). */
  static final String[] KEYS = {"model", "variant", "train_domain", "domain", "k", "seed"};

  private final int parallelism;

  public AucEvaluator(int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("evaluate.parallelism must be >= 1, got " + parallelism);
    }
    this.parallelism = parallelism;
  }

  /** Metrics of every group of {@code scores} (rows of the {@code scores} contract), sorted. */
  public List<Metric> evaluate(Dataset<Row> scores) {
    Dataset<Row> slim = scores.select(col(Columns.MODEL), col(Columns.VARIANT), col(Columns.TRAIN_DOMAIN),
        col(Columns.DOMAIN),
        col(Columns.K).cast(DataTypes.IntegerType).as(Columns.K),
        col(Columns.SEED).cast(DataTypes.IntegerType).as(Columns.SEED),
        col(Columns.LABEL).cast(DataTypes.DoubleType).as(Columns.LABEL),
        col(Columns.SCORE).cast(DataTypes.DoubleType).as(Columns.SCORE));
    List<Metric> counted = countGroups(slim);
    if (counted.isEmpty()) {
      throw new IllegalArgumentException("No scores to evaluate (0 rows)");
    }
    // Scores arrive as many small files (one dataset per run, a few files each: 51 in the demo), and
    // every group's MLlib evaluation sorts the cached rows; on as many partitions as files, its
    // tasks cost more than its rows. One partition per core keeps every core busy and the task
    // count small; the values do not change (each group's AUC depends on its rows alone).
    int cores = Math.max(1, slim.sparkSession().sparkContext().defaultParallelism());
    Dataset<Row> cached = (slim.rdd().getNumPartitions() > cores ? slim.coalesce(cores) : slim).cache();
    try {
      return evaluateGroups(cached, counted);
    } finally {
      cached.unpersist();
    }
  }

  /** Sizes and positives per group; fails on bad labels, missing scores or a single class. */
  private static List<Metric> countGroups(Dataset<Row> slim) {
    Column badLabel = when(col(Columns.LABEL).isNull().or(col(Columns.LABEL).isin(0.0, 1.0).unary_$bang()), 1)
        .otherwise(0);
    Column badScore = when(col(Columns.SCORE).isNull().or(col(Columns.SCORE).isNaN())
        .or(col(Columns.SCORE).isin(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)), 1).otherwise(0);
    List<Row> rows = slim.groupBy(KEYS[0], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
        .agg(count(lit(1)), sum(when(col(Columns.LABEL).equalTo(1.0), 1).otherwise(0)), sum(badLabel), sum(badScore))
        .collectAsList();
    List<Metric> groups = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Row r : rows) {
      Metric m = new Metric(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getInt(4), r.getInt(5),
          Double.NaN, r.getLong(6), r.getLong(7));
      if (r.getLong(8) > 0) {
        problems.add(m.group() + ": " + r.getLong(8) + " labels not 0/1");
      } else if (r.getLong(9) > 0) {
        problems.add(m.group() + ": " + r.getLong(9) + " null, NaN or infinite scores");
      } else if (m.nPos() == 0 || m.nPos() == m.n()) {
        problems.add(m.group() + ": all " + m.n() + " labels are " + (m.nPos() == 0 ? 0 : 1)
            + ", AUC needs both classes");
      }
      groups.add(m);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Cannot compute AUC for " + problems.size() + " group(s): "
          + String.join("; ", problems));
    }
    return groups;
  }

  private List<Metric> evaluateGroups(Dataset<Row> cached, List<Metric> groups) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, groups.size()), r -> {
      Thread t = new Thread(r, "auc-evaluator");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Metric>> futures = new ArrayList<>();
      for (Metric g : groups) {
        futures.add(pool.submit(() -> withAuc(g, auc(filter(cached, g)))));
      }
      List<Metric> out = new ArrayList<>();
      for (Future<Metric> f : futures) {
        out.add(f.get());
      }
      out.sort(SeedSummary.ORDER);
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while evaluating AUC", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static Dataset<Row> filter(Dataset<Row> scores, Metric g) {
    return scores.filter(col(Columns.MODEL).equalTo(g.model()).and(col(Columns.VARIANT).equalTo(g.variant()))
        .and(col(Columns.TRAIN_DOMAIN).equalTo(g.trainDomain())).and(col(Columns.DOMAIN).equalTo(g.testDomain()))
        .and(col(Columns.K).equalTo(g.k())).and(col(Columns.SEED).equalTo(g.seed())));
  }

  /** MLlib's exact AUC of one group: columns {@code label} (0/1) and {@code score} (double). */
  public static double auc(Dataset<Row> group) {
    return new BinaryClassificationEvaluator()
        .setMetricName("areaUnderROC")
        .setNumBins(0)
        .setLabelCol("label")
        .setRawPredictionCol("score")
        .evaluate(group.select(col(Columns.LABEL).cast(DataTypes.DoubleType).as(Columns.LABEL),
            col(Columns.SCORE).cast(DataTypes.DoubleType).as(Columns.SCORE)));
  }

  private static Metric withAuc(Metric g, double auc) {
    return new Metric(g.model(), g.variant(), g.trainDomain(), g.testDomain(), g.k(), g.seed(), auc, g.n(), g.nPos());
  }
}
