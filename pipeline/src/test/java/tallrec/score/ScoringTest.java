package tallrec.score;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.data.ItemTexts;
import tallrec.conf.TallRecConf;
import tallrec.dataset.SelectionMode;
import tallrec.eval.RankAuc;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedData;
import tallrec.testing.Stages;

/** Scoring real MovieLens-100K test prompts with the real stories260K checkpoint, in Spark. */
class ScoringTest {

  @TempDir static Path tmp;
  static SparkSession spark;
  static Dataset<Row> subset;
  static String model;
  static final Map<String, String> NOUNS = Map.of("movie", "movie", "book", "book");

  @BeforeAll
  static void build() {
    Path ml = SharedData.require("data/ml-100k");
    model = SharedData.require("models/stories260K-hf").toString();
    spark = LocalSpark.get();
    TallRecConf conf = TallRecConf.defaults();
    Stages.ingest(spark, conf, "movielens100k", ml.toString(), null, null, tmp.resolve("ml"));
    Stages.instructions(spark, conf, tmp.resolve("ml"), SelectionMode.TALLREC, "movie", tmp.resolve("json"));
    // The first 48 test samples: enough for batching, partitions and truncation to matter.
    String samples = tmp.resolve("ml/samples").toString();
    subset = ItemTexts.attach(spark.read().parquet(samples)
        .filter(col("split").equalTo("test").and(col("sample_index").lt(9048))), samples).cache();
  }

  static Scoring.Settings settings(int batch) {
    return Scoring.Settings.builder(model).batchSize(batch).label("stories260K", "", "", 0, 0).build();
  }

  private static Map<String, double[]> byId(Dataset<Row> scores) {
    Map<String, double[]> out = new HashMap<>();
    for (Row r : scores.collectAsList()) {
      out.put(r.getAs("sample_id"), new double[] {r.getAs("score"), r.getAs("logit_yes"), r.getAs("logit_no")});
    }
    return out;
  }

  @Test
  void everySampleGetsOneScoreAndScoresDoNotDependOnPartitioningOrBatching() {
    org.apache.spark.util.CollectionAccumulator<String> executors = spark.sparkContext().<String>collectionAccumulator();
    int loadsBefore = ModelCache.loads();
    Map<String, double[]> one = byId(Scoring.score(subset.repartition(1), settings(16), NOUNS, executors));
    Map<String, double[]> three = byId(Scoring.score(subset.repartition(3), settings(5), NOUNS, executors));
    assertEquals(48, one.size());
    assertEquals(one.keySet(), three.keySet());
    for (Map.Entry<String, double[]> e : one.entrySet()) {
      double[] a = e.getValue();
      double[] b = three.get(e.getKey());
      for (int i = 0; i < 3; i++) {
        assertEquals(a[i], b[i], 1e-5, e.getKey());
      }
      // score = softmax(logit_yes, logit_no)[0]
      assertEquals(1 / (1 + Math.exp(a[2] - a[1])), a[0], 1e-9);
      assertTrue(a[0] > 0 && a[0] < 1);
    }
    assertFalse(executors.value().isEmpty());
    // Four tasks over two calls, one model: at most one load (none if an earlier test of this JVM
    // left it loaded).
    assertTrue(ModelCache.loads() - loadsBefore <= 1, "the model is loaded once per JVM, not per task");
  }

  /**
   * The stage waits for its longest task, so prepare deals the samples out in even counts (a hash
   * of the 1,000 movie test ids split them 473 / 527), the same rows to the same partition each
   * time (as a retried task needs them).
   */
  @Test
  void prepareDealsTheSamplesOutEvenlyAndTheSameWayEachTime() {
    int inputs = subset.rdd().getNumPartitions();
    List<List<String>> first = partitionIds(Scoring.prepare(spark, subset, 0, 5));
    assertEquals(5, first.size());
    int min = first.stream().mapToInt(List::size).min().orElseThrow();
    int max = first.stream().mapToInt(List::size).max().orElseThrow();
    assertEquals(48, first.stream().mapToInt(List::size).sum());
    assertTrue(max - min <= inputs, "partition sizes " + min + ".." + max + " from " + inputs + " input partition(s)");
    assertEquals(first, partitionIds(Scoring.prepare(spark, subset, 0, 5)));
  }

  private static List<List<String>> partitionIds(Dataset<Row> rows) {
    return rows.select(col("sample_id")).javaRDD().map(r -> r.getString(0)).glom().collect();
  }

  /**
   * score.cpu-parallelism: tasks side by side on one thread each, or one at a time over all
   * threads, give the same scores (up to F32 rounding: a thread count can change how a product
   * is blocked); a name neither is refused on the driver, naming the key.
   */
  @Test
  void tasksSideBySideScoreAsTasksTakingTurns() {
    org.apache.spark.util.CollectionAccumulator<String> acc = spark.sparkContext().<String>collectionAccumulator();
    Dataset<Row> two = subset.repartition(2);
    Scoring.Settings tasks = Scoring.Settings.builder(model).batchSize(8).cpuParallelism("tasks")
        .label("stories260K", "", "", 0, 0).build();
    Scoring.Settings ops = Scoring.Settings.builder(model).batchSize(8).cpuParallelism("ops")
        .label("stories260K", "", "", 0, 0).build();
    Map<String, double[]> a = byId(Scoring.score(two, tasks, NOUNS, acc));
    Map<String, double[]> b = byId(Scoring.score(two, ops, NOUNS, acc));
    assertEquals(48, a.size());
    assertEquals(a.keySet(), b.keySet());
    for (Map.Entry<String, double[]> e : a.entrySet()) {
      for (int i = 0; i < 3; i++) {
        assertEquals(e.getValue()[i], b.get(e.getKey())[i], 1e-5, e.getKey());
      }
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> Scoring.Settings.builder(model).cpuParallelism("threads").build());
    assertTrue(bad.getMessage().contains("score.cpu-parallelism") && bad.getMessage().contains("tasks"),
        bad.getMessage());
  }

