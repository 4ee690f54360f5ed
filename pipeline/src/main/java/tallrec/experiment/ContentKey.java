package tallrec.experiment;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.io.Fs;

/**
 * A key for the rows a step actually reads (one K-shot set, one split), independent of how they
 * were written: count and order-free sum of row hashes, computed in Spark. Manifest fingerprints
 * cover a whole stage output, so adding K = 128 to the K-shot sets would otherwise re-run every
 * tuning of K = 64, whose training rows did not change.
 */
final class ContentKey {

  private ContentKey() {}

  /** Key of the Parquet rows at {@code path}, optionally only those whose {@code split} is in {@code splits}. */
  static String of(SparkSession spark, String path, List<String> splits) {
    if (!Fs.exists(new Path(path), spark.sparkContext().hadoopConfiguration())) {
      return path + " missing"; // not written yet (a dry run before its upstream stage)
    }
    Dataset<Row> df = spark.read().parquet(path);
    if (!splits.isEmpty() && Arrays.asList(df.columns()).contains("split")) {
      df = df.filter(col(Columns.SPLIT).isin(splits.toArray()));
    }
    // Samples name their items by id; the prompts a step reads also depend on the items' texts.
    if (Arrays.asList(df.columns()).contains(Columns.HISTORY_ITEM_IDS)
        && ItemTexts.locate(path, spark.sparkContext().hadoopConfiguration()) != null) {
      df = ItemTexts.attach(df, path);
    }
    Column[] cols = Arrays.stream(df.columns()).sorted().map(c -> col(c)).toArray(Column[]::new);
    Row r = df.select(xxhash64(cols).as("h")).agg(count(lit(1)), sum(col("h").cast("decimal(38,0)"))).first();
    return path + " rows=" + r.getLong(0) + " hash=" + r.get(1);
  }
}
