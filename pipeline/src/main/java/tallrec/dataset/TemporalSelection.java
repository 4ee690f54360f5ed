package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.data.Columns;
import tallrec.spark.ExactQuantiles;

/**
 * Production selection: every window whose target has at least {@code minHistory} previous
 * interactions, split by the target's time at two cut points — explicit ones, or exact
 * (nearest-rank) quantiles of the targets' times — so that no validation or test target precedes a
 * training target.
 *
 * <p>Output: the {@link HistoryWindows} columns plus {@code split} and {@code sample_index} (the
 * target's position in the source file: unique, deterministic and free to compute).
 */
public final class TemporalSelection {

  /** The selected windows and the cut points that split them. */
  public record Result(Dataset<Row> windows, long validStart, long testStart) {}

  private TemporalSelection() {}

  public static Result select(Dataset<Row> enriched, InstructionSettings s) {
    if (enriched.filter(col(Columns.TS).isNull()).limit(1).count() > 0) {
      throw new IllegalArgumentException(
          "--mode temporal needs a timestamp on every interaction, but this dataset has interactions without one"
              + " (BookCrossing has none): use --mode tallrec");
    }
    Dataset<Row> windows = HistoryWindows.chronological(enriched, s.historyLength())
        .filter(col("pos").geq(s.minHistory()));
    long validStart;
    long testStart;
    List<Long> cuts = s.temporalCuts();
    if (!cuts.isEmpty()) {
      if (cuts.size() != 2 || cuts.get(0) > cuts.get(1)) {
        throw new IllegalArgumentException("instructions.temporal.cuts must be [valid-start, test-start] in order, got " + cuts);
      }
      validStart = cuts.get(0);
      testStart = cuts.get(1);
    } else {
      List<Double> q = s.temporalQuantiles();
      // Exact, so the split depends on the targets alone, not on how the interactions were written.
      long[] at = ExactQuantiles.of(windows, Columns.TARGET_TS, q.get(0), q.get(1));
      if (at.length < 2) {
        throw new IllegalArgumentException("no interaction has " + s.minHistory()
            + " previous interactions of the same user: nothing to split (lower instructions.temporal.min-history)");
      }
      validStart = at[0];
      testStart = at[1];
    }
    Dataset<Row> split = windows
        .withColumn("split", when(col(Columns.TARGET_TS).lt(validStart), "train")
            .when(col(Columns.TARGET_TS).lt(testStart), "valid").otherwise("test"))
        .withColumn("sample_index", col("target_seq"));
    return new Result(split, validStart, testStart);
  }
}