  /**
   * Half precision: the 1,000 movie test prompts scored with F16 base weights (norms, softmax and
   * logits in F32) give P(Yes) close to the F32 model's and the same AUC to three decimals.
   */
  @Test
  void f16ScoresMatchF32ScoresOnTheWholeMovieTestSplit() {
    String samples = tmp.resolve("ml/samples").toString();
    Dataset<Row> test = ItemTexts.attach(spark.read().parquet(samples).filter(col("split").equalTo("test")), samples)
        .repartition(2).cache();
    org.apache.spark.util.CollectionAccumulator<String> acc = spark.sparkContext().<String>collectionAccumulator();
    long t0 = System.nanoTime();
    Map<String, double[]> f32 = byId(Scoring.score(test, settings(16).withPrecision("f32"), NOUNS, acc));
    long t1 = System.nanoTime();
    Map<String, double[]> f16 = byId(Scoring.score(test, settings(16).withPrecision("f16"), NOUNS, acc));
    long t2 = System.nanoTime();
    Map<String, Integer> labels = new HashMap<>();
    for (Row r : test.select("sample_id", "label").collectAsList()) {
      labels.put(r.getString(0), r.getInt(1));
    }
    assertEquals(1000, f32.size());
    assertEquals(f32.keySet(), f16.keySet());
    double[] s32 = new double[1000];
    double[] s16 = new double[1000];
    int[] y = new int[1000];
    double worst = 0;
    double sum = 0;
    int i = 0;
    for (Map.Entry<String, double[]> e : f32.entrySet()) {
      s32[i] = e.getValue()[0];
      s16[i] = f16.get(e.getKey())[0];
      y[i] = labels.get(e.getKey());
      worst = Math.max(worst, Math.abs(s32[i] - s16[i]));
      sum += Math.abs(s32[i] - s16[i]);
      i++;
    }
    double auc32 = RankAuc.auc(s32, y);
    double auc16 = RankAuc.auc(s16, y);
    System.out.printf("F16 vs F32 scoring, 1,000 ML-100K test prompts, stories260K-hf: |dP(Yes)| max %.2e, mean %.2e;"
        + " AUC %.5f vs %.5f; F32 %.1f s, F16 %.1f s%n", worst, sum / 1000, auc16, auc32, (t1 - t0) / 1e9,
        (t2 - t1) / 1e9);
    // Measured: max 5.1e-3, mean 1.2e-3 (prompts of 300+ tokens through five layers of F16
    // products); a cast that dropped the F32 parts, or F16 logits, shows as more.
    assertTrue(worst <= 1e-2, "F16 P(Yes) differs from F32 by up to " + worst);
    assertTrue(sum / 1000 <= 2e-3, "F16 P(Yes) differs from F32 by " + sum / 1000 + " on average");
    assertEquals(Math.round(auc32 * 1000), Math.round(auc16 * 1000), "AUC " + auc16 + " (F16) vs " + auc32 + " (F32)");
  }

  @Test
  void runWritesScoresWithTheContractAndAManifest() throws Exception {
    Path out = tmp.resolve("scores");
    Scoring.Result r = Scoring.run(spark, subset, tmp.resolve("ml/samples").toString(),
        new org.apache.hadoop.fs.Path(out.toUri()), settings(16), NOUNS, "{}");
    assertEquals(48, r.rows());
    Dataset<Row> written = spark.read().parquet(out.toString());
    assertEquals(List.of("sample_id", "domain", "split", "label", "score", "logit_yes", "logit_no", "model",
        "variant", "train_domain", "k", "seed"), List.of(written.columns()));
    assertEquals(48, written.filter("model = 'stories260K' AND split = 'test'").count());
    assertTrue(Files.readString(out.resolve("_MANIFEST.json")).contains("\"scores\" : 48"));
  }

  @Test
  void referenceJsonScoresEqualParquetScores() {
    Dataset<Row> json = Scoring.readSamples(spark, tmp.resolve("json/test.json").toString(), List.of(), "movie")
        .filter(col("sample_index").lt(8));
    org.apache.spark.util.CollectionAccumulator<String> acc = spark.sparkContext().<String>collectionAccumulator();
    List<Row> fromJson = Scoring.score(json, settings(8), NOUNS, acc).orderBy("sample_id").collectAsList();
    Map<String, double[]> fromParquet = byId(Scoring.score(
        subset.filter(col("sample_index").lt(9008)), settings(8), NOUNS, acc));
    assertEquals(8, fromJson.size());
    // Same prompts (the JSON export of the same samples) give the same scores, when no history
    // had to be dropped to fit the context.
    List<double[]> parquetScores = fromParquet.values().stream().map(a -> a).toList();
    for (Row r : fromJson) {
      double s = r.getAs("score");
      assertTrue(parquetScores.stream().anyMatch(a -> Math.abs(a[0] - s) < 1e-5),
          "JSON sample " + r.getAs("sample_id") + " scored like one of the Parquet samples");
    }
  }

  @Test
  void aMissingModelIsAClearError() {
    Scoring.Settings bad = Scoring.Settings.builder(tmp.resolve("no-such-model").toString()).batchSize(4)
        .label("x", "", "", 0, 0).build();
    org.apache.spark.util.CollectionAccumulator<String> acc = spark.sparkContext().<String>collectionAccumulator();
    Exception e = assertThrows(Exception.class, () -> Scoring.score(subset.limit(2), bad, NOUNS, acc).count());
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    assertTrue(t.getMessage().contains("no-such-model"), t.getMessage());
  }
}
