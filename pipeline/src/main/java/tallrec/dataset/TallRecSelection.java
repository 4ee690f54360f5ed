package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import tallrec.data.Columns;

/**
 * The paper's sample selection, reproduced exactly for comparability with its numbers.
 *
 * <p><b>Chronological sources (MovieLens):</b> users in order of their first appearance in the
 * ratings file; each user's ratings stably sorted by time; one sample per position i ≥ N with the
 * N previous items as history; all users' samples concatenated in that order; the last
 * {@code keepLast} kept and split in order by the split fractions (80/10/10).
 *
 * <p><b>Sources without time (BookCrossing):</b> users with more than
 * {@code minUserInteractions} ratings; a seeded shuffle of each user's items; the last one is the
 * target and the first up to N of the others the history; users split 80/10/10 by a seeded
 * shuffle.
 *
 * <p>Output: the {@link HistoryWindows} columns plus {@code split} and {@code sample_index} (the
 * position in the reference's order).
 */
public final class TallRecSelection {

  private TallRecSelection() {}

  public static Dataset<Row> chronological(Dataset<Row> enriched, InstructionSettings s) {
    int n = s.historyLength();
    Dataset<Row> windows = HistoryWindows.chronological(enriched, n).filter(col("pos").geq(n));
    // Per-user sample counts are small (one row per user): their running sum in first-appearance
    // order gives every sample its global index without a global sort of the samples.
    Dataset<Row> users = enriched.groupBy(Columns.USER_ID)
        .agg(min(col(Columns.SEQ)).as("_first"), count(lit(1)).as("_n"))
        .withColumn("_c", greatest(col("_n").minus(n), lit(0L)));
    WindowSpec byFirst = Window.orderBy("_first");
    Dataset<Row> offsets = users.withColumn("_offset",
            sum(col("_c")).over(byFirst.rowsBetween(Window.unboundedPreceding(), -1)))
        .na().fill(0L, new String[] {"_offset"})
        .select(col(Columns.USER_ID).as("_uid"), col("_offset"));
    Row totalRow = users.agg(sum(col("_c"))).first();
    long total = totalRow.isNullAt(0) ? 0 : totalRow.getLong(0);
    long kept = Math.min(total, s.keepLast());
    long dropped = total - kept;
    long trainEnd = (long) Math.floor(kept * s.splitFractions().get(0));
    long validEnd = (long) Math.floor(kept * s.splitFractions().get(1));
    Column index = col("_offset").plus(col("pos")).minus(n).minus(dropped);
    return windows.join(offsets, windows.col(Columns.USER_ID).equalTo(offsets.col("_uid")))
        .withColumn("sample_index", index)
        .filter(col("sample_index").geq(0))
        .withColumn("split", when(col("sample_index").lt(trainEnd), "train")
            .when(col("sample_index").lt(validEnd), "valid").otherwise("test"))
        .drop("_uid", "_offset");
  }

  public static Dataset<Row> shuffled(Dataset<Row> enriched, InstructionSettings s) {
    int n = s.historyLength();
    long seed = s.seed();
    Dataset<Row> eligible = enriched.withColumn("_n", count(lit(1)).over(Window.partitionBy(Columns.USER_ID)))
        .filter(col("_n").gt(s.minUserInteractions())).drop("_n");
    Column key = xxhash64(lit(seed), col(Columns.USER_ID), col(Columns.ITEM_ID));
    WindowSpec order = Window.partitionBy(Columns.USER_ID).orderBy(key, col(Columns.SEQ));
    Column entry = HistoryWindows.entry();
    // Only the first N shuffled items and the last one matter; keep at most N + 1 rows per user.
    Dataset<Row> ranked = eligible
        .withColumn("pos", row_number().over(order).minus(1))
        .withColumn("n_user", count(lit(1)).over(Window.partitionBy(Columns.USER_ID)))
        .filter(col("pos").lt(n).or(col("pos").equalTo(col("n_user").minus(1))));
    Dataset<Row> perUser = ranked.groupBy(Columns.USER_ID).agg(
        collect_list(struct(col("pos"), entry.as("e"))).as("_all"),
        first(when(col("pos").equalTo(col("n_user").minus(1)),
            struct(col("pos"), col(Columns.ITEM_ID), col(Columns.TS), col(Columns.SEQ), col(Columns.LABEL))),
            true).as("_t"));
    Dataset<Row> samples = perUser.selectExpr(
        "user_id", "_t.pos as pos",
        "_t.item_id as target_item_id", "_t.ts as target_ts", "_t.seq as target_seq", "_t.label as label",
        "transform(filter(array_sort(_all), x -> x.pos < _t.pos), x -> x.e) as history");
    // Users split by a seeded shuffle; one row per user, so a global window is cheap here.
    Dataset<Row> ordered = samples.withColumn("_u", xxhash64(lit(seed + 1), col(Columns.USER_ID)))
        .withColumn("sample_index",
            row_number().over(Window.orderBy(col("_u"), col(Columns.USER_ID))).minus(1).cast("long"))
        .drop("_u");
    long users = ordered.count();
    long trainEnd = (long) Math.floor(users * s.splitFractions().get(0));
    long validEnd = (long) Math.floor(users * s.splitFractions().get(1));
    return ordered.withColumn("split", when(col("sample_index").lt(trainEnd), "train")
        .when(col("sample_index").lt(validEnd), "valid").otherwise("test"));
  }
}
