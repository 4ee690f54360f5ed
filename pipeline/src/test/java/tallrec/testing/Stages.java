package tallrec.testing;

import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;
import tallrec.data.ItemTexts;
import tallrec.dataset.DomainSpec;
import tallrec.dataset.InstructionSettings;
import tallrec.dataset.Instructions;
import tallrec.dataset.SampleRenderer;
import tallrec.dataset.SelectionMode;

/** Runs real stages the way the jobs do, for tests that need their outputs. */
public final class Stages {

  private Stages() {}

  public static Ingest.Result ingest(SparkSession spark, TallRecConf conf, String source, String inputDir,
      String ratings, String items, Path out) {
    return Ingest.run(spark, conf, source, inputDir, ratings, items, new org.apache.hadoop.fs.Path(out.toUri()));
  }

  public static Instructions.Result instructions(SparkSession spark, TallRecConf conf, Path dataset,
      SelectionMode mode, String domain, Path export) {
    return instructions(spark, conf, dataset, dataset, mode, domain, export);
  }

  /** Reads {@code dataset}, writes samples/ and kshot/ under {@code out}. */
  public static Instructions.Result instructions(SparkSession spark, TallRecConf conf, Path dataset, Path out,
      SelectionMode mode, String domain, Path export) {
    org.apache.hadoop.fs.Path d = new org.apache.hadoop.fs.Path(dataset.toUri());
    return Instructions.run(spark, d, new org.apache.hadoop.fs.Path(out.toUri()),
        DomainSpec.of(domain, conf.section("domains")),
        InstructionSettings.from(conf.with("instructions.mode", mode.name().toLowerCase(Locale.ROOT))),
        export == null ? null : new org.apache.hadoop.fs.Path(export.toUri()), conf.renderJson(""));
  }

  /**
   * The samples at {@code samplesDir} with their items' texts (from the dataset's item_texts) and
   * their prompt's instruction, input and output, as the reference's rows carry them.
   */
  public static Dataset<Row> promptedSamples(SparkSession spark, Path samplesDir, String noun) {
    String p = samplesDir.toUri().toString();
    return SampleRenderer.withPrompts(ItemTexts.attach(spark.read().parquet(p), p), noun);
  }
}
