package tallrec.eval;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;
import tallrec.data.Columns;
import tallrec.data.Schemas;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/**
 * The {@code evaluate} stage: {@code scores} → {@code metrics/} (Parquet, the per-seed AUCs) and
 * {@code metrics.json} (the same rows plus the mean ± sample std over seeds), staged and committed
 * together under the output directory.
 */
public final class Evaluate {

  public static final String STAGE = "evaluate";

  /**
   * Evaluation settings ({@code tallrec.evaluate}).
   *
   * @param split which scores to evaluate: train, valid, test or all
   * @param parallelism groups evaluated concurrently (one small Spark job each)
   */
  public record Settings(String split, int parallelism) {
    public static final String SECTION = "evaluate";
    public static final String SPLIT = "split";
    public static final String PARALLELISM = "parallelism";
    static final List<String> SPLITS = List.of("train", "valid", "test", "all");

    public Settings {
      if (!SPLITS.contains(split)) {
        throw new IllegalArgumentException("evaluate." + SPLIT + ": '" + split + "' (expected one of " + SPLITS + ")");
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException("evaluate." + PARALLELISM + ": " + parallelism + " (at least 1)");
      }
    }

    /** The {@code tallrec.evaluate} section; errors name the key and where it was set. */
    public static Settings from(TallRecConf conf) {
      Section c = Section.of(conf, SECTION);
      String split = c.getString(SPLIT);
      if (!SPLITS.contains(split)) {
        throw c.invalid(SPLIT, "expected one of " + String.join(", ", SPLITS));
      }
      int parallelism = c.getInt(PARALLELISM);
      if (parallelism < 1) {
        throw c.invalid(PARALLELISM, "at least one group at a time");
      }
      return new Settings(split, parallelism);
    }
  }

  /** What the stage computed and where it wrote it. */
  public record Result(Path out, List<Metric> metrics, List<SeedSummary> summary) {}

  private Evaluate() {}

  public static Result run(SparkSession spark, Path scoresPath, Path out, Settings settings, String configJson) {
    return run(spark, List.of(scoresPath), out, settings, configJson);
  }

  /**
   * Evaluates several scores datasets together (an experiment's LLM runs and baselines), so one
   * metrics table holds every method; each input is recorded in the manifest.
   */
  public static Result run(SparkSession spark, List<Path> scoresPaths, Path out, Settings settings,
      String configJson) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (scoresPaths.isEmpty()) {
      throw new IllegalArgumentException("No scores to evaluate");
    }
    Dataset<Row> scores = null;
    for (Path p : scoresPaths) {
      if (!Fs.exists(p, conf)) {
        throw new IllegalArgumentException("Scores not found: " + p);
      }
      Dataset<Row> one = spark.read().parquet(p.toString());
      Schemas.require(one.schema(), Schemas.SCORES, "scores at " + p);
      one = one.select(Arrays.stream(Schemas.SCORES.fieldNames()).map(c -> col(c)).toArray(Column[]::new));
      scores = scores == null ? one : scores.unionByName(one);
    }
    String where = scoresPaths.size() == 1 ? scoresPaths.get(0).toString() : scoresPaths.size() + " scores datasets";
    Dataset<Row> selected = select(scores, settings.split(), where);

    spark.sparkContext().setJobDescription("evaluate: AUC per group");
    List<Metric> metrics = new AucEvaluator(settings.parallelism()).evaluate(selected);
    List<SeedSummary> summary = SeedSummary.of(metrics);

    try (StagedCommit commit = StagedCommit.begin(conf, out, STAGE)) {
      List<Row> rows = metrics.stream().map(Metric::toRow).toList();
      spark.createDataFrame(rows, Schemas.METRICS).coalesce(1).write().mode(SaveMode.ErrorIfExists)
          .parquet(commit.staging("metrics").toString());
      Fs.writeString(commit.staging("metrics.json"), toJson(settings.split(), metrics, summary), conf);
      Manifest manifest = new Manifest(STAGE);
      for (int i = 0; i < scoresPaths.size(); i++) {
        manifest.inputDataset(scoresPaths.size() == 1 ? "scores" : "scores" + i, scoresPaths.get(i), conf);
      }
      commit.commit(manifest
          .config(configJson)
          .property("split", settings.split())
          .property("std", "sample (ddof=1)")
          .rows("metrics", metrics.size()));
    }
    return new Result(out, metrics, summary);
  }

  /** The rows of one split ({@code all}: every split); an absent split is an error naming those present. */
  static Dataset<Row> select(Dataset<Row> scores, String split, Object scoresPath) {
    if ("all".equals(split)) {
      return scores;
    }
    Dataset<Row> selected = scores.filter(col(Columns.SPLIT).equalTo(split));
    if (selected.limit(1).count() == 0) {
      List<String> present = scores.select(Columns.SPLIT).distinct().as(Encoders.STRING()).collectAsList();
      throw new IllegalArgumentException("Scores at " + scoresPath + " have no rows of split '" + split
          + "'; splits present: " + present + " (set evaluate.split)");
    }
    return selected;
  }

  static String toJson(String split, List<Metric> metrics, List<SeedSummary> summary) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("split", split);
    root.put("std", "sample standard deviation over seeds (ddof=1); null with one seed");
    ArrayNode ms = root.putArray("metrics");
    for (Metric m : metrics) {
      ms.addObject().put("model", m.model()).put("variant", m.variant()).put("train_domain", m.trainDomain())
          .put("test_domain", m.testDomain()).put("k", m.k()).put("seed", m.seed()).put("auc", m.auc())
          .put("n", m.n()).put("n_pos", m.nPos());
    }
    ArrayNode ss = root.putArray("summary");
    for (SeedSummary s : summary) {
      ObjectNode o = ss.addObject().put("model", s.model()).put("variant", s.variant())
          .put("train_domain", s.trainDomain()).put("test_domain", s.testDomain()).put("k", s.k())
          .put("auc_mean", s.mean());
      if (Double.isNaN(s.std())) {
        o.putNull("auc_std");
      } else {
        o.put("auc_std", s.std());
      }
      s.seeds().forEach(o.putArray("seeds")::add);
    }
    try {
      return json.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
