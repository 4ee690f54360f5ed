package tallrec.baselines;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.data.Columns;

/**
 * The target item's smoothed like rate, (likes + a · prior) / (count + a), from the ratings the
 * training samples reveal (see {@link ItemStats}); an item the training data never shows gets the
 * prior, the global like rate. Two variants differ only in the training data:
 * <ul>
 *   <li>{@code item-rate}: the K samples of one K-shot set (their targets and histories) — the
 *       information TALLRec's rec-tuning sees;
 *   <li>{@code item-rate-train}: the whole training split — an upper reference for what item
 *       popularity alone gives with all the data.
 * </ul>
 */
public final class ItemRate implements Baseline {

  public static final String KSHOT_NAME = "item-rate";
  public static final String TRAIN_NAME = "item-rate-train";

  private final String name;
  private final Training training;
  private final double smoothing;

  public ItemRate(String name, Training training, double smoothing) {
    if (smoothing <= 0) {
      throw new IllegalArgumentException("baselines.item-rate.smoothing must be > 0, got " + smoothing);
    }
    this.name = name;
    this.training = training;
    this.smoothing = smoothing;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Training training() {
    return training;
  }

  @Override
  public Dataset<Row> score(Dataset<Row> train, Dataset<Row> eval, Run run) {
    return ItemStats.of(train).join(eval, smoothing, false).withColumn(Columns.SCORE, col("item_rate"))
        .drop("item_likes", "item_n", "item_rate", "item_pop");
  }
}
