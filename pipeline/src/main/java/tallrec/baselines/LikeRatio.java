package tallrec.baselines;

import static org.apache.spark.sql.functions.expr;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.data.Columns;

/**
 * {@code like-ratio}: the share of liked items in the sample's own history, liked / (liked +
 * disliked), 0.5 for an empty history. Uses no training data: a user who liked most of the
 * recent items is predicted to like the next one.
 */
public final class LikeRatio implements Baseline {

  public static final String NAME = "like-ratio";

  /** Number of liked items in the history. */
  static Column liked() {
    return expr("aggregate(history_labels, 0, (acc, x) -> acc + x)");
  }

  /** liked / size, 0.5 for an empty history (try_divide gives null on 0 / 0). */
  static Column ratio() {
    return expr("coalesce(try_divide(aggregate(history_labels, 0, (acc, x) -> acc + x), size(history_labels)), 0.5D)")
        .cast("double");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Training training() {
    return Training.NONE;
  }

  @Override
  public Dataset<Row> score(Dataset<Row> train, Dataset<Row> eval, Run run) {
    return eval.withColumn(Columns.SCORE, ratio());
  }
}
