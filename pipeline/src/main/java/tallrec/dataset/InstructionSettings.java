package tallrec.dataset;

import com.typesafe.config.Config;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Settings of the {@code instructions} stage ({@code tallrec.instructions}).
 *
 * @param historyLength N, the previous interactions shown in a prompt (paper: 10)
 * @param minHistory temporal mode: a target needs at least this many previous interactions
 * @param keepLast tallrec mode (MovieLens): how many of the last samples the reference keeps
 * @param splitFractions train and train+valid cumulative fractions (paper: 0.8, 0.9)
 * @param minUserInteractions tallrec mode (BookCrossing): users need more than this many ratings
 * @param seed tallrec mode (BookCrossing): seed of the per-user shuffle and the user split
 * @param temporalCuts temporal mode: explicit valid/test start times (unix seconds), or empty
 * @param temporalQuantiles temporal mode: quantiles of target time used when no cuts are given
 * @param kshotKs K values of the few-shot sets
 * @param kshotSeeds seeds of the few-shot draws
 */
public record InstructionSettings(
    int historyLength,
    int minHistory,
    int keepLast,
    List<Double> splitFractions,
    int minUserInteractions,
    long seed,
    List<Long> temporalCuts,
    List<Double> temporalQuantiles,
    List<Integer> kshotKs,
    List<Integer> kshotSeeds) {

  public InstructionSettings {
    if (historyLength < 1) {
      throw new IllegalArgumentException("instructions.history-length: " + historyLength + " (must be at least 1)");
    }
    for (int k : kshotKs) {
      if (k < 1) {
        throw new IllegalArgumentException("instructions.kshot.k: " + k + " is not allowed (each K must be at least 1)");
      }
    }
    for (int s : kshotSeeds) {
      if (s < 0) {
        throw new IllegalArgumentException("instructions.kshot.seeds: " + s + " is not allowed (seeds are >= 0)");
      }
    }
  }

  public static InstructionSettings from(Config c) {
    return new InstructionSettings(
        c.getInt("history-length"),
        c.getInt("temporal.min-history"),
        c.getInt("tallrec.keep-last"),
        c.getDoubleList("split-fractions"),
        c.getInt("tallrec.min-user-interactions"),
        c.getLong("tallrec.seed"),
        c.getStringList("temporal.cuts").stream().map(InstructionSettings::parseTime).toList(),
        c.getDoubleList("temporal.quantiles"),
        c.getIntList("kshot.k"),
        c.getIntList("kshot.seeds"));
  }

  private static Long parseTime(String s) {
    String t = s.trim();
    if (t.matches("\\d+")) {
      return Long.parseLong(t);
    }
    try {
      return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("instructions.temporal.cuts: '" + s + "' is neither unix seconds nor yyyy-MM-dd");
    }
  }
}
