package tallrec.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.ArraySeq;
import tallrec.io.DriverParquet;
import tallrec.io.Fs;
import tallrec.io.ParquetFooters;

/**
 * The items as a dataset's prompts render them ({@code item_texts}: {@code item_id, text}), kept
 * once per dataset beside its {@code samples} and {@code kshot} sets, which carry item ids only.
 *
 * <p>Why: a sample names ten history items and a target; storing their rendered texts (and the
 * prompt built from them) in every row made the samples three times larger and their writing half
 * of the {@code instructions} stage at 10 M ratings, for text the catalogue already holds. Readers
 * that need prompts {@link #attach} the texts to the rows they selected, so a consumer of the test
 * split renders the test split only.
 */
public final class ItemTexts {

  /** The table's directory name, beside {@code samples/}. */
  public static final String DIR = "item_texts";

  /** How far up from a samples-like path the table is looked for: {@code DATASET/kshot/k=K/seed=S}. */
  private static final int MAX_LEVELS_UP = 3;

  private ItemTexts() {}

  /**
   * The {@code item_texts} directory of the dataset that {@code rowsPath} belongs to: beside it,
   * or beside one of its parents ({@code DATASET/samples}, {@code DATASET/valid-N},
   * {@code DATASET/kshot/k=K/seed=S}); null when there is none.
   */
  public static Path locate(String rowsPath, Configuration conf) {
    Path p = new Path(rowsPath.replaceAll("/+$", ""));
    for (int up = 0; up < MAX_LEVELS_UP && p.getParent() != null; up++) {
      Path candidate = new Path(p.getParent(), DIR);
      if (Fs.exists(candidate, conf)) {
        return candidate;
      }
      p = p.getParent();
    }
    return null;
  }

  /** Whether {@code rows} already carry their items' texts (older samples, or rows already attached). */
  public static boolean attached(Dataset<Row> rows) {
    List<String> cols = Arrays.asList(rows.columns());
    return cols.contains(Columns.HISTORY_TEXTS) && cols.contains(Columns.TARGET_TEXT);
  }

  /**
   * {@code rows} (read from {@code rowsPath}) with {@code history_texts} and {@code target_text}
   * added from the dataset's {@code item_texts}; unchanged when they already have them. Fails
   * naming the path when no table is found, and naming the sample and item when an item has no text.
   */
  public static Dataset<Row> attach(Dataset<Row> rows, String rowsPath) {
    if (attached(rows)) {
      return rows;
    }
    SparkSession spark = rows.sparkSession();
    Path table = locate(rowsPath, spark.sparkContext().hadoopConfiguration());
    if (table == null) {
      throw new IllegalArgumentException("samples at " + rowsPath + " carry item ids only, and no " + DIR
          + "/ table was found beside them or their parents (`tallrec instructions` writes DATASET/" + DIR + ")");
    }
    return attach(rows, read(spark, table), table.toString());
  }

  /** {@code rows} with the texts of {@code texts} (item id → text) attached; {@code source} names them in errors. */
  public static Dataset<Row> attach(Dataset<Row> rows, Map<String, String> texts, String source) {
    if (attached(rows)) {
      return rows;
    }
    StructType schema = rows.schema()
        .add(DataTypes.createStructField(Columns.HISTORY_TEXTS, DataTypes.createArrayType(DataTypes.StringType, false), false))
        .add(DataTypes.createStructField(Columns.TARGET_TEXT, DataTypes.StringType, false));
    int idIdx = rows.schema().fieldIndex(Columns.SAMPLE_ID);
    int historyIdx = rows.schema().fieldIndex(Columns.HISTORY_ITEM_IDS);
    int targetIdx = rows.schema().fieldIndex(Columns.TARGET_ITEM_ID);
    // Broadcast, not captured: a catalogue (BookCrossing: 271 K books) would otherwise ship with every task.
    Broadcast<Map<String, String>> shared =
        JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext()).broadcast(texts);
    return rows.map((MapFunction<Row, Row>) r -> {
      Map<String, String> t = shared.value();
      Object[] v = new Object[r.length() + 2];
      for (int i = 0; i < r.length(); i++) {
        v[i] = r.get(i);
      }
      List<String> ids = r.getList(historyIdx);
      String[] history = new String[ids.size()];
      for (int i = 0; i < history.length; i++) {
        history[i] = textOf(t, ids.get(i), r.getString(idIdx), source);
      }
      // A Scala Seq, not an array: Spark hands this row object itself to a following typed map
      // (it drops the encode-decode between them), whose getList expects a Seq.
      v[r.length()] = ArraySeq.unsafeWrapArray(history);
      v[r.length() + 1] = textOf(t, r.getString(targetIdx), r.getString(idIdx), source);
      return RowFactory.create(v);
    }, Encoders.row(schema));
  }

  /**
   * The table at {@code table} as item id → text, on the driver (a catalogue, not ratings): read
   * there with Parquet's reader where the table is as {@code instructions} writes it
   * ({@link DriverParquet}: no Spark job before the stage's own), else through Spark.
   */
  public static Map<String, String> read(SparkSession spark, Path table) {
    Optional<Map<String, String>> direct = DriverParquet.stringMap(table,
        spark.sparkContext().hadoopConfiguration(), Columns.ITEM_ID, Columns.TEXT);
    if (direct.isPresent()) {
      return direct.get();
    }
    Dataset<Row> df = ParquetFooters.read(spark, table);
    Schemas.require(df.schema(), Schemas.ITEM_TEXTS, "item texts at " + table);
    Map<String, String> out = new HashMap<>();
    for (Row r : df.select(Columns.ITEM_ID, Columns.TEXT).collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    return out;
  }

  /** {@code texts} as rows of {@link Schemas#ITEM_TEXTS}, in item id order. */
  public static Dataset<Row> toDataset(SparkSession spark, Map<String, String> texts) {
    List<Row> rows = new ArrayList<>(texts.size());
    texts.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> rows.add(RowFactory.create(e.getKey(), e.getValue())));
    return spark.createDataFrame(rows, Schemas.ITEM_TEXTS);
  }

  private static String textOf(Map<String, String> texts, String itemId, String sampleId, String source) {
    String t = texts.get(itemId);
    if (t == null) {
      throw new IllegalArgumentException("sample " + sampleId + ": item '" + itemId + "' has no text in " + source);
    }
    return t;
  }
}
