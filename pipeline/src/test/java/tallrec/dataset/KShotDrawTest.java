package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import tallrec.testing.LocalSpark;

/** The one-pass draw of every seed equals Spark's own sort by (xxhash64(seed, id), id) per seed. */
class KShotDrawTest {

  @Test
  void onePassDrawsEqualASortPerSeedOnAnyLayout() {
    SparkSession spark = LocalSpark.get();
    // Ids of mixed lengths and a non-ASCII one, so ties in order would show a byte-order mistake.
    Dataset<Row> base = spark.range(6_000).selectExpr("concat('movie-', id % 97, '-', id, IF(id % 11 = 0, 'é', '')) AS sample_id");
    List<Integer> seeds = List.of(0, 1, 7);
    for (int partitions : new int[] {1, 5}) {
      Dataset<Row> train = base.repartition(partitions);
      List<List<KShotSampler.Draw>> drawn = KShotSampler.topDraws(train, seeds, 64);
      for (int i = 0; i < seeds.size(); i++) {
        List<String> bySort = train.withColumn("_d", xxhash64(lit(seeds.get(i)), col("sample_id")))
            .orderBy(col("_d"), col("sample_id")).limit(64).select("sample_id").as(Encoders.STRING()).collectAsList();
        assertEquals(bySort, drawn.get(i).stream().map(KShotSampler.Draw::id).toList(),
            "seed " + seeds.get(i) + ", " + partitions + " partitions");
      }
    }
    assertEquals(List.of(), KShotSampler.topDraws(base, List.of(3), 0).get(0));
  }
}
