package tallrec.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Exact nearest-rank quantiles of a {@code long} column, computed by narrowing histograms, so the
 * answer depends on the values alone: not on partitioning, file layout or task order, as Spark's
 * {@code approxQuantile} does (its sketches merge per partition, so the same rows written as four
 * files instead of three can move a cut point, and with it which samples are train or test).
 *
 * <p>The quantile {@code q} of {@code n} values is the value of 1-based rank {@code max(1, ⌈q·n⌉)}
 * in ascending order (numpy's {@code inverted_cdf}, "nearest rank"): always a value of the data.
 *
 * <p>Cost: the column is projected and cached once; then one pass for count/min/max, and one pass
 * per level of histograms of at most {@value #BUCKETS} buckets (one histogram per quantile,
 * counted together) until a bucket spans at most {@value #BUCKETS} values, which are then counted
 * exactly. Unix-second timestamps spanning decades take two levels, so three passes over the
 * cached column in all. The driver collects at most {@value #BUCKETS} rows per quantile per pass.
 */
public final class ExactQuantiles {

  /** Buckets per histogram level, and the widest value range whose exact counts are collected. */
  static final int BUCKETS = 1 << 16;

  private ExactQuantiles() {}

  /**
   * The exact quantiles {@code qs} (each in [0, 1]) of the non-null values of {@code column}, or an
   * empty array when it has none.
   */
  public static long[] of(Dataset<Row> data, String column, double... qs) {
    for (double q : qs) {
      if (!(q >= 0 && q <= 1)) {
        throw new IllegalArgumentException("quantile " + q + " is not within [0, 1]");
      }
    }
    Dataset<Row> values = data.select(col(column).cast("long").as("v")).filter(col("v").isNotNull())
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row stats = values.agg(count("v"), min("v"), max("v")).first();
      long n = stats.getLong(0);
      if (n == 0) {
        return new long[0];
      }
      long lo = stats.getLong(1);
      long hi = stats.getLong(2);
      if (hi - lo < 0 || hi - lo > Long.MAX_VALUE / 4) {
        throw new IllegalArgumentException(column + " spans " + lo + " .. " + hi + ": too wide a range for exact quantiles");
      }
      long[] ranks = new long[qs.length];
      for (int i = 0; i < qs.length; i++) {
        ranks[i] = rank(qs[i], n);
      }
      return valuesOfRanks(values, ranks, lo, hi);
    } finally {
      values.unpersist();
    }
  }

  /**
   * The 1-based nearest rank of {@code q} among {@code n} values, computed in decimal: 0.07 · 100
   * is 7, where doubles give 7.000000000000001 and so rank 8.
   */
  static long rank(double q, long n) {
    long r = new BigDecimal(Double.toString(q)).multiply(BigDecimal.valueOf(n)).setScale(0, RoundingMode.CEILING)
        .longValueExact();
    return Math.max(1, Math.min(n, r));
  }

  /**
   * The values of 1-based ranks {@code ranks} among {@code values}, all within [lo, hi]. Every
   * quantile narrows in the same passes: each level's ranges are cells of the same nested grids,
   * so two quantiles' ranges are either the same or disjoint, and one pass counts them all.
   */
  private static long[] valuesOfRanks(Dataset<Row> values, long[] ranks, long lo, long hi) {
    int k = ranks.length;
    long[] los = new long[k];
    long[] his = new long[k];
    long[] below = new long[k]; // per quantile: values less than its range's lo
    long[] found = new long[k];
    boolean[] done = new boolean[k];
    Arrays.fill(los, lo);
    Arrays.fill(his, hi);
    while (true) {
      // The distinct ranges still open, each with its bucket width (1: count each value exactly).
      Map<Long, long[]> ranges = new LinkedHashMap<>(); // lo -> {hi, width}
      for (int i = 0; i < k; i++) {
        if (!done[i]) {
          long span = his[i] - los[i] + 1;
          ranges.putIfAbsent(los[i], new long[] {his[i], span <= BUCKETS ? 1 : (span + BUCKETS - 1) / BUCKETS});
        }
      }
      if (ranges.isEmpty()) {
        return found;
      }
      StringBuilder range = new StringBuilder("CASE");
      StringBuilder bucket = new StringBuilder("CASE");
      for (Map.Entry<Long, long[]> e : ranges.entrySet()) {
        String in = " WHEN v BETWEEN " + e.getKey() + " AND " + e.getValue()[0] + " THEN ";
        range.append(in).append(e.getKey());
        // Integer division (div), not a double: exact for any long.
        bucket.append(in).append("(v - ").append(e.getKey()).append(") div ").append(e.getValue()[1]);
      }
      List<Row> counts = values.select(expr(range + " END").cast("long").as("r"), expr(bucket + " END").cast("long").as("b"))
          .filter(col("r").isNotNull()).groupBy("r", "b").count().collectAsList();
      Map<Long, TreeMap<Long, Long>> byRange = new HashMap<>();
      for (Row c : counts) {
        byRange.computeIfAbsent(c.getLong(0), x -> new TreeMap<>()).put(c.getLong(1), c.getLong(2));
      }
      for (int i = 0; i < k; i++) {
        if (done[i]) {
          continue;
        }
        long width = ranges.get(los[i])[1];
        boolean inRange = false;
        for (Map.Entry<Long, Long> b : byRange.getOrDefault(los[i], new TreeMap<>()).entrySet()) {
          if (below[i] + b.getValue() >= ranks[i]) {
            long start = los[i] + b.getKey() * width;
            if (width == 1) {
              found[i] = start;
              done[i] = true;
            } else {
              his[i] = Math.min(his[i], start + width - 1);
              los[i] = start;
            }
            inRange = true;
            break;
          }
          below[i] += b.getValue();
        }
        if (!inRange) {
          throw new IllegalStateException("rank " + ranks[i] + " is beyond the values: the input changed between passes");
        }
      }
    }
  }
}
