package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.eval.AucEvaluator;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedData;

/**
 * "Score full test partitions in parallel", proven on a real Spark standalone cluster: a master
 * and two workers on 127.0.0.1, the shaded job jar submitted through SparkSubmit, instructions
 * and score run on MovieLens-100K with the real stories260K checkpoint. The scores must come from
 * both executors and equal local[1] and local[2] runs; their AUC must equal a rank AUC.
 */
class StandaloneClusterScoringIT {

  /**
   * Test samples scored in each run: enough for two executors and many batches, bounded for CI.
   * TALLREC_IT_SCORE_LIMIT=1000 scores the whole test split (about 15 minutes on 2 cores).
   */
  static final int LIMIT = Integer.parseInt(System.getenv().getOrDefault("TALLREC_IT_SCORE_LIMIT", "120"));

  @TempDir Path tmp;

  @Test
  void clusterScoresComeFromBothExecutorsAndEqualLocalRuns() throws Exception {
    Path ml = SharedData.require("data/ml-100k");
    Path model = SharedData.require("models/stories260K-hf");
    Path sparkHome = Paths.get(System.getProperty("tallrec.spark.home"));
    Path jar = Paths.get(System.getProperty("tallrec.job.jar"));
    assertTrue(Files.isDirectory(sparkHome.resolve("jars")), "no Spark jars at " + sparkHome);
    assertTrue(Files.isRegularFile(jar), "no job jar at " + jar);
    Path ds = tmp.resolve("ml");
    Duration job = Duration.ofMinutes(10);

    StandaloneCluster started = new StandaloneCluster(sparkHome, tmp.resolve("logs"));
    try (StandaloneCluster cluster = started) {
      // ingest and the local references run through the same SparkSubmit, with a local master.
      assertEquals(0, local(cluster, jar, "local[2]", List.of("ingest", "--source", "movielens100k",
          "--input", ml.toString(), "--out", ds.toString()), "ingest"), log("ingest"));
      cluster.start(2, Duration.ofSeconds(90));
      assertEquals(0, cluster.submit(jar, List.of("instructions", "--in", ds.toString(), "--mode", "tallrec"),
          tmp.resolve("logs/instructions.log"), job), log("instructions"));
      assertEquals(0, cluster.submit(jar, score(model, ds, "cluster"), tmp.resolve("logs/score-cluster.log"), job),
          log("score-cluster"));
      assertEquals(0, local(cluster, jar, "local[1]", score(model, ds, "local1"), "score-local1"), log("score-local1"));
      assertEquals(0, local(cluster, jar, "local[2]", score(model, ds, "local2"), "score-local2"), log("score-local2"));
    }

    assertTrue(started.stoppedEverything(), "master, workers and executors are all gone");

    // The figures each run printed (in the failsafe report): rows, seconds, prompts/s, executors.
    for (String run : List.of("score-cluster", "score-local1", "score-local2")) {
      log(run).lines().filter(l -> l.startsWith("score ->")).forEach(l -> System.out.println(run + ": " + l));
    }

    Map<String, Object> manifest = new ObjectMapper().readValue(
        tmp.resolve("scores-cluster/_MANIFEST.json").toFile(), Map.class);
    String executors = ((Map<?, ?>) manifest.get("properties")).get("executors").toString();
    assertTrue(executors.matches("\\{0=\\d+, 1=\\d+}"), "scores came from executors 0 and 1: " + executors);

    SparkSession spark = LocalSpark.get();
    Map<String, Double> clusterScores = scores(spark, tmp.resolve("scores-cluster"));
    assertEquals(LIMIT, clusterScores.size());
    for (String run : List.of("scores-local1", "scores-local2")) {
      Map<String, Double> local = scores(spark, tmp.resolve(run));
      assertEquals(clusterScores.keySet(), local.keySet(), run);
      clusterScores.forEach((id, s) -> assertEquals(s, local.get(id), 1e-5, run + " " + id));
    }

    // MLlib's exact AUC (numBins = 0) equals the rank AUC computed here with ties counted half.
    List<Row> rows = spark.read().parquet(tmp.resolve("scores-cluster").toString()).collectAsList();
    List<double[]> pairs = new ArrayList<>();
    for (Row r : rows) {
      pairs.add(new double[] {r.<Double>getAs("score"), r.<Integer>getAs("label")});
    }
    double mllib = AucEvaluator.auc(spark.read().parquet(tmp.resolve("scores-cluster").toString()));
    assertEquals(rankAuc(pairs), mllib, 1e-12);
  }

  private List<String> score(Path model, Path ds, String name) {
    return List.of("score", "--model", model.toString(), "--data", ds.resolve("samples").toString(),
        "--out", tmp.resolve("scores-" + name).toString(), "--limit", Integer.toString(LIMIT),
        "--batch-size", "8", "--set", "score.partitions=4");
  }

  private int local(StandaloneCluster cluster, Path jar, String master, List<String> args, String name) throws Exception {
    return cluster.submit(master, jar, args, tmp.resolve("logs/" + name + ".log"), Duration.ofMinutes(10));
  }

  private String log(String name) {
    try {
      String s = Files.readString(tmp.resolve("logs/" + name + ".log"));
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (Exception e) {
      return "(no log)";
    }
  }

  private static Map<String, Double> scores(SparkSession spark, Path dir) {
    Map<String, Double> out = new HashMap<>();
    for (Row r : spark.read().parquet(dir.toString()).collectAsList()) {
      out.put(r.getAs("sample_id"), r.getAs("score"));
    }
    return out;
  }

  /** Mann-Whitney AUC with average ranks for ties. */
  static double rankAuc(List<double[]> scoreLabel) {
    List<double[]> sorted = new ArrayList<>(scoreLabel);
    sorted.sort((a, b) -> Double.compare(a[0], b[0]));
    double rankSumPos = 0;
    long pos = 0;
    int i = 0;
    while (i < sorted.size()) {
      int j = i;
      while (j < sorted.size() && sorted.get(j)[0] == sorted.get(i)[0]) {
        j++;
      }
      double avgRank = (i + 1 + j) / 2.0;
      for (int k = i; k < j; k++) {
        if (sorted.get(k)[1] == 1) {
          rankSumPos += avgRank;
          pos++;
        }
      }
      i = j;
    }
    long neg = sorted.size() - pos;
    return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }
}
