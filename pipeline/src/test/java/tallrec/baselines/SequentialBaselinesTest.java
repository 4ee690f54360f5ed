package tallrec.baselines;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;

/** gru4rec, caser, sasrec, dros and the MiniLM text-aware variants through the baselines stage on a small hand-made dataset. */
class SequentialBaselinesTest {

  @TempDir Path tmp;

  /** 24 train, 16 valid and 16 test rows over 20 items, K-shot sets k = 16 and 8 (seed 0); returns samples/. */
  private org.apache.hadoop.fs.Path writeDataset(SparkSession spark) {
    SampleFixture f = new SampleFixture();
    Random r = new Random(3);
    String[] splits = {"train", "valid", "test"};
    int[] counts = {24, 16, 16};
    for (int s = 0; s < 3; s++) {
      for (int i = 0; i < counts[s]; i++) {
        int t = r.nextInt(15);
        String[] h = new String[1 + r.nextInt(10)];
        for (int j = 0; j < h.length; j++) {
          h[j] = "m" + r.nextInt(15) + ":" + r.nextInt(2);
        }
        // test rows use items the K-shot set may not show (m15..m19): they still get embeddings
        String target = "m" + (s == 2 && i % 4 == 0 ? 15 + i % 5 : t);
        f.add(splits[s] + i, splits[s], "u" + i, target, t % 3 == 0 ? 1 : 0, h);
      }
    }
    Dataset<Row> samples = f.build(spark);
    samples.write().parquet(tmp.resolve("d/samples").toString());
    f.writeItemTexts(spark, tmp.resolve("d/item_texts"));
    Dataset<Row> train = samples.filter("split = 'train'");
    train.limit(16).withColumn("k", lit(16)).withColumn("seed", lit(0))
        .union(train.limit(8).withColumn("k", lit(8)).withColumn("seed", lit(0)))
        .write().partitionBy("k", "seed").parquet(tmp.resolve("d/kshot").toString());
    return new org.apache.hadoop.fs.Path(tmp.resolve("d/samples").toUri());
  }

  @Test
  void theStageScoresEveryEvaluationRowOncePerModelKAndSeed() {
    SparkSession spark = LocalSpark.get();
    org.apache.hadoop.fs.Path samplesPath = writeDataset(spark);

    TallRecConf conf = TallRecConf.defaults().with("baselines.sequential.epochs", 4)
        .with("baselines.sequential.weight-decays", List.of(1e-3, 1e-6)).with("baselines.sequential.eval-every", 2)
        .with("baselines.only", List.of("gru4rec", "caser", "sasrec", "dros", "gru-minilm", "dros-minilm"))
        .with("baselines.k", List.of(16)).with("baselines.seeds", List.of(0));
    org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("out").toUri());
    Baselines.Result res = Baselines.run(spark, samplesPath, out, Baselines.Settings.from(conf), "{}",
        System.out::println);

    assertEquals(6, res.runs().size());
    Dataset<Row> scores = spark.read().parquet(tmp.resolve("out/scores").toString());
    assertEquals(6 * 32L, scores.count());
    assertEquals(0, scores.filter("score IS NULL OR isnan(score) OR score < 0 OR score > 1").count());
    assertEquals(6, scores.select("model", "k", "seed").distinct().count());
    // The text vectors were computed once, in Spark, and cached beside samples/ for the next run.
    assertTrue(java.nio.file.Files.exists(tmp.resolve("d/item-embeddings/_MANIFEST.json")));
    assertTrue(scores.filter("model = 'gru-minilm'").select("score").distinct().count() > 1);
    assertEquals(32, scores.filter("model = 'dros' AND k = 16").select("sample_id").distinct().count());
    assertTrue(scores.filter("model = 'sasrec' AND k = 16").select("score").distinct().count() > 1,
        "scores vary across samples");
  }

  @Test
  void fitsRunSideBySideGiveTheScoresOfOneAtATimeInThePlansOrder() {
    SparkSession spark = LocalSpark.get();
    org.apache.hadoop.fs.Path samplesPath = writeDataset(spark);
    TallRecConf conf = TallRecConf.defaults().with("baselines.sequential.epochs", 4)
        .with("baselines.sequential.weight-decays", List.of(1e-3, 1e-6)).with("baselines.sequential.eval-every", 2)
        .with("baselines.mllib-gbt.max-iter", 4)
        .with("baselines.only", List.of("item-rate", "mllib-gbt", "gru4rec", "dros"))
        .with("baselines.k", List.of(8, 16)).with("baselines.seeds", List.of(0));
    Baselines.Settings plan = Baselines.Settings.from(conf);
    Map<String, Map<String, Double>> byParallelism = new TreeMap<>();
    for (int parallel : new int[] {1, 2}) {
      org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("out-" + parallel).toUri());
      Baselines.Result res = Baselines.run(spark, samplesPath, out, plan.withParallelFits(parallel), "{}",
          System.out::println);
      // Runs are reported in the plan's order whatever order they finish in.
      assertEquals(List.of("item-rate/8", "item-rate/16", "mllib-gbt/8", "mllib-gbt/16", "gru4rec/8", "gru4rec/16",
          "dros/8", "dros/16"),
          res.runs().stream().map(r -> r.model() + "/" + r.k()).toList());
      Map<String, Double> scores = new TreeMap<>();
      for (Row r : spark.read().parquet(tmp.resolve("out-" + parallel + "/scores").toString())
          .select("model", "k", "sample_id", "score").collectAsList()) {
        assertNull(scores.put(r.getString(0) + "/" + r.getInt(1) + "/" + r.getString(2), r.getDouble(3)),
            "one score per model, K and sample");
      }
      assertEquals(8 * 32, scores.size());
      byParallelism.put("p" + parallel, scores);
    }
    // Every fit is seeded on its own and single-threaded in torch: side by side changes nothing.
    assertEquals(byParallelism.get("p1"), byParallelism.get("p2"));
  }

  @Test
  void aFailingFitFailsTheStageWithItsOwnErrorAndWritesNothing() {
    SparkSession spark = LocalSpark.get();
    org.apache.hadoop.fs.Path samplesPath = writeDataset(spark);
    Baseline failsOnK16 = new Baseline() {
      @Override
      public String name() {
        return "fails-on-16";
      }

      @Override
      public Training training() {
        return Training.KSHOT;
      }

      @Override
      public Dataset<Row> score(Dataset<Row> train, Dataset<Row> eval, Run run) {
        if (run.k() == 16) {
          throw new IllegalStateException("no model for k=16");
        }
        return eval.withColumn("score", lit(0.5));
      }
    };
    Baselines.Settings plan = new Baselines.Settings(List.of(new ItemRate(ItemRate.KSHOT_NAME, Baseline.Training.KSHOT, 1.0), failsOnK16), List.of(8, 16),
        List.of(0), List.of("valid", "test"), 2);
    org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("out").toUri());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Baselines.run(spark, samplesPath, out, plan, "{}", System.out::println));
    assertEquals("no model for k=16", e.getMessage());
    assertFalse(java.nio.file.Files.exists(tmp.resolve("out/scores")), "no scores committed");
  }
}
