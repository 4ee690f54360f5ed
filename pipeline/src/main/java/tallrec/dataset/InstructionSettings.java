package tallrec.dataset;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;

/**
 * Settings of the {@code instructions} stage ({@code tallrec.instructions}), built by
 * {@link #from(TallRecConf)}; an experiment lays a dataset's own {@code mode} and
 * {@code instructions} over the section first ({@link TallRecConf#overlay}).
 *
 * @param mode tallrec (the paper's datasets, exactly) or temporal (every window, split by time)
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
    SelectionMode mode,
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

  /** The section these settings are read from. */
  public static final String SECTION = "instructions";

  // Keys of tallrec.instructions; reference.conf documents each and holds its default.
  public static final String MODE = "mode";
  public static final String HISTORY_LENGTH = "history-length";
  public static final String SPLIT_FRACTIONS = "split-fractions";
  public static final String KEEP_LAST = "tallrec.keep-last";
  public static final String MIN_USER_INTERACTIONS = "tallrec.min-user-interactions";
  public static final String SEED = "tallrec.seed";
  public static final String MIN_HISTORY = "temporal.min-history";
  public static final String TEMPORAL_CUTS = "temporal.cuts";
  public static final String TEMPORAL_QUANTILES = "temporal.quantiles";
  public static final String KSHOT_K = "kshot.k";
  public static final String KSHOT_SEEDS = "kshot.seeds";

  public InstructionSettings {
    Objects.requireNonNull(mode, "mode");
    splitFractions = List.copyOf(splitFractions);
    temporalCuts = List.copyOf(temporalCuts);
    temporalQuantiles = List.copyOf(temporalQuantiles);
    kshotKs = List.copyOf(kshotKs);
    kshotSeeds = List.copyOf(kshotSeeds);
  }

  /** The {@code tallrec.instructions} section; errors name the key and where it was set. */
  public static InstructionSettings from(TallRecConf conf) {
    Section c = Section.of(conf, SECTION);
    int historyLength = c.getInt(HISTORY_LENGTH);
    if (historyLength < 1) {
      throw c.invalid(HISTORY_LENGTH, "must be at least 1");
    }
    List<Integer> ks = c.getIntList(KSHOT_K, 1, "K");
    List<Integer> seeds = c.getIntList(KSHOT_SEEDS, 0, "seed");
    List<Long> cuts = new ArrayList<>();
    for (String cut : c.getStringList(TEMPORAL_CUTS)) {
      Long t = parseTime(cut);
      if (t == null) {
        throw c.invalid(TEMPORAL_CUTS, "'" + cut + "' is neither unix seconds nor yyyy-MM-dd");
      }
      cuts.add(t);
    }
    return new InstructionSettings(c.get(MODE, SelectionMode::parse), historyLength, c.getInt(MIN_HISTORY),
        c.getInt(KEEP_LAST), c.getDoubleList(SPLIT_FRACTIONS), c.getInt(MIN_USER_INTERACTIONS), c.getLong(SEED), cuts,
        c.getDoubleList(TEMPORAL_QUANTILES), ks, seeds);
  }

  /** Unix seconds or a yyyy-MM-dd date (UTC midnight); null for neither. */
  private static Long parseTime(String s) {
    String t = s.trim();
    if (t.matches("\\d+")) {
      return Long.parseLong(t);
    }
    try {
      return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
