package tallrec.baselines;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.data.Columns;

/**
 * Per-item like counts learned from a set of training samples. Every sample tells us its target's
 * label and its history's labels, all (user, item) ratings; sliding history windows repeat the
 * same rating many times, so ratings are first made distinct per (user, item) and each counts once.
 *
 * @param counts {@code item_id, item_likes long, item_n long}
 * @param prior the global like rate of those ratings (0.5 when there are none)
 */
public record ItemStats(Dataset<Row> counts, double prior) {

  /** The distinct (user, item, label) ratings that {@code samples} reveal. */
  static Dataset<Row> ratings(Dataset<Row> samples) {
    Dataset<Row> targets = samples.select(col(Columns.USER_ID), col(Columns.TARGET_ITEM_ID).as(Columns.ITEM_ID),
        col(Columns.LABEL));
    Dataset<Row> history = samples
        .selectExpr("user_id", "inline(arrays_zip(history_item_ids, history_labels))")
        .select(col(Columns.USER_ID), col(Columns.HISTORY_ITEM_IDS).as(Columns.ITEM_ID),
            col(Columns.HISTORY_LABELS).as(Columns.LABEL));
    return targets.unionByName(history).groupBy(Columns.USER_ID, Columns.ITEM_ID)
        .agg(max(Columns.LABEL).as(Columns.LABEL));
  }

  public static ItemStats of(Dataset<Row> samples) {
    Dataset<Row> ratings = ratings(samples);
    Row global = ratings.agg(avg(col(Columns.LABEL).cast("double"))).first();
    double prior = global.isNullAt(0) ? 0.5 : global.getDouble(0);
    Dataset<Row> counts = ratings.groupBy(Columns.ITEM_ID)
        .agg(sum("label").cast("long").as("item_likes"), count(lit(1)).as("item_n"));
    return new ItemStats(counts, prior);
  }

  /**
   * Adds {@code item_likes}, {@code item_n} (0 for unseen items), {@code item_rate} = (likes + a ·
   * prior) / (n + a) and {@code item_pop} = log(1 + n) for each sample's target.
   *
   * @param leaveOwnOut for samples that were themselves counted (a model's training rows): remove
   *     the sample's own target rating, which would otherwise reveal its label
   */
  public Dataset<Row> join(Dataset<Row> samples, double smoothing, boolean leaveOwnOut) {
    Dataset<Row> c = counts.withColumnRenamed("item_id", "_item");
    Dataset<Row> joined = samples.join(c, samples.col(Columns.TARGET_ITEM_ID).equalTo(c.col("_item")), "left")
        .drop("_item")
        .withColumn("item_likes", coalesce(col("item_likes"), lit(0L)))
        .withColumn("item_n", coalesce(col("item_n"), lit(0L)));
    if (leaveOwnOut) {
      joined = joined.withColumn("item_likes", col("item_likes").minus(col(Columns.LABEL)))
          .withColumn("item_n", col("item_n").minus(1));
    }
    return joined
        .withColumn("item_rate", col("item_likes").plus(lit(smoothing * prior)).divide(col("item_n").plus(smoothing)))
        .withColumn("item_pop", log1p(col("item_n")));
  }
}
