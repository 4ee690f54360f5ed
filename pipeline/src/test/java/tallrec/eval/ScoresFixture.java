package tallrec.eval;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import tallrec.data.Schemas;

/** Builds small {@code scores} DataFrames by hand. */
final class ScoresFixture {

  private final List<Row> rows = new ArrayList<>();

  ScoresFixture add(String model, int k, int seed, int[] labels, double[] scores) {
    return add(model, "movie", "test", k, seed, labels, scores);
  }

  ScoresFixture add(String model, String domain, String split, int k, int seed, int[] labels, double[] scores) {
    for (int i = 0; i < labels.length; i++) {
      rows.add(RowFactory.create(model + "-" + k + "-" + seed + "-" + i, domain, split, labels[i], scores[i],
          null, null, model, "", "movie", k, seed));
    }
    return this;
  }

  Dataset<Row> build(SparkSession spark) {
    return spark.createDataFrame(rows, Schemas.SCORES);
  }
}
