package tallrec.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.dataset.SelectionMode;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedData;
import tallrec.testing.SharedDatasets;
import tallrec.testing.Stages;

/**
 * {@code baselines --only icl}: the untuned base model with the TALLRec prompt. On real MovieLens-100K
 * samples and the real stories260K checkpoint its scores equal {@code tallrec score} without an adapter.
 */
class IclBaselineCommandTest {

  @Test
  void iclScoresEqualScoreWithoutAdapter(@TempDir Path tmp) {
    String model = SharedData.require("models/stories260K-hf").toString();
    SparkSession spark = LocalSpark.get();
    Path ml = SharedDatasets.movieLens100k().dir();
    Stages.instructions(spark, TallRecConf.defaults(), ml, tmp.resolve("full"), SelectionMode.TALLREC, "movie", null);
    // A handful: the first 12 samples of the valid and test splits.
    Dataset<Row> few = spark.read().parquet(tmp.resolve("full/samples").toString())
        .filter(col("split").isin("valid", "test"))
        .withColumn("_r", functions.row_number().over(Window.partitionBy("split").orderBy("sample_index")))
        .filter(col("_r").leq(12)).drop("_r");
    String samples = tmp.resolve("few/samples").toString();
    few.write().parquet(samples);
    // A subset of samples takes its items' texts along (they name items by id).
    spark.read().parquet(tmp.resolve("full/item_texts").toString()).write().parquet(tmp.resolve("few/item_texts").toString());

    CliRun noModel = CliRun.of("baselines", "--samples", samples, "--out", tmp.resolve("b").toString(), "--only", "icl");
    assertEquals(1, noModel.rc());
    assertTrue(noModel.errorLine().contains("Baseline icl needs a model: pass --model DIR"), noModel.errorLine());

    CliRun icl = CliRun.of("baselines", "--samples", samples, "--out", tmp.resolve("b").toString(),
        "--only", "icl,like-ratio", "--model", model, "--set", "baselines.icl.batch-size=5");
    assertEquals(0, icl.rc(), icl.err());
    CliRun score = CliRun.of("score", "--model", model, "--data", samples, "--out", tmp.resolve("s").toString(),
        "--split", "valid,test");
    assertEquals(0, score.rc(), score.err());

    Dataset<Row> iclScores = spark.read().parquet(tmp.resolve("b/scores").toString())
        .filter(col("variant").equalTo("icl"));
    assertEquals(24, iclScores.count());
    Row first = iclScores.first();
    assertEquals("stories260K-hf", first.getAs("model"), "model = the backbone's name");
    assertEquals("movie", first.<String>getAs("train_domain"));
    assertEquals(0, (int) first.getAs("k"));
    assertEquals(0, (int) first.getAs("seed"));

    Map<String, Row> plain = new HashMap<>();
    for (Row r : spark.read().parquet(tmp.resolve("s").toString()).collectAsList()) {
      plain.put(r.getAs("sample_id"), r);
    }
    assertEquals(24, plain.size());
    for (Row r : iclScores.collectAsList()) {
      Row p = plain.get(r.<String>getAs("sample_id"));
      for (String c : List.of("score", "logit_yes", "logit_no")) {
        assertEquals(p.<Double>getAs(c), r.<Double>getAs(c), 1e-5, r.getAs("sample_id") + " " + c);
      }
    }

    CliRun eval = CliRun.of("evaluate", "--scores", tmp.resolve("b/scores").toString());
    assertEquals(0, eval.rc(), eval.err());
    List<Row> metrics = spark.read().parquet(tmp.resolve("b/metrics").toString())
        .filter(col("variant").equalTo("icl")).collectAsList();
    assertEquals(1, metrics.size());
    assertEquals("stories260K-hf", metrics.get(0).getAs("model"));
    assertTrue(eval.out().contains("icl"), eval.out());
  }
}
