package tallrec.baselines;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A recommender baseline: given training samples (or none) it adds a {@code score} column to the
 * evaluation samples; higher means "more likely liked". Only the order matters (AUC).
 */
public interface Baseline {

  /** Which training information a baseline sees, which also fixes the k/seed it is reported under. */
  enum Training {
    /** Nothing but the evaluated sample itself: one run, reported as k = 0, seed = 0. */
    NONE,
    /** One K-shot set (k, seed) per run, as TALLRec's rec-tuning sees. */
    KSHOT,
    /** The whole training split: one run, reported as k = number of training samples, seed = 0. */
    TRAIN_SPLIT
  }

  /** One fit-and-score: the training set's size and seed, and where a model may be saved (or null). */
  record Run(int k, int seed, Path modelDir) {}

  String name();

  Training training();

  /** The {@code model} column of this baseline's scores (default: its name). */
  default String scoresModel() {
    return name();
  }

  /** The {@code variant} column of this baseline's scores (default: empty). */
  default String scoresVariant() {
    return "";
  }

  /**
   * @param train the training samples (a K-shot set or the training split; empty for {@code NONE})
   * @param eval samples to score (valid and test splits)
   * @return {@code eval}'s rows with a non-null {@code score double} column added (and, for a model
   *     that has them, {@code logit_yes} / {@code logit_no}, which the scores keep)
   */
  Dataset<Row> score(Dataset<Row> train, Dataset<Row> eval, Run run);
}
