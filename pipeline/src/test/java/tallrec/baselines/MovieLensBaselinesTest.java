package tallrec.baselines;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.dataset.SelectionMode;
import tallrec.eval.AucEvaluator;
import tallrec.eval.Metric;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedData;
import tallrec.testing.Stages;

/** The baselines on the paper's MovieLens-100K samples (tallrec mode), built once for the class. */
class MovieLensBaselinesTest {

  @TempDir static Path tmp;
  static SparkSession spark;
  static TallRecConf conf;
  static org.apache.hadoop.fs.Path samples;
  static Baselines.Result result;
  static List<Metric> metrics;

  @BeforeAll
  static void build() {
    Path ml = SharedData.require("data/ml-100k");
    spark = LocalSpark.get();
    conf = TallRecConf.defaults().with("instructions.kshot.k", List.of(64)).with("instructions.kshot.seeds", List.of(1))
        // Fewer iterations: each is a Spark job, and 2 busy cores make jobs slow; AUCs are not asserted.
        .with("baselines.mllib-lr.max-iter", 20).with("baselines.mllib-gbt.max-iter", 10)
        .with("baselines.only", List.of("like-ratio", "item-rate", "mllib-lr", "mllib-gbt"))
        .with("baselines.k", List.of(64)).with("baselines.seeds", List.of(1));
    Stages.ingest(spark, conf, "movielens100k", ml.toString(), null, null, tmp.resolve("ml"));
    Stages.instructions(spark, conf, tmp.resolve("ml"), SelectionMode.TALLREC, "movie", null);
    samples = new org.apache.hadoop.fs.Path(tmp.resolve("ml/samples").toUri());
    result = Baselines.run(spark, samples, new org.apache.hadoop.fs.Path(tmp.resolve("out").toUri()),
        Baselines.Settings.from(conf), "{}", System.out::println);
    metrics = new AucEvaluator(4).evaluate(scores().filter(col("split").equalTo("test")));
    metrics.forEach(m -> System.out.printf("%s AUC %.4f%n", m.group(), m.auc()));
  }

  static Dataset<Row> scores() {
    return spark.read().parquet(tmp.resolve("out/scores").toString());
  }

  @Test
  void likeRatioReachesTheKnownAucOnTheTestSplit() {
    Metric like = metrics.stream().filter(m -> m.model().equals("like-ratio")).findFirst().orElseThrow();
    assertEquals(1000, like.n());
    assertEquals(0, like.k());
    assertTrue(like.auc() >= 0.72 && like.auc() <= 0.73, "like-ratio AUC " + like.auc());
  }

  @Test
  void everyRunScoresBothEvaluationSplits() {
    // like-ratio once, three K-shot baselines on the one K-shot set, 2,000 valid + test samples each.
    assertEquals(4, result.runs().size());
    assertEquals(4 * 2000L, scores().count());
    assertEquals(4, metrics.size());
    assertEquals(0, scores().filter("score IS NULL OR isnan(score) OR logit_yes IS NOT NULL").count());
    assertEquals(List.of("movie"), scores().select("train_domain").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    for (Metric m : metrics) {
      assertTrue(m.auc() > 0.5, "every baseline beats chance: " + m.group() + " " + m.auc());
    }
  }

  @Test
  void aSavedMllibModelGivesIdenticalScoresAfterLoading() {
    MllibBaseline gbt = (MllibBaseline) BaselineRegistry.resolve(List.of("mllib-gbt"), conf.section("baselines")).get(0);
    Dataset<Row> kshot = spark.read().parquet(tmp.resolve("ml/kshot").toString()).filter("k = 64 AND seed = 1");
    Dataset<Row> eval = spark.read().parquet(samples.toString()).filter("split IN ('valid', 'test')");
    PipelineModel loaded = PipelineModel.load(tmp.resolve("out/models/mllib-gbt/k=64/seed=1").toString());
    Map<String, Double> again = rows(MllibBaseline.apply(loaded, gbt.evalFeatures(kshot, eval)));
    Map<String, Double> written = rows(scores().filter("model = 'mllib-gbt' AND k = 64 AND seed = 1"));
    assertEquals(2000, written.size());
    assertEquals(written, again);
  }

  private static Map<String, Double> rows(Dataset<Row> d) {
    return d.select("sample_id", "score").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getDouble(1)));
  }
}
