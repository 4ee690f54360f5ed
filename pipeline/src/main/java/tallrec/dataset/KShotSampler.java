package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import tallrec.data.Columns;

/**
 * Draws the few-shot training sets of rec-tuning: for each seed, training samples are ranked by a
 * hash of (seed, sample_id) and the first K taken. The draw is thus deterministic for a seed,
 * independent of partitioning, and nested across K (the 16-shot set is inside the 64-shot set),
 * so a curve over K compares like with like.
 */
public final class KShotSampler {

  private KShotSampler() {}

  /** The schema of a K-shot set: samples plus {@code k} and {@code seed}. */
  public static StructType schema(StructType samples) {
    return samples.add(Columns.K, DataTypes.IntegerType, false).add(Columns.SEED, DataTypes.IntegerType, false);
  }

  /**
   * All K-shot sets as one DataFrame with {@code k} and {@code seed} columns. Each seed's largest
   * draw is a top-K over the sample ids alone (a narrow column, not whole samples with their
   * history), then one pass fetches the drawn samples; both are small, so they are sliced on the
   * driver.
   */
  public static Dataset<Row> sample(SparkSession spark, Dataset<Row> samples, List<Integer> ks, List<Integer> seeds) {
    Dataset<Row> train = samples.filter(col(Columns.SPLIT).equalTo(SplitName.TRAIN.value()));
    int maxK = ks.stream().mapToInt(Integer::intValue).max().orElse(0);
    StructType schema = schema(samples.schema());
    Map<Integer, List<String>> drawn = new LinkedHashMap<>();
    Set<String> ids = new HashSet<>();
    for (int seed : seeds) {
      List<String> ranked = train.select(col(Columns.SAMPLE_ID))
          .withColumn("_draw", xxhash64(lit(seed), col(Columns.SAMPLE_ID)))
          .orderBy(col("_draw"), col(Columns.SAMPLE_ID)).limit(maxK).select(Columns.SAMPLE_ID)
          .as(Encoders.STRING()).collectAsList();
      drawn.put(seed, ranked);
      ids.addAll(ranked);
    }
    Map<String, Row> byId = new HashMap<>();
    if (!ids.isEmpty()) {
      for (Row r : train.filter(col(Columns.SAMPLE_ID).isin(ids.toArray())).collectAsList()) {
        byId.put(r.getString(r.fieldIndex(Columns.SAMPLE_ID)), r);
      }
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<Integer, List<String>> draw : drawn.entrySet()) {
      int seed = draw.getKey();
      List<String> ranked = draw.getValue();
      for (int k : ks) {
        if (k > ranked.size()) {
          throw new IllegalArgumentException("K = " + k + " exceeds the " + ranked.size()
              + " training samples; lower instructions.kshot.k");
        }
        for (String id : ranked.subList(0, k)) {
          Row r = byId.get(id);
          Object[] values = new Object[r.length() + 2];
          for (int i = 0; i < r.length(); i++) {
            values[i] = r.get(i);
          }
          values[r.length()] = k;
          values[r.length() + 1] = seed;
          rows.add(RowFactory.create(values));
        }
      }
    }
    return spark.createDataFrame(rows, schema);
  }
}
