package tallrec.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import tallrec.data.Schemas;
import tallrec.eval.Metric;

/** Hand-made metrics, scores, tuning logs and run files, laid out as the pipeline writes them. */
public final class ReportFixture {

  private ReportFixture() {}

  /**
   * Movie, K ∈ {16, 64}, three seeds: alpha 0.60/0.62/0.64 at both K (62.00 ± 2.00), beta 0.70/0.70/0.73
   * at 16 (71.00 ± 1.73) and 0.74/0.75/0.76 at 64 (75.00 ± 1.00); like-ratio untrained 0.65.
   */
  public static List<Metric> metrics() {
    List<Metric> m = new ArrayList<>();
    double[][] alpha = {{0.60, 0.62, 0.64}, {0.60, 0.62, 0.64}};
    double[][] beta = {{0.70, 0.70, 0.73}, {0.74, 0.75, 0.76}};
    int[] ks = {16, 64};
    for (int ki = 0; ki < 2; ki++) {
      for (int s = 0; s < 3; s++) {
        m.add(new Metric("alpha", "", "movie", "movie", ks[ki], s, alpha[ki][s], 100, 40));
        m.add(new Metric("beta", "", "movie", "movie", ks[ki], s, beta[ki][s], 100, 40));
      }
    }
    m.add(new Metric("like-ratio", "", "movie", "movie", 0, 0, 0.65, 100, 40));
    return m;
  }

  /** Writes metrics as `evaluate` does: DIR/metrics (Parquet) + DIR/metrics.json with the split. */
  public static Path writeMetrics(SparkSession spark, List<Metric> metrics, Path dir) throws Exception {
    spark.createDataFrame(metrics.stream().map(Metric::toRow).toList(), Schemas.METRICS).coalesce(1).write()
        .mode(SaveMode.Overwrite).parquet(dir.resolve("metrics").toString());
    Files.writeString(dir.resolve("metrics.json"), "{\"split\": \"test\", \"metrics\": []}");
    return dir.resolve("metrics");
  }

  /** Scores of beta K=64 seed 1 and like-ratio on the movie test split (100 samples, 40 positive). */
  public static void writeScores(SparkSession spark, Path scoresDir) {
    List<Row> rows = new ArrayList<>();
    Random r = new Random(7);
    for (int i = 0; i < 100; i++) {
      int label = i < 40 ? 1 : 0;
      rows.add(RowFactory.create("s" + i, "movie", "test", label, label * 0.8 + r.nextDouble(), null, null, "beta", "",
          "movie", 64, 1));
      rows.add(RowFactory.create("s" + i, "movie", "test", label, label * 0.4 + r.nextDouble(), null, null, "like-ratio",
          "", "movie", 0, 0));
    }
    spark.createDataFrame(rows, Schemas.SCORES).coalesce(1).write().mode(SaveMode.Overwrite).parquet(scoresDir.toString());
  }

  /** A tuned adapter directory: train_log.jsonl (validation every 2 steps) + _MANIFEST.json. */
  public static void writeTuneRun(Path adapterDir, int seed) throws Exception {
    Files.createDirectories(adapterDir);
    StringBuilder log = new StringBuilder();
    double best = 0;
    for (int step = 1; step <= 10; step++) {
      double loss = 2.0 / step + 0.01 * seed;
      log.append("{\"step\":").append(step).append(",\"epoch\":").append(step / 5).append(",\"loss\":").append(loss)
          .append(",\"lr\":1.0E-4,\"tokens_per_s\":100.0");
      if (step % 2 == 0) {
        double auc = 0.5 + 0.02 * step + 0.005 * seed;
        best = Math.max(best, auc);
        log.append(",\"valid_auc\":").append(auc).append(",\"best_valid_auc\":").append(best).append(",\"best_step\":")
            .append(step);
      }
      log.append(",\"elapsed_s\":").append(1.5 * step).append("}\n");
    }
    log.append("not json\n");
    Files.writeString(adapterDir.resolve("train_log.jsonl"), log.toString(), StandardCharsets.UTF_8);
    Files.writeString(adapterDir.resolve("_MANIFEST.json"), "{\"stage\":\"tune\",\"fingerprint\":\"f\","
        + "\"code_version\":\"0.1.0+abc1234\",\"created_at\":\"2026-01-02T03:04:05Z\",\"inputs\":{\"train /data/kshot\":"
        + "\"manifest:123\"},\"config\":{\"tune\":{\"lr\":1.0E-4,\"lora-r\":8}},\"row_counts\":{\"train_examples\":64},"
        + "\"properties\":{\"stage\":\"rec\",\"model\":\"llama-tiny\"}}");
  }

  /** An ingest manifest with a raw-file checksum, and a run.json with one field missing. */
  public static void writeRunFiles(Path runDir) throws Exception {
    Files.createDirectories(runDir.resolve("dataset/interactions"));
    Files.writeString(runDir.resolve("dataset/interactions/_MANIFEST.json"), "{\"stage\":\"ingest\","
        + "\"code_version\":\"0.1.0+abc1234\",\"created_at\":\"2026-01-02T03:00:00Z\",\"inputs\":{\"ratings /data/u.data\":"
        + "\"sha256:00ff\"},\"config\":{\"ingest\":{\"max-malformed-fraction\":0.05}},\"row_counts\":{\"interactions\":1000},"
        + "\"properties\":{}}");
    Files.writeString(runDir.resolve("run.json"), "{\"stages\":[{\"name\":\"ingest\",\"seconds\":12.5,\"status\":\"ran\"},"
        + "{\"name\":\"tune\",\"status\":\"skipped\"}],\"backbone\":\"llama-tiny\",\"started_at\":\"2026-01-02T02:59:00Z\"}");
  }
}
