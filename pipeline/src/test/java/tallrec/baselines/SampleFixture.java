package tallrec.baselines;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import tallrec.data.ItemTexts;
import tallrec.dataset.SampleRenderer;

/** Hand-made {@code samples} rows: only ids, history and label matter to the baselines. */
final class SampleFixture {

  private final List<Row> rows = new ArrayList<>();
  private final Map<String, String> texts = new TreeMap<>();

  /** history: "itemId:label" pairs, oldest first. */
  SampleFixture add(String id, String split, String user, String target, int label, String... history) {
    List<String> items = Arrays.stream(history).map(h -> h.split(":")[0]).toList();
    List<Integer> labels = Arrays.stream(history).map(h -> Integer.parseInt(h.split(":")[1])).toList();
    for (String i : items) {
      texts.put(i, "\"" + i + "\"");
    }
    texts.put(target, "\"" + target + "\"");
    rows.add(RowFactory.create(id, "movie", user, target, scala(items), scala(labels), null, label, split,
        (long) rows.size()));
    return this;
  }

  private static <T> scala.collection.immutable.Seq<T> scala(List<T> l) {
    return scala.jdk.javaapi.CollectionConverters.asScala(l).toList();
  }

  /** The items' texts, as {@code instructions} writes them beside the samples (DATASET/item_texts). */
  void writeItemTexts(SparkSession spark, java.nio.file.Path dir) {
    ItemTexts.toDataset(spark, texts).write().parquet(dir.toString());
  }

  Dataset<Row> build(SparkSession spark) {
    return spark.createDataFrame(rows, SampleRenderer.SCHEMA);
  }
}
