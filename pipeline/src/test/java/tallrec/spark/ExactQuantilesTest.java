package tallrec.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import tallrec.testing.LocalSpark;

/** Exact nearest-rank quantiles equal a sort of the values, whatever the partitioning. */
class ExactQuantilesTest {

  static final double[] QS = {0, 0.1, 0.5, 0.8, 0.9, 0.999, 1};

  /** Value of 1-based rank max(1, ceil(q n)) of the sorted values: the definition, computed by sorting. */
  static long[] bySorting(long[] values, double[] qs) {
    long[] s = values.clone();
    Arrays.sort(s);
    long[] out = new long[qs.length];
    for (int i = 0; i < qs.length; i++) {
      out[i] = s[(int) ExactQuantiles.rank(qs[i], s.length) - 1];
    }
    return out;
  }

  static Dataset<Row> frame(SparkSession spark, long[] values, int partitions) {
    List<Long> boxed = new ArrayList<>();
    for (long v : values) {
      boxed.add(v);
    }
    return spark.createDataset(boxed, Encoders.LONG()).toDF("ts").repartition(partitions);
  }

  @Test
  void timestampsWithTiesEqualTheSortedDefinitionOnAnyLayout() {
    SparkSession spark = LocalSpark.get();
    SplittableRandom rnd = new SplittableRandom(7);
    // Unix seconds over three years, many ties (a rating burst at one second): two histogram levels.
    long[] ts = new long[20_000];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = i % 10 == 0 ? 900_000_000L : 880_000_000L + rnd.nextLong(100_000_000L);
    }
    long[] expected = bySorting(ts, QS);
    for (int partitions : new int[] {1, 3, 8}) {
      assertArrayEquals(expected, ExactQuantiles.of(frame(spark, ts, partitions), "ts", QS), partitions + " partitions");
    }
  }

  @Test
  void narrowRangesAndVeryWideRangesAreExact() {
    SparkSession spark = LocalSpark.get();
    SplittableRandom rnd = new SplittableRandom(11);
    long[] narrow = new long[3_000];
    long[] wide = new long[3_000];
    for (int i = 0; i < narrow.length; i++) {
      narrow[i] = 5 + rnd.nextInt(40); // one exact pass
      wide[i] = rnd.nextLong(1L << 60) - (1L << 59); // four levels, negative values too
    }
    assertArrayEquals(bySorting(narrow, QS), ExactQuantiles.of(frame(spark, narrow, 2), "ts", QS));
    assertArrayEquals(bySorting(wide, QS), ExactQuantiles.of(frame(spark, wide, 2), "ts", QS));
  }

  @Test
  void rankIsComputedInDecimal() {
    assertEquals(7, ExactQuantiles.rank(0.07, 100)); // 0.07 * 100 in binary floating point is 7.000000000000001
    assertEquals(723_808, ExactQuantiles.rank(0.8, 904_760));
    assertEquals(1, ExactQuantiles.rank(0, 5));
    assertEquals(5, ExactQuantiles.rank(1, 5));
  }

  @Test
  void emptyInputHasNoQuantilesAndBadQuantilesAreRefused() {
    SparkSession spark = LocalSpark.get();
    assertEquals(0, ExactQuantiles.of(frame(spark, new long[0], 1), "ts", 0.5).length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExactQuantiles.of(frame(spark, new long[] {1}, 1), "ts", 1.5));
    assertEquals("quantile 1.5 is not within [0, 1]", e.getMessage());
  }
}
