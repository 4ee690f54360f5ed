package tallrec.dataset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
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
 * Turns selected windows into {@code samples} rows: ids, history, and the TALLRec prompt
 * (instruction, input, output) rendered by {@link RecPrompt}. Runs on executors, row by row.
 *
 * <p>Item texts come from the items table, rendered once per item and broadcast: a catalogue is
 * small beside its ratings (ML-25M: 62 K movies for 25 M ratings), so every executor holds it
 * while the windows, which carry only item ids, stream past.
 */
public final class SampleRenderer {

  /** The samples contract plus the order key within a split. */
  public static final StructType SCHEMA =
      Schemas.SAMPLES.add(DataTypes.createStructField("sample_index", DataTypes.LongType, false));

  private SampleRenderer() {}

  public static Dataset<Row> render(Dataset<Row> windows, Dataset<Row> items, DomainSpec domain) {
    Map<String, String> texts = new HashMap<>();
    for (Row r : items.select(Columns.ITEM_ID, Columns.TITLE, Columns.AUTHOR).collectAsList()) {
      texts.put(r.getString(0), domain.renderer().render(r.getString(1), r.getString(2)));
    }
    Broadcast<Map<String, String>> itemTexts =
        JavaSparkContext.fromSparkContext(windows.sparkSession().sparkContext()).broadcast(texts);
    return windows.map((MapFunction<Row, Row>) r -> toSample(r, itemTexts.value(), domain), Encoders.row(SCHEMA));
  }

  static Row toSample(Row r, Map<String, String> itemTexts, DomainSpec domain) {
    List<Row> history = r.getList(r.fieldIndex("history"));
    List<String> ids = new ArrayList<>(history.size());
    List<Integer> labels = new ArrayList<>(history.size());
    List<String> rendered = new ArrayList<>(history.size());
    for (Row h : history) {
      ids.add(h.getString(0));
      rendered.add(itemTexts.get(h.getString(0)));
      labels.add(h.getInt(1));
    }
    String userId = r.getString(r.fieldIndex(Columns.USER_ID));
    String target = r.getString(r.fieldIndex(Columns.TARGET_ITEM_ID));
    int label = r.getInt(r.fieldIndex(Columns.LABEL));
    String targetText = itemTexts.get(target);
    RecPrompt prompt = RecPrompt.of(domain.noun(), rendered, labels, targetText, label);
    int tsIdx = r.fieldIndex(Columns.TARGET_TS);
    return RowFactory.create(
        domain.name() + "-" + userId + "-" + r.getInt(r.fieldIndex("pos")),
        domain.name(),
        userId,
        target,
        ids.toArray(new String[0]),
        labels.toArray(new Integer[0]),
        r.isNullAt(tsIdx) ? null : r.getLong(tsIdx),
        prompt.instruction(),
        prompt.input(),
        prompt.output(),
        label,
        r.getString(r.fieldIndex(Columns.SPLIT)),
        rendered.toArray(new String[0]),
        targetText,
        r.getLong(r.fieldIndex("sample_index")));
  }
}
