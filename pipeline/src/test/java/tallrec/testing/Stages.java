package tallrec.testing;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;
import tallrec.data.RawSource;
import tallrec.data.RawSources;
import tallrec.dataset.DomainSpec;
import tallrec.dataset.InstructionSettings;
import tallrec.dataset.Instructions;
import tallrec.dataset.SelectionMode;

/** Runs real stages the way the jobs do, for tests that need their outputs. */
public final class Stages {

  private Stages() {}

  public static Ingest.Result ingest(SparkSession spark, TallRecConf conf, String source, String inputDir,
      String ratings, String items, Path out) {
    RawSource raw = RawSources.resolve(source, conf.section("sources"), inputDir, ratings, items,
        spark.sparkContext().hadoopConfiguration());
    DomainSpec domain = DomainSpec.of(raw.domain(), conf.section("domains"));
    Ingest.Settings settings = new Ingest.Settings(
        conf.section("ingest").getDouble("max-malformed-fraction"),
        conf.section("ingest").getBoolean("unknown-items-are-malformed"),
        domain.likeThreshold());
    return Ingest.run(spark, raw, settings, new org.apache.hadoop.fs.Path(out.toUri()), conf.renderJson(""));
  }

  public static Instructions.Result instructions(SparkSession spark, TallRecConf conf, Path dataset,
      SelectionMode mode, String domain, Path export) {
    return instructions(spark, conf, dataset, dataset, mode, domain, export);
  }

  /** Reads {@code dataset}, writes samples/ and kshot/ under {@code out}. */
  public static Instructions.Result instructions(SparkSession spark, TallRecConf conf, Path dataset, Path out,
      SelectionMode mode, String domain, Path export) {
    org.apache.hadoop.fs.Path d = new org.apache.hadoop.fs.Path(dataset.toUri());
    return Instructions.run(spark, d, new org.apache.hadoop.fs.Path(out.toUri()), mode,
        DomainSpec.of(domain, conf.section("domains")),
        InstructionSettings.from(conf.section("instructions")),
        export == null ? null : new org.apache.hadoop.fs.Path(export.toUri()), conf.renderJson(""));
  }
}
