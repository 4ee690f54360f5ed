package tallrec.baselines;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import tallrec.dataset.SampleRenderer;

/** Hand-made {@code samples} rows: only ids, history and label matter to the baselines. */
final class SampleFixture {

  private final List<Row> rows = new ArrayList<>();

  /** history: "itemId:label" pairs, oldest first. */
  SampleFixture add(String id, String split, String user, String target, int label, String... history) {
    List<String> items = Arrays.stream(history).map(h -> h.split(":")[0]).toList();
    List<Integer> labels = Arrays.stream(history).map(h -> Integer.parseInt(h.split(":")[1])).toList();
    List<String> texts = items.stream().map(i -> "\"" + i + "\"").toList();
    rows.add(RowFactory.create(id, "movie", user, target, scala(items), scala(labels), null, "i", "in",
        label == 1 ? "Yes." : "No.", label, split, scala(texts), "\"" + target + "\"", (long) rows.size()));
    return this;
  }

  private static <T> scala.collection.immutable.Seq<T> scala(List<T> l) {
    return scala.jdk.javaapi.CollectionConverters.asScala(l).toList();
  }

  Dataset<Row> build(SparkSession spark) {
    return spark.createDataFrame(rows, SampleRenderer.SCHEMA);
  }
}
