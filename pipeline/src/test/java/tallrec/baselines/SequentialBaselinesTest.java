package tallrec.baselines;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
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

  @Test
  void theStageScoresEveryEvaluationRowOncePerModelKAndSeed() {
    SparkSession spark = LocalSpark.get();
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

    TallRecConf conf = TallRecConf.defaults().with("baselines.sequential.epochs", 4)
        .with("baselines.sequential.weight-decays", List.of(1e-3, 1e-6)).with("baselines.sequential.eval-every", 2)
        .with("baselines.only", List.of("gru4rec", "caser", "sasrec", "dros", "gru-minilm", "dros-minilm"))
        .with("baselines.k", List.of(16)).with("baselines.seeds", List.of(0));
    org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("out").toUri());
    Baselines.Result res = Baselines.run(spark, new org.apache.hadoop.fs.Path(tmp.resolve("d/samples").toUri()), out,
        Baselines.Settings.from(conf), "{}", System.out::println);

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
}
