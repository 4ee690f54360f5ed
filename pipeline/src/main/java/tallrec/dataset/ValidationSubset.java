package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sha2;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import tallrec.data.Columns;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/**
 * A fixed subset of the validation split for early stopping. Rec-tuning evaluates validation AUC
 * every few steps; with a full split of thousands of prompts that evaluation costs more than the
 * training on a small backbone, so an experiment may cap it. The subset is the N samples with the
 * smallest SHA-256 of their id: a uniform draw that does not depend on partitioning or seeds, and
 * a superset of itself when N grows.
 */
public final class ValidationSubset {

  public static final String STAGE = "valid-subset";

  private ValidationSubset() {}

  public static long write(SparkSession spark, Path samples, Path out, int limit, String configJson) {
    if (limit <= 0) {
      throw new IllegalArgumentException("validation subset size must be positive, got " + limit);
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Dataset<Row> valid = spark.read().parquet(samples.toString()).filter(col(Columns.SPLIT)
        .equalTo(SplitName.VALID.value()))
        .orderBy(sha2(col(Columns.SAMPLE_ID), 256)).limit(limit);
    Path target = Fs.of(out, conf).makeQualified(out);
    try (StagedCommit commit = StagedCommit.begin(conf, target.getParent(), STAGE)) {
      Path staged = commit.staging(target.getName());
      valid.coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(staged.toString());
      long rows = spark.read().parquet(staged.toString()).count();
      if (rows == 0) {
        throw new IllegalArgumentException("samples at " + samples + " have no valid split to draw from");
      }
      commit.commit(new Manifest(STAGE).inputDataset("samples", samples, conf).config(configJson)
          .property("limit", Integer.toString(limit)).rows("samples", rows));
      return rows;
    }
  }
}
