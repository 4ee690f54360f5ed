package tallrec.dataset;

import static org.apache.spark.sql.functions.col;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import tallrec.conf.TallRecConf;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.data.Schemas;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/**
 * The {@code instructions} stage: {@code interactions} + {@code items} → {@code samples} (all
 * splits), {@code kshot/k=K/seed=S} and the items' prompt texts {@code item_texts}, optionally
 * also the reference's Alpaca JSON files.
 * Outputs are staged and committed together; a failure leaves the previous outputs untouched.
 */
public final class Instructions {

  public static final String STAGE = "instructions";

  /** What the stage wrote. */
  public record Result(Path out, String domain, SelectionMode mode, Map<String, Long> splitCounts,
      long kshotRows, Long validStart, Long testStart, Path exported) {}

  private Instructions() {}

  /** The domain recorded by {@code ingest} in the interactions' manifest, or null. */
  public static String recordedDomain(Path datasetIn, Configuration conf) {
    Manifest m = Manifest.readIfPresent(new Path(datasetIn, "interactions"), conf);
    return m == null ? null : m.property("domain");
  }

  /**
   * Resolves mode, domain (default: the one {@code ingest} recorded) and settings from
   * {@code conf}, then runs the stage.
   */
  public static Result run(SparkSession spark, TallRecConf conf, Path in, Path out, String domain,
      Path exportJson) {
    String d = domain != null ? domain : recordedDomain(in, spark.sparkContext().hadoopConfiguration());
    if (d == null) {
      throw new IllegalArgumentException("No domain recorded in " + in + "/interactions/_MANIFEST.json: pass --domain movie|book|...");
    }
    return run(spark, in, out, DomainSpec.of(d, conf.section("domains")), InstructionSettings.from(conf), exportJson,
        conf.renderJson(""));
  }

  public static Result run(SparkSession spark, Path in, Path out, DomainSpec domain, InstructionSettings settings,
      Path exportJson, String configJson) {
    SelectionMode mode = settings.mode();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path interactionsPath = new Path(in, "interactions");
    Path itemsPath = new Path(in, "items");
    for (Path p : new Path[] {interactionsPath, itemsPath}) {
      if (!Fs.exists(p, conf)) {
        throw new IllegalArgumentException("Input dataset lacks " + p + ": run `tallrec ingest --out " + in + "` first");
      }
    }
    Dataset<Row> interactions = spark.read().parquet(interactionsPath.toString());
    Dataset<Row> items = spark.read().parquet(itemsPath.toString());
    Schemas.require(interactions.schema(), Schemas.INTERACTIONS, "interactions at " + interactionsPath);
    Schemas.require(items.schema(), Schemas.ITEMS, "items at " + itemsPath);

    Dataset<Row> enriched = HistoryWindows.enrich(interactions, items, domain);
    Dataset<Row> windows;
    Long validStart = null;
    Long testStart = null;
    spark.sparkContext().setJobDescription("instructions: select windows");
    if (mode == SelectionMode.TEMPORAL) {
      TemporalSelection.Result r = TemporalSelection.select(enriched, settings);
      windows = r.windows();
      validStart = r.validStart();
      testStart = r.testStart();
    } else if (enriched.filter(col(Columns.TS).isNull()).limit(1).count() > 0) {
      windows = TallRecSelection.shuffled(enriched, settings);
    } else {
      windows = TallRecSelection.chronological(enriched, settings);
    }

    try (StagedCommit commit = StagedCommit.begin(conf, out, STAGE)) {
      spark.sparkContext().setJobDescription("instructions: render samples");
      Path samplesPath = commit.staging("samples");
      SampleRenderer.render(windows, domain).write().mode(SaveMode.ErrorIfExists).parquet(samplesPath.toString());
      // The catalogue's texts once, beside the samples that name its items by id.
      Map<String, String> texts = SampleRenderer.itemTexts(items, domain);
      ItemTexts.toDataset(spark, texts).coalesce(1).write().mode(SaveMode.ErrorIfExists)
          .parquet(commit.staging(ItemTexts.DIR).toString());
      Dataset<Row> samples = spark.read().parquet(samplesPath.toString());

      spark.sparkContext().setJobDescription("instructions: split counts");
      Map<String, Long> counts = new TreeMap<>();
      for (Row r : samples.groupBy(Columns.SPLIT).count().collectAsList()) {
        counts.put(r.getString(0), r.getLong(1));
      }
      for (SplitName s : SplitName.values()) {
        counts.putIfAbsent(s.value(), 0L);
      }
      if (counts.get("train") == 0 || counts.get("test") == 0) {
        throw new IllegalArgumentException("instructions produced " + counts + " samples from " + in
            + ": a split is empty (too little data for history-length " + settings.historyLength() + "?)");
      }

      spark.sparkContext().setJobDescription("instructions: K-shot sets");
      Dataset<Row> kshot = KShotSampler.sample(spark, samples, settings.kshotKs(), settings.kshotSeeds());
      kshot.write().mode(SaveMode.ErrorIfExists).partitionBy(Columns.K, Columns.SEED).parquet(commit.staging("kshot")
          .toString());
      long kshotRows = kshot.count();

      Manifest manifest = new Manifest(STAGE)
          .inputDataset("interactions", interactionsPath, conf)
          .inputDataset("items", itemsPath, conf)
          .config(configJson)
          .property("domain", domain.name())
          .property("mode", mode.name().toLowerCase(Locale.ROOT))
          .rows("kshot", kshotRows)
          .rows(ItemTexts.DIR, texts.size());
      counts.forEach((k, v) -> manifest.rows("samples." + k, v));
      if (validStart != null) {
        manifest.property("temporal.valid-start", validStart.toString())
            .property("temporal.test-start", testStart.toString());
      }

      Path exported = null;
      if (exportJson != null) {
        try (StagedCommit export = StagedCommit.begin(conf, exportJson, "export")) {
          spark.sparkContext().setJobDescription("instructions: JSON export");
          for (SplitName s : SplitName.values()) {
            export.staging(s.value() + ".json");
          }
          AlpacaJsonExport.write(samples, texts, domain.noun(), export.stagingDir(), conf);
          commit.commit(manifest);
          export.commit(manifest);
          exported = exportJson;
        }
      } else {
        commit.commit(manifest);
      }
      return new Result(out, domain.name(), mode, counts, kshotRows, validStart, testStart, exported);
    }
  }
}
